#!/usr/bin/env bash
# scripts/experiments_report.sh — `make experiments`: runs every shipped experiment
# (scenarios/experiments/*.json) over EXP_SEEDS seeds with `raftlab experiment`, writes each
# one's report to results/experiments/NAME.md (+ NAME-recovery.svg) and the overview
# results/EXPERIMENTS.md. Deterministic except the wall times it states.
set -euo pipefail
RAFTLAB=${1:-build/tools/raftlab}
SEEDS=${EXP_SEEDS:-200}
JOBS=${JOBS:-2}
OUT=results/EXPERIMENTS.md
mkdir -p results/experiments
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in scenarios/experiments/*.json; do
  name=$(basename "$f" .json)
  start=$(date +%s.%N)
  # Exit 1 = some anomaly: an outcome, not an error.
  "$RAFTLAB" experiment "$f" --seeds "$SEEDS" --jobs "$JOBS" --json -o "results/experiments/$name.md" > "$tmp/$name.jsonl" || [ $? -eq 1 ]
  end=$(date +%s.%N)
  echo "$f $start $end" >> "$tmp/times"
done
python3 - "$tmp" "$SEEDS" "$JOBS" > "$tmp/EXPERIMENTS.md" <<'PY'
import json, sys, os
tmp, seeds, jobs = sys.argv[1], sys.argv[2], sys.argv[3]
times = {}
for line in open(os.path.join(tmp, "times")):
    f, a, b = line.split()
    times[f] = float(b) - float(a)
def s(v):
    return "–" if v is None or v < 0 else f"{v:.1f} s"
print("# Chaos experiments (`raftlab experiment`)\n")
print(f"Regenerate: `make experiments` (= `scripts/experiments_report.sh`: every `scenarios/experiments/*.json`, "
      f"`raftlab experiment FILE --seeds {seeds} --jobs {jobs} --json -o results/experiments/NAME.md`; `EXP_SEEDS=N` to change the count).")
print("Each seed draws the FIS targets and the start time from its own streams; the verdicts are a pure function of the seeds.")
print("Anomaly rate: anomalies + failed experiments over seeds, with the Wilson 95% interval. Time to recovery: from the end of the fault")
print("until the steady state held again for the rest of the observation, over the seeds that recovered. Unavailable: per seed, the")
print("total time the steady state did not hold. Format and semantics: docs/experiments.md.\n")
print("| experiment | seeds | as expected | anomalies | anomaly rate (95% CI) | recovery p50 / p99 / max | never recovered | unavailable per seed p50 / max | FIS stopped | replay an anomaly | wall |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for f in sorted(times):
    name = os.path.basename(f)[:-5]
    summ = None
    for line in open(os.path.join(tmp, name + ".jsonl")):
        j = json.loads(line)
        if j.get("summary"):
            summ = j
    r = summ["recovery_s"]; u = summ["unavailable_s"]
    lo, hi = summ["ci95"]
    rate = 100.0 * (summ["anomalies"] + summ["failed"]) / max(1, summ["seeds"])
    replay = f"`{summ['replay']}`" if "replay" in summ else "–"
    print(f"| [{name}](experiments/{name}.md) | {summ['seeds']} | {summ['as_expected']} | {summ['anomalies'] + summ['failed']} | "
          f"{rate:.1f}% ({100*lo:.1f}–{100*hi:.1f}%) | {s(r['p50'])} / {s(r['p99'])} / {s(r['max'])} | {r['never']} | "
          f"{s(u['p50_per_seed'])} / {s(u['max_per_seed'])} | {summ['stopped']} | {replay} | {times[f]:.1f} s |")
print()
print("Plots (time to recovery, CDF over seeds): " + ", ".join(
    f"[{os.path.basename(f)[:-5]}](experiments/{os.path.basename(f)[:-5]}-recovery.svg)" for f in sorted(times)) + ".")
PY
mv "$tmp/EXPERIMENTS.md" "$OUT"
echo "wrote $OUT and results/experiments/"
