#!/usr/bin/env python3
"""scripts/bench_report.py — writes results/BENCHMARKS.md from the raw JSON of one
`make bench-peers` run (scripts/bench_peers.sh): medians over repetitions, ratios
raftlab/peer from the same run, the issue's goals met / not met, the machine.

Everything from the line "## Optimisation history" to the end of the existing file is
kept verbatim (the record of optimisations and their measured effects, appended by
hand). Standard library only. Rates are per CPU second of the measured process (the
machine is shared; on an idle pinned core that equals wall time), wall rates alongside.
"""
import argparse
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from datetime import datetime, timezone

MARKER = "## Optimisation history"

ENGINE_NAMES = {
    "raftlab-off": "raftlab, trace off",
    "raftlab-default": "raftlab, trace default",
    "raftlab-compact": "raftlab, trace off, log compaction (--snapshot-count 10000)",
    "raftlab-plain": "raftlab, trace off, plain Release build (no PGO)",
    "canonical": "canonical raft fixture (snapshot threshold 1024, the default)",
    "canonical-snap64": "canonical raft fixture, snapshot threshold 64",
    "etcdraft": "etcd raft 3.4 RawNode (GOMAXPROCS=1)",
    "real-etcd": "real etcd 3.4.23, 5 processes on loopback",
    "bare-64": "bare event loop, 64 pending",
    "bare-1024": "bare event loop, 1,024 pending",
    "raftlab-jobs1": "raftlab fuzz, --jobs 1",
    "raftlab-jobs2": "raftlab fuzz, --jobs 2",
}


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:  # noqa: BLE001 - a missing tool is reported as "?"
        return ""


def load(raw):
    """{(workload, engine): [json per repetition]} and failures."""
    runs, failed = {}, []
    for path in sorted(glob.glob(os.path.join(raw, "*.json"))):
        name = os.path.basename(path)[:-5]
        parts = name.split("__")
        if len(parts) != 3:
            continue
        try:
            with open(path) as f:
                j = json.loads(f.read().strip().splitlines()[-1])
        except Exception:  # noqa: BLE001
            failed.append(name)
            continue
        if os.path.exists(os.path.join(raw, name + ".failed")) or not j.get("ok", False):
            failed.append(name)
            j["_failed"] = True
        runs.setdefault((parts[0], parts[1]), []).append((parts[2], j))
    return runs, failed


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def per_cpu(j, count_key):
    c = j.get(count_key)
    cpu = j.get("cpu_s")
    return c / cpu if c is not None and cpu else None


def per_wall(j, count_key):
    c = j.get(count_key)
    w = j.get("wall_s")
    return c / w if c is not None and w else None


def fmt_rate(x):
    if x is None:
        return "–"
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e4:
        return f"{x / 1e3:.1f} k"
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.2f}"


def fmt_ratio(x):
    return "–" if x is None else f"{x:.2f}×"


def fmt_mib(kib):
    return "–" if kib is None else f"{kib / 1024:.1f} MiB"


def ok_runs(runs, wl, eng):
    return [j for _, j in runs.get((wl, eng), []) if not j.get("_failed")]


def paired_rates(runs, wl, eng, k=None):
    """{repetition: rate per CPU second} of one engine (items, or the count `k`)."""
    k = k or items_key(wl)
    out = {}
    for rep, j in runs.get((wl, eng), []):
        if not j.get("_failed"):
            out[rep] = per_cpu(j, k)
    return out


def items_key(wl):
    return "seeds" if wl == "W1" else "entries"


def summary(runs, wl, eng):
    """Medians of one engine on one workload."""
    js = ok_runs(runs, wl, eng)
    if not js:
        return None
    k = items_key(wl)
    s = {
        "n": len(js),
        "items": js[0].get(k),
        "rate_cpu": med([per_cpu(j, k) for j in js]),
        "rate_wall": med([per_wall(j, k) for j in js]),
        "events_cpu": med([per_cpu(j, "events") for j in js]),
        "messages_cpu": med([per_cpu(j, "messages") for j in js]),
        "events_per_item": med([j["events"] / j[k] for j in js if j.get("events") is not None and j.get(k)]),
        "rss": med([j.get("peak_rss_kib") for j in js]),
        "sim": None,
    }
    if wl == "W1":
        d = [j.get("sim_time_to_leader_ms") or {} for j in js]
        s["sim"] = {q: med([x.get(q) for x in d]) for q in ("min", "median", "p99", "max")}
    else:
        s["sim_s"] = med([j.get("sim_time_s") for j in js])
    return s


