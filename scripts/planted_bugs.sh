#!/usr/bin/env bash
# results/PLANTED_BUGS.md: how fast fuzzing finds each planted bug (raft/bugs.h), and that
# the correct code passes the same seeds. For each scenario and bug: `raftlab fuzz SCENARIO
# --seeds N --plant-bug BUG`, the first failing seed, failures per 1000 seeds, the checkers
# that caught it, and `raftlab shrink` of the first failure (faults before -> after).
#
#   scripts/planted_bugs.sh RAFTLAB OUT.md SCENARIO:SEEDS [SCENARIO:SEEDS ...]
#   make planted-bugs        # reference scenario (PB_REF_SEEDS), the test's detect scenario (PB_DETECT_SEEDS),
#                            # its large-value scenario (PB_LV_SEEDS) and its Figure 8 scenario (PB_FIG8_SEEDS)
# A scenario where commit-old-term is not found also gets scripts/fig8_window.py over its
# first (at most 500) seeds: how far the schedules come towards Figure 8.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
raftlab=$1 out=$2
shift 2
command -v python3 >/dev/null || { echo "python3 is needed to write the report" >&2; exit 2; }
[ -x "$raftlab" ] || { echo "$raftlab is not built: make build" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bugs=$("$raftlab" fuzz --list-bugs | awk '{print $1}')

run_fuzz() {  # dir, name, extra flags...
  local dir=$1 name=$2; shift 2
  local rc=0
  "$raftlab" fuzz "$scenario" --seeds "$seeds" --json --quiet --seed-timeout 30 --max-rss 2048 --out "$dir/$name" "$@" > "$dir/$name.jsonl" || rc=$?
  [ "$rc" -le 1 ] || { echo "raftlab fuzz $name failed (exit $rc)" >&2; exit "$rc"; }
  tail -n 1 "$dir/$name.jsonl" > "$dir/$name.summary.json"
  echo "  $name: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["failures"], "failures,", round(s["seeds_per_s"],1), "seeds/s")' "$dir/$name.summary.json")" >&2
}

n=0
for spec in "$@"; do
  scenario=${spec%:*} seeds=${spec##*:}
  n=$((n + 1))
  dir="$work/$n"
  mkdir -p "$dir"
  echo "$scenario $seeds" > "$dir/what"
  echo "planted bugs on $scenario, $seeds seeds each" >&2
  run_fuzz "$dir" correct
  for b in $bugs; do
    run_fuzz "$dir" "$b" --plant-bug "$b"
    first=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["failed_seeds"][0] if s["failed_seeds"] else "")' "$dir/$b.summary.json")
    if [ -n "$first" ]; then
      rc=0
      "$raftlab" shrink "$dir/$b/seed-$first.json" --json --max-runs 100 --out "$dir/$b.min.json" > "$dir/$b.shrink.json" || rc=$?
      [ "$rc" -le 1 ] || { echo "raftlab shrink $b seed $first failed (exit $rc)" >&2; exit "$rc"; }
    elif [ "$b" = commit-old-term ]; then
      python3 "$(dirname "$0")/fig8_window.py" "$raftlab" "$scenario" $((seeds < 500 ? seeds : 500)) > "$dir/fig8.txt"
    fi
  done
done

python3 - "$work" "$out" "$raftlab" "$n" "$*" $bugs <<'PY'
import json, os, sys
work, out, raftlab, n, specs, bugs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6:]
def load(p):
    with open(p) as f: return json.load(f)
L = ["# Planted bugs: seeds to detection\n",
     f"Regenerate: `make planted-bugs` (= `scripts/planted_bugs.sh {raftlab} {out} {specs}`).\n",
     "Each planted bug (raft/bugs.h; `raftlab fuzz --list-bugs`) is fuzzed over seeds 1..N of a scenario, every "
     "checker of sim/check judging every trace (`crash` = the run aborted on one of raft's invariant checks, as etcd "
     "panics); the first failure is shrunk with `raftlab shrink`. Runs are deterministic: the same build gives the "
     "same table (only the rates vary with the machine and its load).\n"]
