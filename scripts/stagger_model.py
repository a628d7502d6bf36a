#!/usr/bin/env python3
"""The staggered-start term race in the model (results/FIDELITY.md, "Staggered start").

  scripts/stagger_model.py RAFTLAB [SEEDS] [VERSION]     # default 30 seeds, 3.4.23

Runs bitnami-2host/staggered-start.json with the given etcd version's behaviour (3.4.23 is
what `raftlab diff` compares with the real binary here: PreVote off) for seeds 1..SEEDS and
prints, per seed, the first leader's name and host, its term, and how long after host B's
start (etcd3's proc_start) it became leader, read from the trace's `role` events — the same
columns as scripts/stagger_real.sh prints for the real etcd. Then a summary line.
"""
import json
import os
import subprocess
import sys
import tempfile

raftlab = sys.argv[1]
seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
version = sys.argv[3] if len(sys.argv) > 3 else "3.4.23"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = open(os.path.join(root, "scenarios/bitnami-2host/staggered-start.json")).read()
body = src.replace('"seed": 1,', '"seed": 1,\n  "etcd_version": "%s",' % version, 1)
host = {"etcd1": "A", "etcd2": "A", "etcd3": "B", "etcd4": "B", "etcd5": "B"}
rows = []
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "staggered-start.json")
    open(path, "w").write(body)
    trace = os.path.join(d, "t.jsonl")
    for seed in range(1, seeds + 1):
        subprocess.run([raftlab, "run", path, "--seed", str(seed), "--trace", trace], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        b0 = None
        first = None
        for line in open(trace):
            e = json.loads(line)
            if e["ev"] == "proc_start" and e.get("who") == "etcd3" and b0 is None:
                b0 = e["t"]
            if e["ev"] == "role" and e.get("a") == "Leader" and first is None:
                first = e
        if first is None or b0 is None:
            rows.append((seed, "-", "-", "-", "-"))
            continue
        rows.append((seed, first["who"], host[first["who"]], first["term"], (first["t"] - b0) / 1e9))
print("seed\tleader\thost\tterm\tafter_B_s")
for r in rows:
    print("%d\t%s\t%s\t%s\t%s" % (r[0], r[1], r[2], r[3], "%.2f" % r[4] if r[4] != "-" else "-"))
ok = [r for r in rows if r[1] != "-"]
if ok:
    terms = sorted(r[3] for r in ok)
    afters = sorted(r[4] for r in ok)
    on_a = sum(1 for r in ok if r[2] == "A")
    print("# %d seeds: leader on host A %d/%d; term %d-%d (median %d); %.2f-%.2f s after B (median %.2f)" %
          (len(ok), on_a, len(ok), terms[0], terms[-1], terms[len(terms) // 2], afters[0], afters[-1],
           afters[len(afters) // 2]))