def w1_split(runs, S):
    """The W1 phase split (`bench W1 --split`'s bootstrap pass): the bootstrap and teardown of the
    etcd processes against the election after it, with the election alone set against the
    peers' whole runs (paired by repetition, median over repetitions)."""
    reps = {rep: j.get("bootstrap_pass") or {} for rep, j in runs.get(("W1", "raftlab-off"), [])
            if not j.get("_failed")}
    reps = {rep: b for rep, b in reps.items() if b.get("election_runs_per_cpu_s")}
    if not reps:
        return []
    share = med([b.get("share_of_run") for b in reps.values()])
    boot_us = med([b.get("cpu_us_per_run") for b in reps.values()])
    elect_us = med([b.get("election_cpu_us_per_run") for b in reps.values()])
    boot_ev = med([b.get("events_per_run") for b in reps.values()])
    full = S.get(("W1", "raftlab-off")) or {}
    full_ev = full.get("events_per_item")
    seeds = med([b.get("seeds") for b in reps.values()])

    def vs(eng, label, target):
        peer = paired_rates(runs, "W1", eng)
        rs = [b["election_runs_per_cpu_s"] / peer[r] for r, b in reps.items() if peer.get(r)]
        if not rs:
            return None
        r = statistics.median(rs)
        return f"{r:.2f}× {label} (goal {target}×: {'would be met' if r >= target else 'not met either'})"

    against = [x for x in (vs("canonical", "canonical raft", 2), vs("etcdraft", "etcd raft", 10)) if x]
    line = (f"- **W1, measured split** (`bench W1 --split`, a second pass over {int(seeds or 0):,} seeds: each fresh World "
            "runs only until every member has applied its bootstrap ConfChanges, then is destroyed): etcd's process "
            f"start and the teardown take **{share * 100:.0f}%** of a run's CPU ({boot_us:.1f} µs, "
            f"{boot_ev:.1f} of its {full_ev:.1f} events); the election after it takes {elect_us:.1f} µs. "
            if None not in (share, boot_us, elect_us, boot_ev, full_ev) else "- **W1, measured split**: ")
    if against:
        line += ("The election alone (a difference of two passes), set against the peers' whole runs, which start "
                 "from a raft node: " + "; ".join(against) + " (paired medians).")
    return [line]