for k in range(1, n + 1):
    d = f"{work}/{k}"
    scenario, seeds = open(f"{d}/what").read().split()
    c = load(f"{d}/correct.summary.json")
    L.append(f"## `{scenario}`, seeds 1..{seeds}\n")
    L.append(f"**Correct code:** {c['failures']} failures in {c['seeds_run']} seeds "
             f"({c['seeds_per_s']:.1f} seeds/s on {c['jobs']} jobs).\n")
    L.append("| planted bug | first failing seed | failures / 1000 seeds | caught by (failing seeds per checker) | shrunk first failure |")
    L.append("|---|---|---|---|---|")
    for b in bugs:
        s = load(f"{d}/{b}.summary.json")
        first = s["failed_seeds"][0] if s["failed_seeds"] else None
        per1000 = 1000.0 * s["failures"] / s["seeds_run"] if s["seeds_run"] else 0
        by = ", ".join(f"{ck} {m}" for ck, m in sorted(s["failures_by_checker"].items(), key=lambda kv: (-kv[1], kv[0]))) or "—"
        shrunk = "—"
        p = f"{d}/{b}.shrink.json"
        if first is not None and os.path.exists(p):
            j = load(p)
            shrunk = (f"faults {j['faults_before']} → {j['faults_after']}, run {j['duration_before']} → {j['duration_after']}; "
                      f"still fails `{j['checker']}` ({j['runs']} runs)")
        L.append(f"| `{b}` | {first if first is not None else f'none in {seeds}'} | {per1000:.1f} | {by} | {shrunk} |")
    L.append("")
    p = f"{d}/fig8.txt"
    if os.path.exists(p):
        L.append(f"`commit-old-term` not found here; `scripts/fig8_window.py` over the first seeds (only the traces: "
                 "a leader applying an earlier term's entry while no entry of its own term is durable on a majority "
                 "= committed by counting; whether another member then holds a higher-term entry at that index; "
                 "leaders whose first entry of their term no other member ever stored):\n")
        L.append("```\n" + open(p).read().rstrip() + "\n```\n")
L.append("`commit-old-term` (Figure 8) needs three things at once: (1) a leader whose first entry of its term no "
         "voter stored before it was cut off (an orphan: the only place a conflicting higher-term entry can come "
         "from), (2) a later leader with an older-term entry at that index that a follower acknowledges *without* the "
         "later leader's own-term entry, so counting replicas commits it, and (3) the orphan's owner winning that "
         "follower's vote before the own-term entry lands. (2) needs the old entry to travel alone: raft limits a "
         "MsgApp by bytes as etcd does (1 MiB, `maxSizePerMsg`), so with values just over 1 MiB (`clients.value_bytes`) "
         "each entry is a message of its own. (1) and (3) need faults that strike the leader at the right instant: "
         "a purely random nemesis got (1) and (2) together once in 500 seeds and never (3) (no failure in seeds "
         "1..120,000 of `detect-large-values.json`). `tests/lab/data/detect-fig8.json` adds leader-targeted faults, "
         "as etcd's functional tester has (`SIGTERM_LEADER`, `BLACKHOLE_PEER_PORT_TX_RX_LEADER`): every crash and "
         "`isolate` strikes whoever leads, and half of them wait for the next election and strike 0-5 ms after it "
         "(`after_leader_change`, `lag`; scenarios/README.md), which orphans a new leader's first entry (a lag under "
         "one network latency) or cuts off a leader between its old entry's acknowledgement and its own entry's. "
         "There fuzzing finds the bug (the table above), and the shrunk failure replays it with a handful of faults. "
         "`tests/check/planted_bugs_test.cc` and `tests/raft/msg_size_test.cc` also build the Figure 8 situation by "
         "hand.\n")
L.append("The detection test in `make test` (`tests/lab/planted_bugs_test.cc`) asserts each bug is found "
         "within its stated budget (commit-old-term on `tests/lab/data/detect-fig8.json`, read-without-leadership "
         "on `tests/lab/data/detect-stale-read.json`, the others on `tests/lab/data/detect.json`), that the correct code passes the largest budget of each scenario, "
         "and that the correct code passes 300 seeds of `tests/lab/data/detect-large-values.json`.")
with open(out, "w") as f: f.write("\n".join(L) + "\n")
print(f"wrote {out}", file=sys.stderr)
PY
