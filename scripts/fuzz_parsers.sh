#!/usr/bin/env bash
# Coverage-guided fuzzing of raftlab's parsers with libFuzzer (issue 24; fuzz/README.md).
#
#   scripts/fuzz_parsers.sh            # make fuzz-parsers: each harness FUZZ_SECONDS (60) s
#   scripts/fuzz_parsers.sh --smoke    # make test: 10 s each (50 s in all), or SKIPPED and why
#
# Environment: FUZZ_SECONDS (per harness), FUZZERS (a subset, e.g. "etcdctl docker_shell"),
# FUZZ_CONCURRENT=1 (all harnesses at once, each for FUZZ_SECONDS of wall time),
# FUZZ_BUILD (build dir, default build-fuzz), JOBS (build parallelism, default 2).
# Builds the harnesses with clang (-fsanitize=fuzzer,address; CMake RAFTLAB_FUZZ=ON) in
# $FUZZ_BUILD, writes the seed corpus from the shipped scenarios (fuzz/make_corpus.py) to
# $FUZZ_BUILD/corpus-seed, replays the checked-in regression inputs (fuzz/regressions/),
# then runs each harness alone, one process (no -jobs/-fork: the machine's cores are shared),
# growing $FUZZ_BUILD/corpus/<harness> across runs. A crash, leak, timeout or ASan report
# stops that harness, its input is saved as $FUZZ_BUILD/findings/<harness>-crash-*, and the
# script exits 1. Last line per harness: executions, coverage (libFuzzer's cov/ft), corpus.
set -uo pipefail
cd "$(dirname "$0")/.."
smoke=0
case "${1:-}" in
  --smoke) smoke=1 ;;
  "") ;;
  *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
esac
build=${FUZZ_BUILD:-build-fuzz}
seconds=${FUZZ_SECONDS:-$([[ $smoke = 1 ]] && echo 10 || echo 60)}
fuzzers=${FUZZERS:-scenario_loader docker_shell etcd_flags etcdctl failure_file}
jobs=${JOBS:-2}
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 ]] || { echo "fuzz-parsers: FUZZ_SECONDS=$seconds: give whole seconds >= 1" >&2; exit 2; }
for h in $fuzzers; do
  [[ -f fuzz/$h.cc ]] || { echo "fuzz-parsers: FUZZERS: no harness \"$h\" (fuzz/*.cc)" >&2; exit 2; }
done

# A clang that links libFuzzer and knows C++20's parenthesized aggregate initialisation
# (raftlab uses it; clang >= 16). Debian 12: clang-16 + libclang-rt-16-dev (deps.sh fuzz).
skip_reason=""
cxx=""
probe=$(mktemp -d)
cat >"$probe/p.cc" <<'EOF'
#include <cstddef>
#include <cstdint>
#include <variant>
struct A { int x; long y; };
extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t n) {
  std::variant<A, int> v(std::in_place_type<A>, 1, static_cast<long>(n));
  return v.index() == 9;
}
EOF
tried=""
for c in ${FUZZ_CXX:-clang++-19 clang++-18 clang++-17 clang++-16 clang++}; do
  command -v "$c" >/dev/null 2>&1 || continue
  tried+=" $c"
  if "$c" -std=c++20 -fsanitize=fuzzer,address "$probe/p.cc" -o "$probe/p" >"$probe/log" 2>&1; then
    cxx=$c
    break
  fi
done
rm -rf "$probe"
if [[ -z $cxx ]]; then
  if [[ -z $tried ]]; then
    skip_reason="no clang++ found"
  else
    skip_reason="no clang++ here both links -fsanitize=fuzzer,address and compiles C++20 aggregate initialisation with parentheses (tried:$tried; Debian 12's clang 14 cannot)"
  fi
fi
if [[ -n $skip_reason ]]; then
  if [[ $smoke = 1 ]]; then
    echo "fuzz-parsers: SKIPPED the short parser fuzz run: $skip_reason — install clang-16 and libclang-rt-16-dev (./scripts/deps.sh fuzz) to run it"
    exit 0
  fi
  echo "fuzz-parsers: $skip_reason — run ./scripts/deps.sh fuzz (make fuzz-parsers does)" >&2
  exit 2
fi

if [[ ! -f $build/CMakeCache.txt ]] || ! grep -q "^CMAKE_CXX_COMPILER:.*/$cxx\$" "$build/CMakeCache.txt"; then
  rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
  CXX=$cxx cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRAFTLAB_FUZZ=ON -DRAFTLAB_WERROR=OFF \
    -DRAFTLAB_MIMALLOC=OFF -DRAFTLAB_BENCH=OFF >/dev/null || exit 1
fi
echo "fuzz-parsers: building the harnesses in $build ($cxx, -fsanitize=fuzzer,address)"
cmake --build "$build" --target fuzz_parsers -j "$jobs" >"$build/fuzz-build.log" 2>&1 || {
  tail -n 30 "$build/fuzz-build.log"
  exit 1
}
python3 fuzz/make_corpus.py . "$build/corpus-seed" >/dev/null || exit 1
mkdir -p "$build/findings" "$build/logs"

# One harness: regressions, then libFuzzer for $seconds; its table row goes to logs/<h>.row
# (CPU seconds = user + sys of the fuzzer process, which on a shared machine can be far below
# the wall time), its exit status to logs/<h>.rc.
run_one() {
  local h=$1 bin=$build/fuzz/fuzz_$1 work=$build/corpus/$1 log=$build/logs/$1.log
  mkdir -p "$work"
  # Inputs that once crashed (fixed since): each must pass, every run.
  if compgen -G "fuzz/regressions/$h/*" >/dev/null; then
    if ! "$bin" -runs=1 fuzz/regressions/$h/* >"$build/logs/$h.regressions.log" 2>&1; then
      printf '%-16s %6s %12s %8s %8s %7s %7s  %s\n' "$h" - - - - - - "a regression input fails again — $build/logs/$h.regressions.log" >"$build/logs/$h.row"
      echo 1 >"$build/logs/$h.rc"
      return
    fi
  fi
  local rc
  local tf=$build/logs/$h.cpu
  { TIMEFORMAT='%U %S'; time "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/findings/$h-" "$work" "$build/corpus-seed/$h" >"$log" 2>&1; } 2>"$tf"
  rc=$?
  local cpu execs last cov ft corp result
  cpu=$(awk '{printf "%.0f", $1+$2}' "$tf")
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -n1 | awk '{print $2}')
  last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  result=ok
  if [[ $rc -ne 0 ]]; then
    result="FINDING (exit $rc): $(grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|terminate called|deadly signal' "$log" | cut -c1-100) — $log"
  fi
  printf '%-16s %6s %12s %8s %8s %7s %7s  %s\n' "$h" "$seconds" "${execs:-?}" "${cpu:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result" >"$build/logs/$h.row"
  echo "$rc" >"$build/logs/$h.rc"
}

status=0
printf '%-16s %6s %12s %8s %8s %7s %7s  %s\n' harness seconds executions cpu_s cov ft corpus result
if [[ ${FUZZ_CONCURRENT:-0} = 1 ]]; then
  # The long runs (make fuzz-long-parsers): every harness at once, each for $seconds of wall time.
  for h in $fuzzers; do run_one "$h" & done
  wait
else
  for h in $fuzzers; do run_one "$h"; done
fi
for h in $fuzzers; do
  cat "$build/logs/$h.row"
  [[ $(cat "$build/logs/$h.rc" 2>/dev/null) = 0 ]] || status=1
done
exit $status
