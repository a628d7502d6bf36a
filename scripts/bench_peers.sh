#!/usr/bin/env bash
# scripts/bench_peers.sh — `make bench-peers`: raftlab against every Raft simulation
# peer on identical workloads (issue 5; definitions in docs/benchmarks.md), in one run,
# and results/BENCHMARKS.md regenerated from what this run measured.
#
#   scripts/bench_peers.sh [BUILD_DIR]          (default: build)
#
# Steps: install the missing Debian packages (libraft-dev, golang-go,
# golang-etcd-server-dev, etcd-server, valgrind, python3, util-linux; apt-get, with sudo
# when not root); build raftlab (Release, and its profile-guided build in BUILD_DIR-pgo with
# scripts/pgo_build.sh) and the peer harnesses of bench/peers/ into
# BUILD_DIR/bench-peers/; run every workload REPS times, the engines interleaved within
# each repetition (the report's goals pair repetition r of raftlab with repetition r of
# each peer, run back to back, and take the median of those ratios), pinned to
# one core with taskset when available; profile raftlab with callgrind; write the
# report (scripts/bench_report.py keeps its "## Optimisation history" section).
#
# raftlab's figures are the PGO build's; the plain Release build is measured alongside in
# W1 and W2 (engine raftlab-plain).
#
# Environment: REPS (default 5), BENCH_CORE (default 1), QUICK=1 (tiny sizes, to check
# the pipeline in a minute; the report says so), NO_PROFILE=1, NO_REAL_ETCD=1,
# NO_PGO=1 (measure the plain build only),
# BENCH_OUT (default results/BENCHMARKS.md). Nothing here passes or fails on time.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
REPS=${REPS:-5}
CORE=${BENCH_CORE:-1}
OUT=${BENCH_OUT:-results/BENCHMARKS.md}
WORK="$ROOT/$BUILD/bench-peers"
RAW="$WORK/raw"
log() { printf '[bench-peers %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---- sizes (peers that are slow get fewer items; every rate is per second) ----
if [[ ${QUICK:-0} == 1 ]]; then
  W1_SEEDS=2000; W1_SEEDS_SLOW=2000; W2_ENTRIES=5000; W2_ENTRIES_CANONICAL=1000; W3_ENTRIES=5000
  W4_SEEDS=100; W4_ENTRIES=1000; BARE_EVENTS=5000000; REAL_REPS=2; W5_SEEDS=6; W5C_SEEDS=4; W5S_SEEDS=4
else
  W1_SEEDS=100000; W1_SEEDS_SLOW=100000; W2_ENTRIES=100000; W2_ENTRIES_CANONICAL=10000; W3_ENTRIES=100000
  W4_SEEDS=500; W4_ENTRIES=10000; BARE_EVENTS=50000000; REAL_REPS=5; W5_SEEDS=40; W5C_SEEDS=40; W5S_SEEDS=40
fi
W4_SIZES=(3 5 7 9 15 31 51)

# ---- 1. packages ----
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in libraft-dev golang-go golang-etcd-server-dev etcd-server valgrind python3 util-linux gcc g++ cmake; do
  have_pkg "$p" || need+=("$p")
done
if ((${#need[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  log "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# ---- 2. build ----
log "building raftlab (Release) in $BUILD"
./scripts/deps.sh >/dev/null 2>&1 || true
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target raftlab -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
RAFTLAB_PLAIN="$ROOT/$BUILD/tools/raftlab"
RAFTLAB=$RAFTLAB_PLAIN
BUILD_KIND=plain
if [[ ${NO_PGO:-0} != 1 ]]; then
  log "building raftlab with profile-guided optimisation in $BUILD-pgo (scripts/pgo_build.sh)"
  ./scripts/pgo_build.sh "$BUILD-pgo"
  RAFTLAB="$ROOT/$BUILD-pgo/tools/raftlab"
  case $BUILD in /*) RAFTLAB="$BUILD-pgo/tools/raftlab" ;; esac
  BUILD_KIND=pgo
fi
mkdir -p "$WORK/bin" "$WORK/gopath" "$WORK/gocache"
rm -rf "$RAW"
mkdir -p "$RAW"
log "building the peer harnesses in $WORK/bin"
gcc -O2 -Wall -Wextra -o "$WORK/bin/canonical_raft" bench/peers/canonical_raft.c -lraft
g++ -O3 -std=c++20 -Wall -Wextra -o "$WORK/bin/bare_loop" bench/peers/bare_loop.cc
(cd bench/peers/etcdraft &&
  GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$WORK/gopath:/usr/share/gocode" GOCACHE="$WORK/gocache" \
    go build -o "$WORK/bin/etcdraft" .)

PIN=()
if command -v taskset >/dev/null && taskset -c "$CORE" true 2>/dev/null; then PIN=(taskset -c "$CORE"); fi

# run ID CMD...: one measurement, its JSON in $RAW/ID.json (a failed run is reported
# in the table as failed, not dropped silently).
run() {
  local id=$1
  shift
  if ! "${PIN[@]}" "$@" >"$RAW/$id.json" 2>"$RAW/$id.err"; then
    log "FAILED: $id ($*): $(tail -2 "$RAW/$id.err" | tr '\n' ' ')"
    echo '{"ok":false}' >"$RAW/$id.failed"
  fi
}
GO1=(env GOMAXPROCS=1)  # the one-core figure for etcd raft

# ---- 3. the workloads, REPS times, engines interleaved ----
for ((r = 1; r <= REPS; r++)); do
  log "repetition $r/$REPS: W1"
  run "W1__raftlab-off__$r" "$RAFTLAB" bench W1 --seeds "$W1_SEEDS" --split --json
  [[ $BUILD_KIND == pgo ]] && run "W1__raftlab-plain__$r" "$RAFTLAB_PLAIN" bench W1 --seeds "$W1_SEEDS" --json
  run "W1__raftlab-default__$r" "$RAFTLAB" bench W1 --seeds "$W1_SEEDS" --trace-level default --json
  run "W1__canonical__$r" "$WORK/bin/canonical_raft" W1 --seeds "$W1_SEEDS"
  run "W1__etcdraft__$r" "${GO1[@]}" "$WORK/bin/etcdraft" W1 -seeds "$W1_SEEDS_SLOW"
  log "repetition $r/$REPS: W2"
  run "W2__raftlab-off__$r" "$RAFTLAB" bench W2 --entries "$W2_ENTRIES" --json
  # The events-share goal divides this W2 run's events/s by the bare loop's: run it next.
  run "BARE__bare-1024__$r" "$WORK/bin/bare_loop" --events "$BARE_EVENTS" --depth 1024
  [[ $BUILD_KIND == pgo ]] && run "W2__raftlab-plain__$r" "$RAFTLAB_PLAIN" bench W2 --entries "$W2_ENTRIES" --json
  run "W2__raftlab-default__$r" "$RAFTLAB" bench W2 --entries "$W2_ENTRIES" --trace-level default --json
  run "W2__raftlab-compact__$r" "$RAFTLAB" bench W2 --entries "$W2_ENTRIES" --snapshot-count 10000 --json
  run "W2__canonical__$r" "$WORK/bin/canonical_raft" W2 --entries "$W2_ENTRIES_CANONICAL"
  run "W2__canonical-snap64__$r" "$WORK/bin/canonical_raft" W2 --entries "$W2_ENTRIES_CANONICAL" --snapshot-threshold 64
  run "W2__etcdraft__$r" "${GO1[@]}" "$WORK/bin/etcdraft" W2 -entries "$W2_ENTRIES"
  log "repetition $r/$REPS: W3"
  run "W3__raftlab-off__$r" "$RAFTLAB" bench W3 --entries "$W3_ENTRIES" --json
  run "W3__raftlab-default__$r" "$RAFTLAB" bench W3 --entries "$W3_ENTRIES" --trace-level default --json
  run "W3__raftlab-compact__$r" "$RAFTLAB" bench W3 --entries "$W3_ENTRIES" --snapshot-count 10000 --json
  run "W3__canonical__$r" "$WORK/bin/canonical_raft" W3 --entries "$W3_ENTRIES"
  run "W3__canonical-snap64__$r" "$WORK/bin/canonical_raft" W3 --entries "$W3_ENTRIES" --snapshot-threshold 64
  run "W3__etcdraft__$r" "${GO1[@]}" "$WORK/bin/etcdraft" W3 -entries "$W3_ENTRIES"
  log "repetition $r/$REPS: bare event loop (64 pending)"
  run "BARE__bare-64__$r" "$WORK/bin/bare_loop" --events "$BARE_EVENTS" --depth 64
done

# ---- 4. W4 (one repetition: each size is its own process, for its own peak RSS) ----
log "W4: ${W4_SIZES[*]} voters"
run "W4__raftlab-off__1" "$RAFTLAB" bench W4 --seeds "$W4_SEEDS" --entries "$W4_ENTRIES" --json
for n in "${W4_SIZES[@]}"; do
  if ((n <= 8)); then  # the fixture's RAFT_FIXTURE_MAX_SERVERS
    run "W4W1__canonical__n$n" "$WORK/bin/canonical_raft" W1 --seeds "$W4_SEEDS" --voters "$n"
    run "W4W2__canonical-snap64__n$n" "$WORK/bin/canonical_raft" W2 --entries "$W2_ENTRIES_CANONICAL" --voters "$n" --snapshot-threshold 64
  fi
  run "W4W1__etcdraft__n$n" "${GO1[@]}" "$WORK/bin/etcdraft" W1 -seeds "$W4_SEEDS" -voters "$n"
  run "W4W2__etcdraft__n$n" "${GO1[@]}" "$WORK/bin/etcdraft" W2 -entries "$W4_ENTRIES" -voters "$n"
done

# ---- 5. W5: the fault lab's reference scenario, if this tree has it ----
if [[ -r scenarios/lab/reference.json ]]; then
  log "W5: raftlab fuzz scenarios/lab/reference.json"
  for j in 1 2; do
    for ((r = 1; r <= REPS; r++)); do
      if ((j == 1)); then
        run "W5__raftlab-jobs1__$r" "$RAFTLAB" bench W5 --seeds "$W5_SEEDS" --jobs 1 --json
        # The lab's events-share figure divides this run's events/s by the bare loop's: run it next.
        run "W5BARE__bare-1024__$r" "$WORK/bin/bare_loop" --events "$BARE_EVENTS" --depth 1024
      else
        "$RAFTLAB" bench W5 --seeds "$W5_SEEDS" --jobs 2 --json >"$RAW/W5__raftlab-jobs2__$r.json" 2>"$RAW/W5__raftlab-jobs2__$r.err" ||
          echo '{"ok":false}' >"$RAW/W5__raftlab-jobs2__$r.failed"
      fi
    done
  done
else
  log "W5: scenarios/lab/reference.json is not in this tree (issue 3): skipped, and the report says so"
fi
# The cloud scenarios (issue 20), measured the same way: the cloud fault lab through `bench W5`
# (events per CPU-s against the bare loop run right after it), and each ASG story as a
# one-scenario sweep (`--lab-scenario` takes any scenario; a story has no faults, so every
# seed is the story under another seed).
if [[ -d scenarios/aws-asg ]]; then
  log "cloud: scenarios/aws-asg (the cloud fault lab and the ASG stories)"
  for ((r = 1; r <= REPS; r++)); do
    run "W5C__asg-lab__$r" "$RAFTLAB" bench W5 --seeds "$W5C_SEEDS" --jobs 1 \
      --lab-scenario scenarios/aws-asg/lab-asg-instance-faults.json --json
    run "W5CBARE__bare-1024__$r" "$WORK/bin/bare_loop" --events "$BARE_EVENTS" --depth 1024
  done
  for f in scenarios/aws-asg/[0-9]*.json; do
    id=$(basename "$f" .json)
    run "W5S__${id}__1" "$RAFTLAB" bench W5 --seeds "$W5S_SEEDS" --jobs 1 --lab-scenario "$f" --json
  done
fi

# ---- 6. real etcd W1 ----
if [[ ${NO_REAL_ETCD:-0} != 1 ]]; then
  log "real etcd W1: $REAL_REPS repetitions"
  bench/peers/real_etcd_w1.sh "$REAL_REPS" 5 >"$RAW/W1__real-etcd__1.json" 2>"$RAW/W1__real-etcd__1.err" ||
    echo '{"ok":false}' >"$RAW/W1__real-etcd__1.failed"
fi

# ---- 7. profile ----
if [[ ${NO_PROFILE:-0} != 1 ]]; then
  # Instruction counts of the plain build: comparable with the optimisation history's.
  log "callgrind profile of raftlab's plain build (results/profile-raftlab.txt)"
  ./scripts/bench_profile.sh "$RAFTLAB_PLAIN" results/profile-raftlab.txt >/dev/null 2>"$WORK/profile.err" ||
    log "profile failed: $(tail -2 "$WORK/profile.err")"
fi

# ---- 8. the report ----
log "writing $OUT"
python3 scripts/bench_report.py --raw "$RAW" --out "$OUT" --reps "$REPS" --quick "${QUICK:-0}" \
  --sizes "W1_SEEDS=$W1_SEEDS W2_ENTRIES=$W2_ENTRIES W2_ENTRIES_CANONICAL=$W2_ENTRIES_CANONICAL W3_ENTRIES=$W3_ENTRIES W4_SEEDS=$W4_SEEDS W4_ENTRIES=$W4_ENTRIES BARE_EVENTS=$BARE_EVENTS REAL_REPS=$REAL_REPS W5_SEEDS=$W5_SEEDS W5C_SEEDS=$W5C_SEEDS W5S_SEEDS=$W5S_SEEDS" \
  --pinned "${PIN[*]:-not pinned}" --raftlab "$RAFTLAB" --build-kind "$BUILD_KIND"
log "done: $OUT (raw JSON in $RAW)"