def machine(build_kind="plain"):
    model = sh("lscpu | sed -n 's/^Model name: *//p' | head -1") or platform.processor() or "?"
    mhz = sh("lscpu | sed -n 's/^CPU MHz: *//p' | head -1")
    rows = [
        ("CPU (lscpu model name)", model + (f", {mhz} MHz" if mhz else "")),
        ("cores (nproc)", sh("nproc") or "?"),
        ("threads per core", sh("lscpu | sed -n 's/^Thread(s) per core: *//p'") or "?"),
        ("memory", sh("free -g | awk '/^Mem:/{print $2\" GiB\"}'") or "?"),
        ("kernel", sh("uname -r") or "?"),
        ("load average at the end", sh("cut -d' ' -f1-3 /proc/loadavg") or "?"),
        ("C/C++ compiler", sh("g++ --version | head -1") or "?"),
        ("raftlab build", "CMake Release (`-O3 -DNDEBUG`), mimalloc"
         + (" + GCC profile-guided and link-time optimisation (`make pgo`); the plain build alongside"
            if build_kind == "pgo" else "")),
        ("Go", sh("go version") or "?"),
    ]
    for pkg in ("libraft-dev", "golang-etcd-server-dev", "etcd-server", "golang-go", "libmimalloc-dev", "valgrind"):
        v = sh(f"dpkg-query -W -f='${{Version}}' {pkg} 2>/dev/null")
        rows.append((f"Debian package {pkg}", v or "not installed"))
    return rows


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def preserved(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    i = text.find("\n" + MARKER)
    if text.startswith(MARKER):
        i = -1
    elif i < 0:
        return None
    return text[i + 1:].rstrip() + "\n"


# Where a run's instructions go, by part of the engine (inclusive shares; a callee's
# share is inside its caller's, so the rows overlap and do not add up).
PARTS = [
    ("building a World and its members (W1: per seed)", r"make_world"),
    ("etcd member bootstrap decision (`Member::decide`)", r"Member::decide\("),
    ("member ticks (`Member::on_tick`)", r"Member::on_tick\(\)"),
    ("Ready handling (`Member::process_ready`)", r"Member::process_ready\(\)"),
    ("raft messages out (`Member::send_raft`)", r"Member::send_raft\("),
    ("network send path (`Network::send`, without what deliveries cause)", r"Network::send\((?!.*\{lambda)"),
    ("everything a delivered packet causes (delivery callbacks)", r"Network::send\(.*\{lambda"),
    ("applying entries (`Member::apply_normal`)", r"Member::apply_normal\("),
    ("client calls (`World::etcdctl`)", r"World::etcdctl\("),
    ("raft core step (`raft::Node::step`)", r"raft::Node::step\("),
]
ALLOC = r"(^|[ :])(free|malloc|_int_malloc|_int_free|cfree|operator new|operator delete|mi_[a-z_]+)(\b|\[|\()"


def profile_shares(path):
    blocks, cur, mode = {}, None, None
    with open(path) as f:
        for line in f:
            m = re.match(r"== (W\d):", line)
            if m:
                cur = blocks.setdefault(m.group(1), {"self": [], "incl": [], "per_item": None})
                continue
            if cur is None:
                continue
            m = re.match(r"instructions: (\d+) total, (\d+) per item", line)
            if m:
                cur["per_item"] = int(m.group(2))
            elif line.startswith("-- top") and "self" in line:
                mode = "self"
            elif line.startswith("-- top") and "inclusive" in line:
                mode = "incl"
            else:
                m = re.match(r"\s*[\d,]+ \(\s*([\d.]+)%\)\s+(.*)", line)
                if m and mode:
                    cur[mode].append((float(m.group(1)), m.group(2)))
    if not blocks:
        return []
    ws = sorted(blocks)
    rows = [["instructions per item (callgrind)"] + [f"{blocks[w]['per_item']:,}" if blocks[w]["per_item"] else "–" for w in ws]]
    for label, pat in PARTS:
        row = [label]
        for w in ws:
            hit = next((pct for pct, fn in blocks[w]["incl"] if re.search(pat, fn)), None)
            row.append("–" if hit is None else f"{hit:.0f}%")
        rows.append(row)
    row = ["allocation (malloc/free/new, self)"]
    for w in ws:
        row.append(f"{sum(p for p, fn in blocks[w]['self'] if re.search(ALLOC, fn)):.0f}%")
    rows.append(row)
    out = ["Shares of each workload's instructions by part of the engine (inclusive, so rows overlap; "
           "\"–\" = not among the top 60; W1 = 300 seeds, W2/W3 = 3,000 entries, process start included):", ""]
    out.append(table(["part"] + ws, rows))
    out.append("")
    return out


def event_budget(S, goal_targets):
    """What each speed goal asks of one raftlab event, in CPU nanoseconds, beside what an
    event costs now and what the bare loop's empty event costs (all from this run's
    medians). A goal of `target`× a peer that does `rate` items per CPU-s leaves
    1e9 / (target × rate × events per item) ns per event: at raftlab's own events per item,
    and at the peer's (if raftlab fired no more events than the peer does)."""
    def ns(events_per_s):
        return 1e9 / events_per_s if events_per_s else None

    bare = {d: ns((S.get(("BARE", f"bare-{d}")) or {}).get("events_cpu")) for d in (64, 1024)}
    rows = []
    for name, wl, peer, target in goal_targets:
        r, p = S.get((wl, "raftlab-off")), S.get((wl, peer))
        if not r or not p or not r.get("rate_cpu") or not p.get("rate_cpu") or not r.get("events_per_item"):
            continue
        want_items = target * p["rate_cpu"]
        now_ns = ns(r["rate_cpu"] * r["events_per_item"])
        ask_ns = ns(want_items * r["events_per_item"])
        ask_peer_ns = ns(want_items * p["events_per_item"]) if p.get("events_per_item") else None
        cell = lambda v: "–" if v is None else f"{v:,.0f}"
        times_bare = (lambda v: "–" if v is None or not bare[64] else f"{v / bare[64]:.1f}×")
        rows.append([name, f"{r['events_per_item']:.1f}", cell(now_ns), cell(ask_ns), times_bare(ask_ns),
                     cell(ask_peer_ns)])
    if not rows:
        return []
    out = ["What each speed goal asks of one event: CPU nanoseconds per raftlab event now, and the most an event "
           f"may cost for the goal to hold (at raftlab's events per item, and at the peer's). The bare loop's empty "
           f"event costs {'–' if bare[64] is None else f'{bare[64]:.0f}'} ns with 64 pending and "
           f"{'–' if bare[1024] is None else f'{bare[1024]:.0f}'} ns with 1,024; the events-share goal (35%) allows "
           f"{'–' if bare[1024] is None else f'{bare[1024] / 0.35:.0f}'} ns per W2 event. An event carries an etcd "
           "member's work for one packet, tick, fsync or timer (raft step and Ready, WAL record, apply, reply). "
           "Whether a goal is met is decided in the goals table above (paired ratios); this table uses medians.", ""]
    out.append(table(["goal", "raftlab events per item", "ns per event now", "goal allows (ns per event)",
                      "÷ bare loop's (64 pending)", "allowed at the peer's events per item"], rows))
    out.append("")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--reps", default="?")
    ap.add_argument("--quick", default="0")
    ap.add_argument("--sizes", default="")
    ap.add_argument("--pinned", default="")
    ap.add_argument("--raftlab", default="")
    # How the measured raftlab binary was built: "pgo" (scripts/pgo_build.sh; the plain
    # Release build is then measured too, as engine raftlab-plain) or "plain".
    ap.add_argument("--build-kind", choices=("plain", "pgo"), default="plain")
    a = ap.parse_args()
    runs, failed = load(a.raw)
    sizes = dict(kv.split("=", 1) for kv in a.sizes.split() if "=" in kv)
    S = {(wl, eng): summary(runs, wl, eng) for (wl, eng) in runs}
    commit = sh("git rev-parse --short HEAD") or "?"
    # results/ is what this run writes (the profile before this report): not a change to the code measured.
    dirty = (" (with uncommitted changes in the tree)"
             if sh("git status --porcelain --untracked-files=no -- . ':(exclude)results'") else "")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")

    def rate(wl, eng):
        s = S.get((wl, eng))
        return s["rate_cpu"] if s else None

    def ratio_of_medians(wl, a_eng, b_eng, key="rate_cpu"):
        x, y = S.get((wl, a_eng)), S.get((wl, b_eng))
        if not x or not y or not x.get(key) or not y.get(key):
            return None
        return x[key] / y[key]

    # The goals use paired ratios: repetition r of raftlab ÷ repetition r of the peer
    # (run back to back, seconds apart), then the median over repetitions. Load on a
    # shared host drifts over the minutes a run takes; a pair sees the same load, the
    # ratio of two medians need not (their medians may come from different repetitions).
    paired_ranges = {}

    def ratio(wl, a_eng, b_eng, a_wl=None, key=None):
        ra = paired_rates(runs, a_wl or wl, a_eng, key)
        rb = paired_rates(runs, wl, b_eng, key)
        rs = [ra[k] / rb[k] for k in ra if k in rb and ra[k] and rb[k]]
        ma, mb = med(list(ra.values())), med(list(rb.values()))
        rom = ma / mb if ma and mb else None
        if not rs:
            return rom
        paired_ranges[(a_wl or wl, a_eng, wl, b_eng)] = (min(rs), max(rs), len(rs), rom)
        return statistics.median(rs)

    def spread(wl, a_eng, b_eng, a_wl=None, unit="×", scale=1.0):
        r = paired_ranges.get((a_wl or wl, a_eng, wl, b_eng))
        if not r:
            return ""
        lo, hi, n, rom = r
        f = (lambda v: f"{v * scale:.2f}{unit}") if unit == "×" else (lambda v: f"{v * scale:.1f}{unit}")
        out = f"{n} paired repetitions: {f(lo)}–{f(hi)}"
        if rom is not None:
            out += f"; ratio of the medians {f(rom)}"
        return out

    L = []
    L.append("# Benchmarks: raftlab against the Raft simulation peers")
    L.append("")
    L.append(f"Issue 5. **Generated** by `make bench-peers` (scripts/bench_peers.sh → scripts/bench_report.py) "
             f"on {now}, commit `{commit}`{dirty}; do not edit by hand above \"{MARKER}\" — "
             "that section (at the end) is kept verbatim by the generator and is where optimisations "
             "and their measured effects are recorded. How to rerun and the exact workload definitions: "
             "[docs/benchmarks.md](../docs/benchmarks.md). Hot spots: [results/profile-raftlab.txt](profile-raftlab.txt).")
    L.append("")
    if a.quick == "1":
        L.append("> **QUICK run** (`QUICK=1`): tiny sizes to check the pipeline; these numbers are not the benchmark.")
        L.append("")
    L.append(f"Repetitions: **{a.reps}** (medians shown), engines interleaved within each repetition, "
             f"pinned with `{a.pinned}`. Rates are **per CPU second** of the measuring process (the machine is "
             "shared; on an idle pinned core this is wall time); wall-clock rates are given alongside. "
             "Ratios are raftlab (trace off unless said) ÷ peer, from this one run: in the goals, the median of the "
             "per-repetition ratios (each repetition's raftlab figure ÷ the same repetition's peer figure, measured "
             "back to back), with their range and the ratio of the medians beside; in the workload tables, ratios of "
             "the medians.")
    L.append("")
    if a.build_kind == "pgo":
        L.append("raftlab's figures are from its **profile-guided build** (`make pgo`, scripts/pgo_build.sh: GCC "
                 "`-fprofile-use` with link-time optimisation, trained on `make demo`, the shipped scenarios, six "
                 "fault-lab replays and small bench runs; the build is refused unless every shipped scenario's trace "
                 "hash equals its golden hash). The plain "
                 "Release build (`make build`) is measured alongside in W1 and W2 (\"plain Release build\" rows, "
                 "and the goals' notes).")
    else:
        L.append("raftlab's figures are from its plain Release build (`make build`, no profile-guided optimisation).")
    L.append("")
    L.append("Sizes: " + ", ".join(f"{k} = {int(v):,}" for k, v in sizes.items() if v.isdigit()) + ". "
             "W1 seeds for every engine as listed; canonical raft's W2 uses fewer entries "
             "(its per-step log copy makes it ~100× slower; rates per second make sizes comparable once "
             "its log has reached the steady length set by its snapshot settings).")
    L.append("")
    if failed:
        L.append(f"**Failed measurements** (left out of the medians): {', '.join(sorted(failed))}.")
        L.append("")

    # ---- goals ----
    goals = []

    def goal(name, value, target, unit="×", higher=True, note=""):
        if value is None:
            goals.append((name, "not measured", f"{target}{unit}", "**not measured**", note))
            return
        met = value >= target if higher else value <= target
        shown = f"{value:.2f}{unit}" if unit == "×" else f"{value:.1f}{unit}"
        if met:
            gap = "—"
        elif unit == "×":
            need = target / value if higher else value / target
            gap = (f"needs {need:.2f}× more" if need < 1.1 else f"needs {need:.1f}× more") if higher else f"{need:.1f}× over"
        else:
            gap = f"{abs(value - target):.1f}{unit} {'short' if higher else 'over'}"
        goals.append((name, shown, f"{'≥' if higher else '<'} {target}{unit}", "**met**" if met else "**not met**" + f" ({gap})", note))

    def plain_note(wl, peer, a_wl=None, unit="×", scale=1.0):
        """The same paired ratio for the plain build (no PGO), when it was measured."""
        if (a_wl or wl, "raftlab-plain") not in runs:
            return ""
        v = ratio(wl, "raftlab-plain", peer, a_wl=a_wl, key="events" if unit == "%" else None)
        if v is None:
            return ""
        shown = f"{v * scale:.2f}{unit}" if unit == "×" else f"{v * scale:.1f}{unit}"
        return f"plain Release build (no PGO): {shown}"

    def notes(*xs):
        return "; ".join(x for x in xs if x)

    goal("W1 vs canonical raft", ratio("W1", "raftlab-off", "canonical"), 2,
         note=notes(spread("W1", "raftlab-off", "canonical"), plain_note("W1", "canonical")))
    goal("W1 vs etcd raft", ratio("W1", "raftlab-off", "etcdraft"), 10,
         note=notes(spread("W1", "raftlab-off", "etcdraft"), plain_note("W1", "etcdraft")))
    goal("W2 vs canonical raft (snapshot-64)", ratio("W2", "raftlab-off", "canonical-snap64"), 2.5,
         note=spread("W2", "raftlab-off", "canonical-snap64"))
    goal("W2 vs etcd raft", ratio("W2", "raftlab-off", "etcdraft"), 10,
         note=notes(spread("W2", "raftlab-off", "etcdraft"), plain_note("W2", "etcdraft")))
    def compact_note(peer):
        # Informational: the goal is judged on raftlab at etcd's default (no compaction
        # within 100,000 entries); this is the same run with compaction on, as the
        # snapshot-64 peer has it.
        r = ratio("W3", "raftlab-compact", peer)
        return "" if r is None else f"with log compaction (`--snapshot-count 10000`): {r:.2f}×"

    def w3_goal(name, peer):
        v = ratio("W3", "raftlab-off", peer)
        goal(name, v, 2, note="; ".join(x for x in (spread("W3", "raftlab-off", peer), compact_note(peer)) if x))
    w3_goal("W3 vs canonical raft (snapshot-64)", "canonical-snap64")
    w3_goal("W3 vs etcd raft", "etcdraft")
    # Paired too: bench_peers.sh runs the bare loop right after raftlab's W2 in each repetition.
    ev_share = ratio("BARE", "raftlab-off", "bare-1024", a_wl="W2", key="events")
    goal("W2 events/s as a share of the bare loop's (1,024 pending)",
         None if ev_share is None else 100.0 * ev_share, 35, unit="%",
         note=notes(spread("BARE", "raftlab-off", "bare-1024", a_wl="W2", unit="%", scale=100.0),
                    plain_note("BARE", "bare-1024", a_wl="W2", unit="%", scale=100.0)))
    rss = S.get(("W2", "raftlab-compact"))
    goal("W2 peak RSS with log compaction on (raftlab, trace off, `--snapshot-count 10000`)",
         rss["rss"] / 1024 if rss and rss.get("rss") else None, 32, unit=" MiB", higher=False,
         note=f"{int(sizes.get('W2_ENTRIES', '0')):,} entries; etcd's default catch-up of 5,000 entries kept after each snapshot")
    # W4: per-member memory roughly constant
    w4 = ok_runs(runs, "W4", "raftlab-off")
    per_member = []
    if w4:
        for row in w4[0].get("sizes", []):
            n = row.get("voters")
            w2 = row.get("W2", {})
            # Heap held (allocator's count), not RSS: see the W4 section for why and for RSS.
            if n and w2.get("heap_live_per_member_kib"):
                per_member.append((n, w2["heap_live_per_member_kib"]))
    if per_member:
        vals = [v for _, v in per_member]
        spread = max(vals) / min(vals) if min(vals) > 0 else None
        if spread is not None:
            met = spread <= 2.0
            goals.append(("W4 memory per member roughly constant (heap held per member, max/min over 3..51 voters)", f"{spread:.2f}",
                          "≤ 2", "**met**" if met else "**not met**",
                          ", ".join(f"{n}: {v / 1024:.2f} MiB" for n, v in per_member)))
    else:
        goals.append(("W4 memory per member roughly constant", "not measured", "≤ 2", "**not measured**", ""))
    goals.append(("Numbers from the real engine, trace off and default", "yes", "—", "**met**",
                  "`raftlab bench` builds a sim::World of bare etcd members; every event goes through the event loop, network, member model and raft core"))
    L.append("## Goals (issue 5)")
    L.append("")
    L.append(table(["goal", "measured", "target", "status", "note"], goals))
    L.append("")

    def epi(wl, eng):
        x = S.get((wl, eng))
        return f"{x['events_per_item']:.1f}" if x and x.get("events_per_item") else "?"

    L.append("Reading the gaps (the profile section below has the instruction shares):")
    L.append("")
    L.append(f"- **W1**: a raftlab run is a fresh World of five etcd processes: listeners, etcd's bootstrap "
             "decision (member and cluster IDs, the initial-cluster checks, the peers' `/members` answers) and the "
             "member's tick work (peer liveness through the network on every tick) come before and around the raft "
             "election (peer liveness is remembered until the network changes, see the optimisation history). "
             "The library peers start from a raft node. Events per run are alike "
             f"(raftlab {epi('W1', 'raftlab-off')}, canonical {epi('W1', 'canonical')}, etcd raft {epi('W1', 'etcdraft')}); "
             "the cost per event is not.")
    L += w1_split(runs, S)
    L.append(f"- **W2/W3**: each entry is an etcd client request (W2: a request and a reply packet, a 5 s client "
             f"deadline timer; both: the encoded request, the KV apply on every member, its own reply), so raftlab "
             f"fires {epi('W2', 'raftlab-off')} events per entry in W2 and {epi('W3', 'raftlab-off')} in W3 (one "
             f"pipelined batch packet and one MsgProp per 100 entries), where etcd raft fires {epi('W3', 'etcdraft')} "
             "per entry in W3. What is left per entry is the etcd model's: encoding and decoding the request, five "
             "KV applies and the copies of each entry into every member's raft log and data dir.")
    L.append("- **Events/s vs the bare loop**: an event in raftlab carries the member's work (raft step, Ready, "
             "WAL copy, apply) and a packet moved through a slab; the bare loop carries nothing. A member waits for "
             "the disk only when etcd fsyncs (`raft.MustSync`, since c4ad29a): the commit-only Readies that used to "
             "wait for an fsync of their own, the cheapest events (~5 per W2 entry), are gone, so fewer, heavier "
             "events do the same work per entry.")
    L.append("- **Memory**: without log compaction (etcd's default `--snapshot-count` is 100,000) every member keeps "
             "every entry in its data dir and raft log; with the trace at its default level every apply and client "
             "operation is also kept in memory (the trace is the run's product).")
    L.append("")
    L += event_budget(S, goal_targets=[
        ("W1 ≥ 2× canonical raft", "W1", "canonical", 2),
        ("W1 ≥ 10× etcd raft", "W1", "etcdraft", 10),
        ("W2 ≥ 2.5× canonical raft (snapshot-64)", "W2", "canonical-snap64", 2.5),
        ("W2 ≥ 10× etcd raft", "W2", "etcdraft", 10),
        ("W3 ≥ 2× canonical raft (snapshot-64)", "W3", "canonical-snap64", 2),
        ("W3 ≥ 2× etcd raft", "W3", "etcdraft", 2),
    ])

    # ---- per workload tables ----
    def wl_table(wl, engines, unit):
        rows = []
        base = S.get((wl, "raftlab-off"))
        base_d = S.get((wl, "raftlab-default"))
        for eng in engines:
            s = S.get((wl, eng))
            if not s:
                if (wl, eng) in runs:
                    rows.append([ENGINE_NAMES.get(eng, eng), "failed"] + ["–"] * 9)
                continue
            peer = not eng.startswith("raftlab")
            r_off = base["rate_cpu"] / s["rate_cpu"] if base and s["rate_cpu"] and peer else None
            r_def = base_d["rate_cpu"] / s["rate_cpu"] if base_d and s["rate_cpu"] and peer else None
            row = [ENGINE_NAMES.get(eng, eng), f"{s['items']:,}" if isinstance(s["items"], int) else s["items"],
                   f"**{fmt_rate(s['rate_cpu'])}**", fmt_rate(s["rate_wall"]), fmt_rate(s["events_cpu"]),
                   fmt_rate(s["messages_cpu"]), f"{s['events_per_item']:.1f}" if s["events_per_item"] else "–"]
            if wl == "W1":
                d = s["sim"] or {}
                row.append(" / ".join("–" if d.get(q) is None else f"{d[q]:.0f}" for q in ("min", "median", "p99", "max")))
            else:
                row.append("–" if s.get("sim_s") is None else f"{s['sim_s']:.1f}")
            row += [fmt_mib(s["rss"]), fmt_ratio(r_off), fmt_ratio(r_def)]
            rows.append(row)
        hdr = ["engine", "items", f"{unit}/CPU-s", f"{unit}/wall-s", "events/CPU-s", "messages/CPU-s",
               "events per item", "sim time to leader ms (min/med/p99/max)" if wl == "W1" else "sim s",
               "peak RSS", "raftlab off ÷", "raftlab default ÷"]
        return table(hdr, rows)

    L.append("## W1 election (5 voters, time to first leader)")
    L.append("")
    L.append(wl_table("W1", ["raftlab-off", "raftlab-plain", "raftlab-default", "canonical", "etcdraft"], "runs"))
    L.append("")
    L.append("Events: raftlab counts event-loop events (ticks, packet deliveries, client and bootstrap timers); "
             "canonical raft counts `raft_fixture_step` calls; etcd raft counts this harness's queue events "
             "(ticks and deliveries). Messages: packets sent (raftlab includes etcd's bootstrap peer queries), "
             "fixture network events, raft messages. raftlab's runs include what a real etcd member does before "
             "raft starts (listeners, the bootstrap decision, member IDs), which the raft-library peers do not have.")
    real = ok_runs(runs, "W1", "real-etcd")
    if real:
        d = real[0].get("wall_time_to_leader_ms", {})
        raft_w = S.get(("W1", "raftlab-off"))
        L.append("")
        L.append(f"**Real etcd** (`bench/peers/real_etcd_w1.sh`, {real[0].get('seeds')} fresh clusters of 5 processes on "
                 f"127.0.77.1–5): wall time from launching to the first `became leader`: min {d.get('min', 0):.0f} / "
                 f"median {d.get('median', 0):.0f} / max {d.get('max', 0):.0f} ms, i.e. "
                 f"{1000.0 / d['median'] if d.get('median') else 0:.2f} runs/s (process start and teardown not counted)."
                 + (f" raftlab (trace off) simulates **{raft_w['rate_cpu'] * d['median'] / 1000.0:,.0f}×** as many first "
                    "elections per second on one core as the real cluster goes through." if raft_w and d.get("median") else ""))
        slow = real[0].get("slow_repetitions")
        if slow:
            L.append("")
            L.append(f"{slow} of {real[0].get('seeds')} repetitions took over 3 s: real etcd's time to a first leader "
                     "is bimodal on this machine (see docs/benchmarks.md, \"Real etcd\").")
    L.append("")

    L.append("## W2 unbatched replication (5 voters, one 8-byte put in flight)")
    L.append("")
    L.append(wl_table("W2", ["raftlab-off", "raftlab-plain", "raftlab-default", "raftlab-compact", "canonical", "canonical-snap64",
                             "etcdraft"], "entries"))
    L.append("")
    L.append("## W3 batched replication (5 voters, batches of 100, up to 1,000 entries in flight)")
    L.append("")
    L.append(wl_table("W3", ["raftlab-off", "raftlab-default", "raftlab-compact", "canonical", "canonical-snap64", "etcdraft"], "entries"))
    L.append("")
    L.append("raftlab sends each W3 batch as one pipelined client batch (`World::etcdctl_batch`: 100 puts in "
             "one packet to the leader, as a gRPC client's concurrent calls share a connection), proposed as one "
             "MsgProp of 100 entries before one Ready; each put is still its own etcd request, applied on every "
             "member and answered with its own revision (docs/benchmarks.md). canonical raft proposes a batch "
             "with one `raft_apply` of 100 buffers; etcd raft with one MsgProp of 100 entries. "
             "The goal is judged on the trace-off row, at etcd's default `--snapshot-count` (100,000: no "
             "compaction within the run), so every member holds every entry in its raft log and WAL and the "
             "run's memory is first touched as it grows (the kernel's page faults are about a fifth of its CPU "
             "time: ~8 k faults for ~40 MiB; a log keeps an entry in 16 bytes, its payload shared by all members). The log-compaction row is the same run with `--snapshot-count 10000`, as canonical "
             "raft's snapshot-64 configuration compacts; it is shown, not used for the goal.")
    L.append("")

    # ---- bare loop ----
    L.append("## The bare limit (a priority-queue event loop doing no work per event)")
    L.append("")
    rows = []
    for eng in ("bare-64", "bare-1024"):
        js = ok_runs(runs, "BARE", eng)
        if js:
            rows.append([ENGINE_NAMES[eng], fmt_rate(med([j["events"] / j["cpu_s"] for j in js])),
                         fmt_rate(med([j["events"] / j["wall_s"] for j in js]))])
    for eng in ("raftlab-off", "raftlab-default"):
        s = S.get(("W2", eng))
        if s:
            rows.append([f"W2, {ENGINE_NAMES[eng]}", fmt_rate(s["events_cpu"]), "–"])
    L.append(table(["loop", "events/CPU-s", "events/wall-s"], rows))
    L.append("")

    # ---- W4 ----
    L.append("## W4 scale (W1 and W2 for 3–51 voters)")
    L.append("")
    if w4:
        rows = []
        for row in w4[0].get("sizes", []):
            n = row["voters"]
            w1, w2 = row.get("W1", {}), row.get("W2", {})
            pm = w2.get("rss_live_per_member_kib")
            hm = w2.get("heap_live_per_member_kib")

            def peer(wl, eng):
                for tag, j in runs.get((wl, eng), []):
                    if tag == f"n{n}" and not j.get("_failed"):
                        return j
                return None

            cw1, cw2 = peer("W4W1", "canonical"), peer("W4W2", "canonical-snap64")
            ew1, ew2 = peer("W4W1", "etcdraft"), peer("W4W2", "etcdraft")
            rows.append([
                n,
                fmt_rate(per_cpu(w1, "seeds")), fmt_rate(per_cpu(cw1, "seeds")) if cw1 else "n/a",
                fmt_rate(per_cpu(ew1, "seeds")) if ew1 else "–",
                fmt_rate(per_cpu(w2, "entries")), fmt_rate(per_cpu(cw2, "entries")) if cw2 else "n/a",
                fmt_rate(per_cpu(ew2, "entries")) if ew2 else "–",
                fmt_mib(row.get("peak_rss_kib")), "–" if hm is None else f"{hm / 1024:.2f} MiB",
                "–" if pm is None else f"{pm / 1024:.2f} MiB",
                fmt_mib(ew2["peak_rss_kib"] / n) if ew2 and ew2.get("peak_rss_kib") else "–",
            ])
        L.append(table(["voters", "W1 runs/CPU-s raftlab", "canonical", "etcd raft", "W2 entries/CPU-s raftlab",
                        "canonical snap-64", "etcd raft", "raftlab peak RSS", "raftlab W2 heap per member",
                        "raftlab W2 RSS per member",
                        "etcd raft peak RSS per member"], rows))
        L.append("")
        L.append(f"W4 runs {int(sizes.get('W4_SEEDS', '0')):,} W1 seeds and {int(sizes.get('W4_ENTRIES', '0')):,} "
                 "W2 entries per size, trace off, one repetition; raftlab runs each size in a child process "
                 "(`raftlab bench W4` forks), so each peak RSS is that size's own. Heap per member (the goal's "
                 "figure) = (bytes the allocator has handed out and not had back with the W2 cluster alive and "
                 "every entry applied − the same before the cluster was built) ÷ voters: the members' state and "
                 "logs plus the cluster's shared part (entry payloads shared by all members, client history, "
                 "network), which is why it falls a little with size. RSS per member is the same difference "
                 "taken on RSS: it adds what mimalloc commits for itself (64 KiB pages per size class in 4 MiB "
                 "segments, about 5 MiB that do not grow with the cluster), which dominates 3 voters. etcd raft's "
                 "column is its process's peak RSS ÷ voters (fixed part included). canonical raft's fixture holds at most 8 "
                 "servers (`RAFT_FIXTURE_MAX_SERVERS`): n/a above 7.")
    else:
        L.append("Not measured in this run.")
    L.append("")

    # ---- W5 ----
    L.append("## W5 fault lab (scenarios/lab/reference.json)")
    L.append("")
    rows = []
    for eng in ("raftlab-jobs1", "raftlab-jobs2"):
        js = ok_runs(runs, "W5", eng)
        if js:
            rows.append([ENGINE_NAMES[eng], js[0].get("seeds"),
                         fmt_rate(med([j.get("seeds_per_s") for j in js])),
                         fmt_rate(med([j.get("seeds_per_s_per_core") for j in js])),
                         fmt_rate(med([j.get("seeds_per_cpu_s") for j in js]))])
    if rows:
        L.append(table(["run", "seeds", "seeds/s (wall)", "seeds/s per core (wall ÷ jobs)", "seeds per CPU-s"], rows))
        L.append("")
        L.append("No peer runs W5: the peers have no fault lab (the figure is raftlab's own seeds per second per core).")
    else:
        L.append("Not measured: this tree has no `scenarios/lab/reference.json` or `raftlab fuzz` failed "
                 "(issue 3). `raftlab bench W5` measures it once it exists.")
    L.append("")

    # ---- the labs and the cloud scenarios against the bare loop (issue 26) ----
    L.append("## Events per second against the bare event loop: the fault labs and the cloud scenarios")
    L.append("")

    def ev_cpu(j):
        return j["events"] / j["cpu_s"] if j.get("events") and j.get("cpu_s") else None

    def paired_share(wl, eng, bare_wl):
        """Median of per-repetition (events/CPU-s ÷ the bare loop's run right after it)."""
        bare = {rep: j for rep, j in runs.get((bare_wl, "bare-1024"), []) if not j.get("_failed")}
        xs = []
        for rep, j in runs.get((wl, eng), []):
            b = bare.get(rep)
            if j.get("_failed") or not b or ev_cpu(j) is None:
                continue
            xs.append(ev_cpu(j) / (b["events"] / b["cpu_s"]))
        return (med(xs), min(xs), max(xs), len(xs)) if xs else None

    rows = []
    for wl, eng, bare_wl, name in (("W5", "raftlab-jobs1", "W5BARE", "reference lab (`scenarios/lab/reference.json`), --jobs 1"),
                                   ("W5C", "asg-lab", "W5CBARE", "cloud fault lab (`scenarios/aws-asg/lab-asg-instance-faults.json`), --jobs 1")):
        js = [j for j in ok_runs(runs, wl, eng) if ev_cpu(j) is not None]
        if not js:
            continue
        sh_ = paired_share(wl, eng, bare_wl)
        rows.append([name, js[0].get("seeds"), fmt_rate(med([j["seeds_per_cpu_s"] for j in js])),
                     fmt_rate(med([j["events"] / j["seeds"] for j in js])), fmt_rate(med([ev_cpu(j) for j in js])),
                     "–" if not sh_ else f"**{sh_[0] * 100:.1f}%** ({sh_[1] * 100:.1f}–{sh_[2] * 100:.1f}%, {sh_[3]} pairs)"])
    if rows:
        L.append(table(["sweep", "seeds", "seeds per CPU-s", "events per seed", "events/CPU-s",
                        "÷ bare loop (1,024 pending), paired median (range)"], rows))
        L.append("")
        L.append("Goal (issue 26): the reference lab's events per second ≥ 35% of the bare loop's. The bare loop "
                 "(1,024 pending) runs right after each lab run; the share is the median of those pairs. A lab "
                 "seed's CPU includes its checkers (the trace is judged after the run) and the fuzz driver; "
                 "`--jobs 1` runs the seeds in worker processes whose CPU is counted (`cpu_s` includes children).")
        L.append("")
    stories = sorted((eng, j) for (wl, eng), lst in runs.items() if wl == "W5S" for _, j in lst if not j.get("_failed"))
    if stories:
        bare = [j for j in ok_runs(runs, "W5CBARE", "bare-1024")] or [j for j in ok_runs(runs, "BARE", "bare-1024")]
        bare_rate = med([j["events"] / j["cpu_s"] for j in bare]) if bare else None
        rows = []
        for eng, j in stories:
            e = ev_cpu(j)
            rows.append([f"`{eng}`", j.get("seeds"), fmt_rate(j.get("seeds_per_cpu_s")),
                         f"{1000.0 / j['seeds_per_cpu_s']:.2f}" if j.get("seeds_per_cpu_s") else "–",
                         fmt_rate(j["events"] / j["seeds"]) if j.get("seeds") else "–", fmt_rate(e),
                         "–" if not (e and bare_rate) else f"{e / bare_rate * 100:.1f}%"])
        L.append(table(["ASG story (scenarios/aws-asg/)", "seeds", "stories per CPU-s", "CPU ms per story",
                        "events per story", "events/CPU-s", "÷ bare loop (1,024 pending, median of this run)"], rows))
        L.append("")
        L.append("Each story runs as a sweep of itself (`raftlab bench W5 --lab-scenario FILE --jobs 1`: the "
                 "scenario under successive seeds, every checker on each; one repetition). A story's fixed costs "
                 "(reading the CloudFormation template and user data, the checkers) weigh more the shorter it is.")
        L.append("")

    # ---- machine ----
    L.append("## Machine")
    L.append("")
    L.append(table(["", ""], machine(a.build_kind)))
    L.append("")
    L.append(f"raftlab binary: `{os.path.relpath(a.raftlab) if a.raftlab else '?'}` (CMake Release, -O3, mimalloc when "
             "installed). Peers: canonical raft harness `gcc -O2` against the Debian shared library; etcd raft "
             "harness `go build` in GOPATH mode against /usr/share/gocode; bare loop `g++ -O3`.")
    L.append("")

    # ---- profile digest ----
    prof = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "results", "profile-raftlab.txt")
    if os.path.exists(prof):
        L.append("## Where raftlab's instructions go (callgrind, top self cost)")
        L.append("")
        L.append("From `results/profile-raftlab.txt` (scripts/bench_profile.sh; instruction counts do not depend "
                 "on machine load). The first lines per workload:")
        L.append("")
        L.append("```")
        with open(prof) as f:
            block, take = [], 0
            for line in f:
                if line.startswith("== ") or line.startswith("instructions:"):
                    block.append(line.rstrip()[:150])
                    take = 0
                elif line.startswith("-- top 25 by self"):
                    take = 8
                elif take > 0 and line.strip():
                    block.append("  " + line.strip()[:150])
                    take -= 1
        L.extend(block)
        L.append("```")
        L.append("")
        L.extend(profile_shares(prof))

    keep = preserved(a.out)
    if keep is None:
        keep = MARKER + "\n\n(No optimisation recorded yet.)\n"
    text = "\n".join(L).rstrip() + "\n\n" + keep
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
