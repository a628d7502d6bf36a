#!/usr/bin/env python3
"""tests/scripts/bench_report_test.py — scripts/bench_report.py judges each goal on the
median of per-repetition paired ratios (repetition r of raftlab ÷ repetition r of the
peer), shows their range and the ratio of the medians, and pairs W2's events with the
bare loop's; the per-event budget table uses medians; W1's phase split pairs the election
alone with the peer's whole run; with `--build-kind pgo` the plain build's paired ratios
are in the goals' notes. Raw data chosen so that the paired
median (1.00×) differs from the ratio of the medians (2.00×): a report that stopped
pairing would fail here."""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write(raw, name, obj):
    with open(os.path.join(raw, name + ".json"), "w") as f:
        f.write(json.dumps(obj) + "\n")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw")
        os.mkdir(raw)
        # W1 runs per CPU-s: raftlab 100, 200, 300; canonical 100, 50, 600.
        # Paired: 1.0, 4.0, 0.5 -> median 1.00x, range 0.50x-4.00x; medians 200/100 = 2.00x.
        # W1's phase split: the election alone runs 1000, 400, 300 per CPU-s against canonical's
        # 100, 50, 600 -> paired 10, 8, 0.5 -> 8.00x (ratio of medians: 4.00x).
        boot = [{"seeds": 7, "share_of_run": sh, "cpu_us_per_run": us, "election_cpu_us_per_run": el,
                 "events_per_run": ev, "election_runs_per_cpu_s": rate}
                for sh, us, el, ev, rate in [(0.5, 10, 5, 3, 1000), (0.6, 20, 6, 4, 400), (0.7, 30, 7, 5, 300)]]
        for r, (a, b) in enumerate([(100, 100), (200, 50), (300, 600)], start=1):
            write(raw, f"W1__raftlab-off__{r}", {"ok": True, "seeds": a, "cpu_s": 1.0, "wall_s": 1.0, "events": 10 * a,
                                                 "bootstrap_pass": boot[r - 1]})
            write(raw, f"W1__canonical__{r}", {"ok": True, "seeds": b, "cpu_s": 1.0, "wall_s": 1.0, "events": 10 * b})
        # The plain build (no PGO): 50, 100, 150 against canonical's 100, 50, 600 -> paired 0.5,
        # 2.0, 0.25 -> 0.50x (ratio of the medians: 1.00x).
        for r, a in enumerate([50, 100, 150], start=1):
            write(raw, f"W1__raftlab-plain__{r}", {"ok": True, "seeds": a, "cpu_s": 1.0, "wall_s": 1.0, "events": 10 * a})
        # W2 events per CPU-s 10, 20, 30 against the bare loop's 100, 20, 300:
        # paired 10%, 100%, 10% -> 10.0%; medians 20/100 = 20.0%.
        for r, (e, bare) in enumerate([(10, 100), (20, 20), (30, 300)], start=1):
            write(raw, f"W2__raftlab-off__{r}", {"ok": True, "entries": 1, "events": e, "cpu_s": 1.0, "wall_s": 1.0})
            write(raw, f"BARE__bare-1024__{r}", {"ok": True, "events": bare, "cpu_s": 1.0, "wall_s": 1.0})
            # The plain build: 5, 10, 15 -> paired 5%, 50%, 5% -> 5.0% (medians: 10.0%).
            write(raw, f"W2__raftlab-plain__{r}", {"ok": True, "entries": 1, "events": e // 2, "cpu_s": 1.0, "wall_s": 1.0})
        out = os.path.join(tmp, "B.md")
        p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench_report.py"), "--raw", raw, "--out", out,
                            "--reps", "3", "--build-kind", "pgo"], cwd=ROOT, capture_output=True, text=True)
        if p.returncode != 0:
            print(p.stdout, p.stderr)
            return 1
        text = open(out).read()
        goals = {}
        for line in text.splitlines():
            if line.startswith("| W1 vs canonical raft |") or line.startswith("| W2 events/s as a share"):
                goals[line.split("|")[1].strip()[:5]] = line
            if line.startswith("| W1 ≥ 2× canonical raft |"):
                goals["W1 ≥"] = line
            if line.startswith("- **W1, measured split**"):
                goals["split"] = line
            if line.startswith("raftlab's figures are from"):
                goals["build"] = line
            if line.startswith("| raftlab, trace off, plain Release build (no PGO) |"):
                goals["plain W1"] = goals.get("plain W1") or line
        checks = [
            ("W1 vs", "| 1.00× |"),
            ("W1 vs", "3 paired repetitions: 0.50×–4.00×; ratio of the medians 2.00×"),
            ("W2 ev", "| 10.0% |"),
            ("W2 ev", "3 paired repetitions: 10.0%–100.0%; ratio of the medians 20.0%"),
            # The per-event budget (medians): raftlab 200 runs/s x 10 events = 500,000 ns per event;
            # 2x canonical's median 100 runs/s at raftlab's 10 events per run allows 500,000 ns.
            ("W1 ≥", "| 10.0 | 500,000 | 500,000 |"),
            # The W1 phase split: medians of the bootstrap pass, the election paired with the peer.
            ("split", "take **60%** of a run's CPU (20.0 µs, 4.0 of its 10.0 events); the election after it takes 6.0 µs"),
            ("split", "8.00× canonical raft (goal 2×: would be met)"),
            # --build-kind pgo: the header says so, the plain build is a table row and its
            # paired ratios are in the notes.
            ("build", "**profile-guided build** (`make pgo`"),
            ("plain W1", "| **100** |"),
            ("W1 vs", "plain Release build (no PGO): 0.50×"),
            ("W2 ev", "plain Release build (no PGO): 5.0%"),
        ]
        bad = [(k, want) for k, want in checks if want not in goals.get(k, "")]
        for k, want in bad:
            print(f"FAIL: goal row {k!r} lacks {want!r}: {goals.get(k)}")
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
