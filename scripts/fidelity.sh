#!/usr/bin/env bash
# Regenerates results/FIDELITY.md: every shipped bootstrap, membership and discovery scenario
# (scenarios/bitnami-2host/*, scenarios/membership/*, scenarios/discovery/*) run by `raftlab diff` — in simulation
# and against real etcd processes on 127.0.0.x — with the simulated and real outcome and
# agree/differ per row. Explanations of rows that differ live in results/FIDELITY.md's
# "Explained differences" section, kept from the previous file (everything after the
# "<!-- explanations -->" marker), so re-running never loses them.
# Usage: scripts/fidelity.sh [PATH/TO/raftlab] [TIME_SCALE] [SCENARIO.json...]
# With scenario files, only their rows are run again and replaced in (or added to) the
# existing results/FIDELITY.md; the rest of the file is kept as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
RAFTLAB=${1:-build/tools/raftlab}
SCALE=${2:-${FIDELITY_TIME_SCALE:-1}}
shift $(( $# < 2 ? $# : 2 ))
only=("$@")
out=results/FIDELITY.md
explanations=""
if [ -f "$out" ] && grep -q '^<!-- explanations -->' "$out"; then
  explanations=$(sed -n '/^<!-- explanations -->/,$p' "$out")
fi
etcd_version=$( (etcd --version 2>/dev/null || /usr/bin/etcd --version 2>/dev/null || echo "etcd Version: missing") | sed -n 's/^etcd Version: //p')
start=$(date +%s)
rows=$(mktemp)
errf=$(mktemp)
trap 'rm -f "$rows" "$errf"' EXIT
files=(scenarios/bitnami-2host/*.json scenarios/membership/*.json scenarios/discovery/*.json)
[ ${#only[@]} -gt 0 ] && files=("${only[@]}")
for f in "${files[@]}"; do
  echo "fidelity: $f" >&2
  set +e
  row=$("$RAFTLAB" diff "$f" --time-scale "$SCALE" --row 2>"$errf")
  rc=$?
  set -e
  case $rc in
    0|1|4) echo "$row" >> "$rows" ;;  # 4: not comparable (something not applied on the real side; the row says what)
    2) why=$(grep 'raftlab diff:' "$errf" | tail -1 | sed 's/|/ /g')
       echo "| \`$(basename "$(dirname "$f")")/$(basename "$f")\` | - | - | not run | exit 2: ${why:-bad input} |" >> "$rows" ;;
    *) echo "fidelity: real etcd unavailable or broken (exit $rc)" >&2; exit $rc ;;
  esac
done
secs=$(( $(date +%s) - start ))
if [ ${#only[@]} -gt 0 ] && [ -f "$out" ]; then
  # Replace the rows of these scenarios (first cell `dir/file.json`), append new ones.
  python3 - "$out" "$rows" <<'PY'
import sys
out, rows = sys.argv[1], sys.argv[2]
new = [l for l in open(rows).read().splitlines() if l.startswith("| `")]
key = lambda l: l.split("|")[1].strip()
by = {key(l): l for l in new}
lines = open(out).read().splitlines()
seen, res, last_row = set(), [], -1
for l in lines:
    if l.startswith("| `") and l.count("|") >= 6:
        k = key(l)
        # an old exit-2 row named by its full path: the same scenario
        k2 = "`" + "/".join(k.strip("`").split("/")[-2:]) + "`"
        if k2 in by:
            if k2 not in seen:
                res.append(by[k2]); seen.add(k2)
            last_row = len(res) - 1
            continue
        res.append(l); last_row = len(res) - 1
        continue
    res.append(l)
extra = [by[k] for k in by if k not in seen]
res[last_row + 1:last_row + 1] = extra
open(out, "w").write("\n".join(res) + "\n")
PY
  echo "updated ${#only[@]} row(s) of $out (${secs}s)" >&2
  exit 0
fi
{
  echo "# Fidelity: raftlab's simulation vs real etcd, scenario by scenario"
  echo
  echo "Regenerate: \`make fidelity\` (= \`scripts/fidelity.sh build/tools/raftlab $SCALE\`: \`raftlab diff FILE --time-scale $SCALE --row\` per file)."
  echo "Machine: $(uname -srm), $(nproc) cores; real etcd $etcd_version (Debian etcd-server/etcd-client); raftlab simulated"
  echo "etcd $etcd_version behaviour for the comparison (the scenarios say 3.5.18; see docs/fidelity.md for what differs)."
  echo "Every host is mapped to its own loopback address (A → 127.0.0.11, B → 127.0.0.12); the simulation runs"
  echo "the same loopback URLs, so member and cluster IDs are compared exactly. Wall time of this run: ${secs}s."
  echo
  echo "Outcome columns: members whose etcd runs, distinct cluster IDs, self-reported leaders, and the error"
  echo "classes each member logged, at the scenario's end. \"agree\" means every compared value agreed at every"
  echo "expectation time and at the end (docs/fidelity.md lists the fields); \"not comparable\" means something of the"
  echo "scenario (a fault kind, a discovery service, DNS records) was not applied on the real side, named in the last column."
  echo
  echo "| scenario | simulated | real etcd | verdict | mismatches |"
  echo "|---|---|---|---|---|"
  cat "$rows"
  echo
  # etcdctl itself: the simulated etcdctl against the real one (tests/fidelity/etcdctl_real_test.cc).
  echo "## etcdctl: the simulated client against the real etcdctl $etcd_version"
  echo
  echo "Regenerate alone: \`build/tests/fidelity_tests --gtest_filter='RealEtcdctl*'\` (also part of \`make test\`)."
  echo "The same command lines through the real etcdctl (against a real one-member etcd on a loopback address) and"
  echo "through the model (the simulated five-member static bootstrap); IDs, revisions and timings differ by nature."
  echo
  echo "| compared | cases | agree |"
  echo "|---|---|---|"
  "$(dirname "$RAFTLAB")/../tests/fidelity_tests" --gtest_filter='RealEtcdctl*' 2>/dev/null | sed -n 's/^FIDELITY-ROW //p' || true
  echo
  if [ -n "$explanations" ]; then
    echo "$explanations"
  else
    echo "<!-- explanations -->"
    echo "## Explained differences"
    echo
    echo "(none)"
  fi
} > "$out"
echo "wrote $out (${secs}s)" >&2
