#!/usr/bin/env bash
# results/FUZZ_SCALING.md: `raftlab fuzz` seeds/s per core on a scenario at --jobs 1 and
# --jobs 2 (3 interleaved repetitions each, medians) and the scaling ratio, with the CPU
# time per seed (user+sys of the fuzz process and its workers) beside the wall-clock rates,
# for the three ways a sweep reports its seeds:
#   plain        `raftlab fuzz ...`                   (no per-seed hash of passing seeds)
#   json         `raftlab fuzz ... --json`            (SHA-256 of every seed's JSONL trace)
#   json-fp64    `raftlab fuzz ... --json --hash fp64` (64-bit fingerprint of passing seeds)
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
  for mode in plain json json-fp64; do
    case $mode in
      plain) flags=() ;;
      json) flags=(--json) ;;
      json-fp64) flags=(--json --hash fp64) ;;
    esac
    for j in 1 2; do
      rc=0
      /usr/bin/time -f "%e %U %S" -o "$work/time-$mode-$j-$rep" "$raftlab" fuzz "$scenario" --seeds "$seeds" --jobs "$j" \
        "${flags[@]}" --quiet --out "$work/failures" > "$work/fuzz-$mode-$j-$rep.out" || rc=$?
      [ "$rc" -le 1 ] || { echo "raftlab fuzz failed (exit $rc)" >&2; exit "$rc"; }
    done
  done
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
python3 - "$work" "$scenario" "$seeds" "$out" "$raftlab" "$load" "$(nproc)" "$commit" <<'PY'
import json, re, statistics, sys
work, scenario, seeds, out, raftlab, load, cores, commit = sys.argv[1:9]
seeds = int(seeds)
modes = {"plain": "`fuzz` (human output)", "json": "`fuzz --json`", "json-fp64": "`fuzz --json --hash fp64`"}
rows = {}
for mode in modes:
    for j in (1, 2):
        rs = []
        for rep in (1, 2, 3):
            text = open(f"{work}/fuzz-{mode}-{j}-{rep}.out").read()
            wall, user, sys_ = map(float, open(f"{work}/time-{mode}-{j}-{rep}").read().split())
            if mode == "plain":
                m = re.search(r"([0-9.]+) seeds/s wall \((\d+) jobs, ([0-9.]+) seeds/s per core\)", text)
                sps, per_core = float(m.group(1)), float(m.group(3))
            else:
                s = json.loads([l for l in text.split("\n") if l][-1])
                sps, per_core = s["seeds_per_s"], s["seeds_per_s_per_core"]
            rs.append({"sps": sps, "per_core": per_core, "cpu_per_seed": (user + sys_) / seeds})
        rows[(mode, j)] = rs
med = lambda mode, j, k: statistics.median(r[k] for r in rows[(mode, j)])
L = ["# `raftlab fuzz` scaling from 1 to 2 jobs\n",
     f"Regenerate: `scripts/fuzz_scaling.sh {raftlab} {scenario} {seeds}` (3 interleaved repetitions per mode and job count, medians).\n",
     f"Source tree `{commit}`. Scenario `{scenario}`, seeds 1..{seeds} per run, worker processes (`--jobs`), default trace level. "
     f"Machine: {cores} cores, load average {load} at the end (shared with other builds: wall-clock rates are lower bounds; "
     "the CPU time per seed is the machine-independent figure). Every mode runs and judges the same seeds; they differ "
     "only in what is computed for a passing seed's report line: nothing (plain), the SHA-256 of its JSONL trace "
     "(`--json`), or a 64-bit fingerprint of its events (`--json --hash fp64`).\n",
     "| mode | jobs | seeds/s (wall, median) | seeds/s per core (median) | CPU s per seed (median) | seeds per CPU-second | runs (seeds/s) |",
     "|---|---|---|---|---|---|---|"]
for mode, name in modes.items():
    for j in (1, 2):
        L.append(f"| {name} | {j} | {med(mode,j,'sps'):.2f} | {med(mode,j,'per_core'):.2f} | {med(mode,j,'cpu_per_seed'):.4f} | "
                 f"{1/med(mode,j,'cpu_per_seed'):.2f} | " + ", ".join(f"{r['sps']:.2f}" for r in rows[(mode, j)]) + " |")
L.append("")
for mode, name in modes.items():
    L.append(f"- {name}: scaling 1 → 2 jobs (wall seeds/s, ratio of medians) **{med(mode,2,'sps')/med(mode,1,'sps'):.2f}×**; "
             f"CPU per seed at 2 jobs / at 1 job: {med(mode,2,'cpu_per_seed')/med(mode,1,'cpu_per_seed'):.2f}")
L.append("")
L.append("(CPU ratio 1.00 = the workers cost nothing extra; the wall ratio then only says how many free cores there were.)")
open(out, "w").write("\n".join(L) + "\n")
print(open(out).read())
PY
