#!/usr/bin/env bash
# results/PLANTED_BUGS.md: how fast fuzzing finds each planted bug (raft/bugs.h), and that
# the correct code passes the same seeds. For each bug: `raftlab fuzz SCENARIO --seeds N
# --plant-bug BUG`, the first failing seed, failures per 1000 seeds, the checkers that
# caught it, and `raftlab shrink` of the first failure (faults before -> after).
#
#   scripts/planted_bugs.sh [RAFTLAB] [SCENARIO] [SEEDS] [OUT.md]
#   make planted-bugs                     # the same with the defaults below
#
# Defaults: build/tools/raftlab, scenarios/lab/reference.json, 2000 seeds, results/PLANTED_BUGS.md.
set -euo pipefail
raftlab=${1:-build/tools/raftlab}
scenario=${2:-scenarios/lab/reference.json}
seeds=${3:-2000}
out=${4:-results/PLANTED_BUGS.md}
command -v python3 >/dev/null || { echo "python3 is needed to write the report" >&2; exit 2; }
[ -x "$raftlab" ] || { echo "$raftlab is not built: make build" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_fuzz() {  # name, extra flags...
  local name=$1; shift
  local rc=0
  "$raftlab" fuzz "$scenario" --seeds "$seeds" --json --quiet --out "$work/$name" "$@" > "$work/$name.jsonl" || rc=$?
  [ "$rc" -le 1 ] || { echo "raftlab fuzz $name failed (exit $rc)" >&2; exit "$rc"; }
  tail -n 1 "$work/$name.jsonl" > "$work/$name.summary.json"
  echo "  $name: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["failures"], "failures,", round(s["seeds_per_s"]), "seeds/s")' "$work/$name.summary.json")" >&2
}

echo "planted bugs on $scenario, $seeds seeds each" >&2
run_fuzz correct
bugs=$("$raftlab" fuzz --list-bugs | awk '{print $1}')
for b in $bugs; do
  run_fuzz "$b" --plant-bug "$b"
  first=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["failed_seeds"][0] if s["failed_seeds"] else "")' "$work/$b.summary.json")
  if [ -n "$first" ]; then
    rc=0
    "$raftlab" shrink "$work/$b/seed-$first.json" --json --out "$work/$b.min.json" > "$work/$b.shrink.json" || rc=$?
    [ "$rc" -le 1 ] || { echo "raftlab shrink $b seed $first failed (exit $rc)" >&2; exit "$rc"; }
  fi
done

python3 - "$work" "$scenario" "$seeds" "$out" "$raftlab" $bugs <<'PY'
import json, os, sys
work, scenario, seeds, out, raftlab, bugs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6:]
def load(p):
    with open(p) as f: return json.load(f)
correct = load(f"{work}/correct.summary.json")
lines = []
lines.append("# Planted bugs: seeds to detection\n")
lines.append(f"Regenerate: `make planted-bugs` (= `scripts/planted_bugs.sh {raftlab} {scenario} {seeds}`).\n")
lines.append(f"Each planted bug (raft/bugs.h; `raftlab fuzz --list-bugs`) fuzzed on `{scenario}` over seeds 1..{seeds}, "
             "every checker of sim/check judging every trace; the first failure shrunk with `raftlab shrink`. "
             "Deterministic: the same build gives the same table (only the rates vary with the machine).\n")
lines.append(f"**Correct code:** {correct['failures']} failures in {correct['seeds_run']} seeds "
             f"({correct['seeds_per_s']:.0f} seeds/s on {correct['jobs']} jobs).\n")
lines.append("| planted bug | first failing seed | failures / 1000 seeds | caught by (failing seeds per checker) | shrunk schedule (faults before → after, client ops) |")
lines.append("|---|---|---|---|---|")
for b in bugs:
    s = load(f"{work}/{b}.summary.json")
    first = s["failed_seeds"][0] if s["failed_seeds"] else None
    per1000 = 1000.0 * s["failures"] / s["seeds_run"] if s["seeds_run"] else 0
    by = ", ".join(f"{c} {n}" for c, n in sorted(s["failures_by_checker"].items(), key=lambda kv: -kv[1])) or "—"
    shrunk = "—"
    p = f"{work}/{b}.shrink.json"
    if first is not None and os.path.exists(p):
        k = load(p)
        shrunk = (f"{k['faults_before']} → {k['faults_after']} faults, {k['client_ops_before']} → {k['client_ops_after']} client ops, "
                  f"run {k['duration_before']} → {k['duration_after']} ({k['checker']}, {k['runs']} runs)")
    lines.append(f"| `{b}` | {first if first is not None else f'not found in {seeds}'} | {per1000:.1f} | {by} | {shrunk} |")
lines.append("")
lines.append("The detection test (`tests/lab/planted_bugs_test.cc`, part of `make test`) asserts each bug is found "
             "within a small stated budget on the fast scenario `scenarios/lab/small.json` and that the correct code "
             "passes the same budget.")
with open(out, "w") as f: f.write("\n".join(lines) + "\n")
print(f"wrote {out}", file=sys.stderr)
PY
