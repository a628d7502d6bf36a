#!/usr/bin/env bash
# Regenerates results/SCENARIOS.md: the verdict of every shipped scenario at its default
# seed (clusters, leaders, quorum at the end, expectations, trace hash).
# Usage: scripts/scenario_report.sh [PATH/TO/raftlab]
set -euo pipefail
cd "$(dirname "$0")/.."
RAFTLAB=${1:-build/tools/raftlab}
out=results/SCENARIOS.md
{
  echo "# Shipped scenarios: outcomes at their default seed"
  echo
  echo "Regenerate: \`make build && scripts/scenario_report.sh\` (runs \`raftlab run FILE --json\` for each file)."
  echo
  echo "| scenario | clusters at end | leaders at end | quorum at end | expectations | trace sha256 (first 16) |"
  echo "|---|---|---|---|---|---|"
  for f in scenarios/*/*.json; do
    # Experiment files (raftlab experiment; results/EXPERIMENTS.md) are not scenarios.
    case "$f" in scenarios/experiments/*) continue ;; esac
    json=$("$RAFTLAB" run "$f" --json || true)
    python3 - "$f" "$json" <<'PY'
import json, sys
f, doc = sys.argv[1], json.loads(sys.argv[2])
fin = doc["final"]
ex = doc["expectations"]
ok = sum(1 for e in ex if e["passed"])
print(f"| `{f}` | {len(fin['clusters'])} | {len(fin['leaders'])} ({', '.join(fin['leaders'])}) | "
      f"{'yes' if fin['quorum'] else 'no'} | {ok}/{len(ex)} hold | `{doc['trace_sha256'][:16]}` |")
PY
  done
} > "$out"
echo "wrote $out"
