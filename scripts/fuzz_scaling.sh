#!/usr/bin/env bash
# results/FUZZ_SCALING.md: `raftlab fuzz` seeds/s per core on a scenario at --jobs 1 and
# --jobs 2 (3 interleaved repetitions each, medians) and the scaling ratio, with the CPU
# time per seed (user+sys of the fuzz process and its workers) beside the wall-clock rates.
#
#   scripts/fuzz_scaling.sh [RAFTLAB] [SCENARIO] [SEEDS] [OUT.md]
set -euo pipefail
raftlab=${1:-build/tools/raftlab}
scenario=${2:-scenarios/lab/reference.json}
seeds=${3:-20}
out=${4:-results/FUZZ_SCALING.md}
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (Debian package time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for rep in 1 2 3; do
  for j in 1 2; do
    rc=0
    /usr/bin/time -f "%e %U %S" -o "$work/time-$j-$rep" "$raftlab" fuzz "$scenario" --seeds "$seeds" --jobs "$j" \
      --json --quiet --out "$work/failures" > "$work/fuzz-$j-$rep.jsonl" || rc=$?
    [ "$rc" -le 1 ] || { echo "raftlab fuzz failed (exit $rc)" >&2; exit "$rc"; }
  done
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$work" "$scenario" "$seeds" "$out" "$raftlab" "$load" "$(nproc)" <<'PY'
import json, statistics, sys
work, scenario, seeds, out, raftlab, load, cores = sys.argv[1:8]
seeds = int(seeds)
rows = {}
for j in (1, 2):
    rs = []
    for rep in (1, 2, 3):
        lines = open(f"{work}/fuzz-{j}-{rep}.jsonl").read().split("\n")
        s = json.loads([l for l in lines if l][-1])
        wall, user, sys_ = map(float, open(f"{work}/time-{j}-{rep}").read().split())
        rs.append({"sps": s["seeds_per_s"], "per_core": s["seeds_per_s_per_core"], "cpu_per_seed": (user + sys_) / seeds,
                   "failures": s["failures"]})
    rows[j] = rs
med = lambda j, k: statistics.median(r[k] for r in rows[j])
L = ["# `raftlab fuzz` scaling from 1 to 2 jobs\n",
     f"Regenerate: `scripts/fuzz_scaling.sh {raftlab} {scenario} {seeds}` (3 interleaved repetitions per job count, medians).\n",
     f"Scenario `{scenario}`, seeds 1..{seeds} per run, worker processes (`--jobs`), default trace level. "
     f"Machine: {cores} cores, load average {load} at the end (shared with other builds: wall-clock rates are lower bounds; "
     "the CPU time per seed is the machine-independent figure).\n",
     "| jobs | seeds/s (wall, median) | seeds/s per core (median) | CPU s per seed (median) | seeds per CPU-second | runs (seeds/s) |",
     "|---|---|---|---|---|---|"]
for j in (1, 2):
    L.append(f"| {j} | {med(j,'sps'):.2f} | {med(j,'per_core'):.2f} | {med(j,'cpu_per_seed'):.3f} | {1/med(j,'cpu_per_seed'):.2f} | "
             + ", ".join(f"{r['sps']:.2f}" for r in rows[j]) + " |")
L.append("")
L.append(f"Scaling 1 → 2 jobs (wall seeds/s, ratio of medians): **{med(2,'sps')/med(1,'sps'):.2f}×**; "
         f"CPU per seed at 2 jobs / at 1 job: {med(2,'cpu_per_seed')/med(1,'cpu_per_seed'):.2f} "
         "(1.00 = the workers cost nothing extra; the wall ratio then only says how many free cores there were).")
open(out, "w").write("\n".join(L) + "\n")
print(open(out).read())
PY
