#!/usr/bin/env bash
# Issue 26: the documented sharded sweep (docs/fault-lab.md, "Beyond one machine":
# scripts/fuzz-parallel.sh = GNU parallel running `raftlab fuzz --shard K/M` in separate
# processes, then `raftlab merge`) gives, seed for seed, what one process gives: the same
# verdicts, hashes and event counts, the same failure files, and a merge that says every
# seed was run exactly once and counts the same failures.
#   tests/scripts/fuzz_parallel_test.sh RAFTLAB SOURCE_DIR SCRATCH
set -uo pipefail
bin=$1 src=$2 tmp=$3
command -v parallel >/dev/null || { echo "FAIL: GNU parallel is missing (scripts/deps.sh installs Debian's parallel)"; exit 1; }
rm -rf "$tmp" && mkdir -p "$tmp" || exit 1
cd "$src" || exit 1
scenario=tests/lab/data/detect.json
bug=(--plant-bug apply-before-commit)  # fails seeds 1 3 20 24 of 1..24: the failure path is covered
RAFTLAB=$bin JOBS=2 scripts/fuzz-parallel.sh "$scenario" 24 4 "$tmp/sweep" -- "${bug[@]}" >"$tmp/merge.out" 2>&1
rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: the sweep with failures should exit 1 (merge), got $rc: $(cat "$tmp/merge.out")"; exit 1; }
"$bin" fuzz "$scenario" --seeds 24 --jobs 1 --json --quiet --out "$tmp/one/failures" "${bug[@]}" >"$tmp/one.jsonl"
[[ $? -eq 1 ]] || { echo "FAIL: the one-process sweep should exit 1"; exit 1; }
seeds() {  # the per-seed lines, ordered by seed, out-dir paths made equal
  grep -hv '"summary"' "$@" | sed "s#$tmp/[a-z]*/failures#OUT#g" |
    python3 -c 'import json,sys; l=[json.loads(x) for x in sys.stdin]; l.sort(key=lambda j: j["seed"]); [print(json.dumps(j, sort_keys=True)) for j in l]'
}
seeds "$tmp"/sweep/shard-*.jsonl >"$tmp/sharded.seeds"
seeds "$tmp/one.jsonl" >"$tmp/one.seeds"
[[ $(wc -l <"$tmp/one.seeds") -eq 24 ]] || { echo "FAIL: one process ran $(wc -l <"$tmp/one.seeds") seeds, not 24"; exit 1; }
diff "$tmp/one.seeds" "$tmp/sharded.seeds" >"$tmp/diff" || { echo "FAIL: the shards differ from one process:"; cat "$tmp/diff"; exit 1; }
for f in "$tmp"/one/failures/*; do
  g="$tmp/sweep/failures/$(basename "$f")"
  [[ -f $g ]] || { echo "FAIL: the sweep wrote no $(basename "$f")"; exit 1; }
  cmp -s <(sed "s#$tmp/[a-z]*/failures#OUT#g" "$f") <(sed "s#$tmp/[a-z]*/failures#OUT#g" "$g") ||
    { echo "FAIL: $(basename "$f") differs between the sweep and one process"; exit 1; }
done
[[ $(ls "$tmp/sweep/failures" | wc -l) -eq $(ls "$tmp/one/failures" | wc -l) ]] || { echo "FAIL: failure file counts differ"; exit 1; }
grep -q "seeds 1..24 — 24 run, 3 failed" "$tmp/merge.out" || { echo "FAIL: merge summary: $(cat "$tmp/merge.out")"; exit 1; }
grep -q "failed seeds: 1 2 8" "$tmp/merge.out" || { echo "FAIL: merge's failed seeds: $(cat "$tmp/merge.out")"; exit 1; }
grep -q "complete: every seed of the sweep reported exactly once" "$tmp/merge.out" || { echo "FAIL: merge not complete: $(cat "$tmp/merge.out")"; exit 1; }
echo "ok: 4 shards under GNU parallel = one process, seed for seed (24 seeds, 4 failures)"
