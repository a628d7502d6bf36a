#!/usr/bin/env python3
"""How close random schedules come to Raft's Figure 8 (the planted bug commit-old-term).

  scripts/fig8_window.py RAFTLAB SCENARIO SEEDS [--correct]
      e.g. build/tools/raftlab tests/lab/data/detect-large-values.json 200
      --correct: the same seeds with the correct code (every count but leaders must be 0
      for old-term commits: the check of this script's own criterion)

Replays seeds 1..SEEDS with --plant-bug commit-old-term and reads each trace (only the
trace: append, data_loss, role, apply) for the three steps the bug needs to break safety:

  old-term commits  a leader of term T applies an entry of an earlier term while no entry of
                    term T is durable on a majority at or after that index: it was committed
                    by counting replicas (what the correct code never does)
  conflicting       ...and at that moment another member durably holds a *higher*-term entry
                    at that index (Figure 8 (c): the entry a later leader can still overwrite)
  orphan entries    a leader's first entry of its term never became durable on any other
                    member (how such a higher-term entry comes to exist)
"""
import json, os, subprocess, sys, tempfile

def analyse(events):
    members = sorted({e["who"] for e in events if e["ev"] == "bootstrap"})
    quorum = len(members) // 2 + 1
    logs = {}          # member -> {index: term}, durable
    leader_of = {}     # member -> term it currently leads (None)
    first_own = {}     # (member, term) -> index of its first entry of that term
    holders = {}       # (term, index) -> set of members that ever held it durably
    old_commits = conflicting = 0
    for e in events:
        ev, who = e["ev"], e.get("who")
        if ev == "role":
            leader_of[who] = e["term"] if e.get("a") == "Leader" else None
        elif ev in ("proc_exit", "bootstrap"):
            leader_of[who] = None
        elif ev == "append":
            log = logs.setdefault(who, {})
            for k in [k for k in log if k >= e["index"]]:
                del log[k]
            log[e["index"]] = e["term"]
            holders.setdefault((e["term"], e["index"]), set()).add(who)
            if leader_of.get(who) == e["term"]:
                first_own.setdefault((who, e["term"]), e["index"])
        elif ev == "data_loss":
            log = logs.setdefault(who, {})
            for k in [k for k in log if k > e.get("index", 0)]:
                del log[k]
        elif ev == "apply":
            T = leader_of.get(who)
            i, t = e.get("index", 0), e.get("term", 0)
            if T is None or t >= T:
                continue
            own = sum(1 for m in members if any(k >= i and v == T for k, v in logs.get(m, {}).items()))
            if own >= quorum:
                continue
            old_commits += 1
            if any(m != who and logs.get(m, {}).get(i, 0) > t for m in members):
                conflicting += 1
    leaders = len(first_own)
    orphans = sum(1 for (m, T), i in first_own.items() if holders.get((T, i), set()) <= {m})
    return leaders, orphans, old_commits, conflicting

def main():
    if len(sys.argv) not in (4, 5) or (len(sys.argv) == 5 and sys.argv[4] != "--correct"):
        sys.exit(__doc__)
    raftlab, scenario, seeds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    bug = [] if len(sys.argv) == 5 else ["--plant-bug", "commit-old-term"]
    tot = [0, 0, 0, 0]
    seeds_old = seeds_conf = 0
    conf_seeds = []
    with tempfile.TemporaryDirectory() as d:
        for s in range(1, seeds + 1):
            tr = os.path.join(d, "t.jsonl")
            subprocess.run([raftlab, "replay", scenario, "--seed", str(s), "--trace", tr] + bug, capture_output=True)
            with open(tr) as f:
                r = analyse([json.loads(l) for l in f])
            tot = [a + b for a, b in zip(tot, r)]
            seeds_old += r[2] > 0
            seeds_conf += r[3] > 0
            if r[3] > 0:
                conf_seeds.append(s)
    print(f"{scenario}, seeds 1..{seeds}, {'planted commit-old-term' if bug else 'correct code'}:")
    print(f"  leaders elected                      {tot[0]}")
    print(f"  orphan first entries of a term       {tot[1]}")
    print(f"  old-term entries committed by count  {tot[2]} (in {seeds_old} seeds)")
    print(f"  ... with a higher-term entry elsewhere {tot[3]} (in {seeds_conf} seeds{': ' + ' '.join(map(str, conf_seeds)) if conf_seeds else ''})")

if __name__ == "__main__":
    main()
