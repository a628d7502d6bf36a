#!/usr/bin/env bash
# scripts/pgo_build.sh — `make pgo`: the raftlab binary built with GCC profile-guided
# optimisation, for long seed sweeps (results/BENCHMARKS.md has its measured effect).
#
#   scripts/pgo_build.sh [BUILD_DIR]          (default: build-pgo)
#
# Both builds use link-time optimisation (CMAKE_INTERPROCEDURAL_OPTIMIZATION): with the
# profile, GCC inlines the hot calls across source files too (measured in
# results/BENCHMARKS.md → Optimisation history; LTO alone gained nothing measurable).
#
# 1. Configure BUILD_DIR with RAFTLAB_PGO=generate and build the raftlab binary
#    (instrumented: every branch counts into BUILD_DIR/pgo-profile/).
# 2. Train it on what raftlab is used for: `make demo`, every shipped scenario, six seeds of
#    the fault lab's reference scenario with every checker (`replay`: in this process; fuzz
#    workers are child processes that leave by _exit and write no profile), and the
#    W1/W2/W3 workloads of `raftlab bench` (small sizes, trace off and at its default level).
# 3. Reconfigure the same directory with RAFTLAB_PGO=use and rebuild (GCC finds each
#    object's profile by the object's path, so it must be the same directory).
# 4. Check the result: every shipped scenario's trace hash must equal its golden hash
#    (tests/scenarios/golden_hashes.txt). PGO changes code layout and inlining, never what a
#    run computes; a mismatch is a compiler or undefined-behaviour bug, and fails the build.
#
# Result: BUILD_DIR/tools/raftlab. The test suite is not built here (`make test` builds
# and runs it without PGO). Nothing here depends on the machine's speed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
usage() { echo "usage: scripts/pgo_build.sh [BUILD_DIR]   (default: build-pgo; one directory, not an option)" >&2; }
if (($# > 1)) || [[ ${1:-} == -* ]]; then
  echo "scripts/pgo_build.sh: unexpected argument(s): $*" >&2
  usage
  exit 2
fi
BUILD=${1:-build-pgo}
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PROFILE="$BUILD/pgo-profile"
JOBS=$(nproc 2>/dev/null || echo 2)
GOLDEN=tests/scenarios/golden_hashes.txt
log() { printf '[pgo %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v g++ >/dev/null || die "g++ not found: run ./scripts/deps.sh (make deps) first"
[[ -r $GOLDEN ]] || die "$GOLDEN is missing: run from a raftlab checkout"

configure() {  # configure MODE
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DRAFTLAB_BENCH=OFF \
    -DRAFTLAB_PGO="$1" -DRAFTLAB_PGO_DIR="$PROFILE" -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=ON >/dev/null
}
build() {  # objects of the other mode must not be reused: clean first
  cmake --build "$BUILD" --target clean >/dev/null
  cmake --build "$BUILD" --target raftlab -j "$JOBS" >/dev/null
}

# ---- 1. instrumented build ----
log "instrumented build (RAFTLAB_PGO=generate) in $BUILD"
rm -rf "$PROFILE"
configure generate
build
RAFTLAB="$BUILD/tools/raftlab"

# ---- 2. training ----
scenarios=()
while read -r f _; do
  [[ -z $f || $f == \#* ]] && continue
  scenarios+=("$f")
done <"$GOLDEN"
log "training: make demo, ${#scenarios[@]} shipped scenarios, 6 fault-lab seeds, bench W1/W2/W3"
./scripts/demo.sh "$RAFTLAB" >/dev/null
for f in "${scenarios[@]}"; do
  "$RAFTLAB" run "$f" --json >/dev/null 2>&1 || true  # a scenario whose expectations fail still trains
done
if [[ -r scenarios/lab/reference.json ]]; then
  for seed in 1 2 3 4 5 6; do
    "$RAFTLAB" replay scenarios/lab/reference.json --seed "$seed" --json >/dev/null
  done
fi
"$RAFTLAB" bench W1 --seeds 3000 >/dev/null
"$RAFTLAB" bench W1 --seeds 500 --trace-level default >/dev/null
"$RAFTLAB" bench W2 --entries 5000 >/dev/null
"$RAFTLAB" bench W2 --entries 1000 --trace-level default >/dev/null
"$RAFTLAB" bench W3 --entries 20000 >/dev/null
n=$(find "$PROFILE" -name '*.gcda' | wc -l)
((n > 0)) || die "training wrote no profile into $PROFILE"
log "training wrote $n profiles"

# ---- 3. optimised build ----
log "optimised build (RAFTLAB_PGO=use)"
configure use
build

# ---- 4. same traces as the plain build ----
log "checking ${#scenarios[@]} golden trace hashes"
bad=0
while read -r f want; do
  [[ -z $f || $f == \#* ]] && continue
  got=$("$RAFTLAB" run "$f" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get("trace_sha256",""))' 2>/dev/null || true)
  if [[ $got != "$want" ]]; then
    log "MISMATCH $f: golden $want, PGO build ${got:-<no hash>}"
    bad=1
  fi
done <"$GOLDEN"
((bad == 0)) || die "the PGO build's traces differ from the golden hashes (see above): do not use it"
log "done: $RAFTLAB (every golden trace hash matches)"
