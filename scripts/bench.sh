#!/usr/bin/env bash
# Runs the raftlab benchmarks (bench/, Google Benchmark) and prints their medians.
#
#   ./scripts/bench.sh [BUILD_DIR] [extra benchmark flags...]    (make bench: BUILD_DIR=build)
#
# Five repetitions, aggregates only; the raw JSON goes to results/bench-latest.json
# (override with BENCH_OUT=path). Pinned to core 0 with taskset when available, so "per
# second" means per second of one core. Numbers only inform: nothing here passes or fails
# on time. Needs a Release build configured with -DRAFTLAB_BENCH=ON (the default).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
[ $# -gt 0 ] && shift
bin="$build/bench/raftlab_bench"
out="${BENCH_OUT:-results/bench-latest.json}"

cmake --build "$build" --target raftlab_bench -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
[ -x "$bin" ] || { echo "bench.sh: $bin not built (configure with -DRAFTLAB_BENCH=ON)" >&2; exit 2; }
mkdir -p "$(dirname "$out")"

pin=()
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then pin=(taskset -c 0); fi
echo "raftlab bench: ${pin[*]:-unpinned} $bin -> $out"
"${pin[@]}" "$bin" \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" --benchmark_out_format=json "$@" 2>&1 >/dev/null

if ! command -v python3 >/dev/null 2>&1; then
  echo "(python3 not found: medians are the *_median entries of $out)"
  exit 0
fi
python3 - "$out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rows = [b for b in doc["benchmarks"] if b.get("aggregate_name") == "median"]
def si(v):
    for unit, k in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(v) >= k: return f"{v / k:.4g}{unit}"
    return f"{v:.4g}"
print(f"\nmedians of {doc['benchmarks'][0].get('repetitions', '?')} repetitions "
      f"(per CPU-second of one core)")
print(f"{'benchmark':<52} {'items/s':>9} {'events/s':>9} {'sim s/s':>8} {'ev/item':>8}")
for b in rows:
    name = b["run_name"]
    print(f"{name:<52} {si(b.get('items_per_second', 0)):>9} {si(b.get('events', 0)):>9} "
          f"{si(b['sim_s']) if 'sim_s' in b else '-':>8} "
          f"{si(b['events_per_item']) if 'events_per_item' in b else '-':>8}")
print("items: FirstLeader = runs of scenario (a) to its first leader; SteadyPuts = puts; "
      "EventLoop = events")
PY
