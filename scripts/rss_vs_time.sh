#!/usr/bin/env bash
# Peak resident memory of one raftlab run against simulated time (issue 24,
# results/RELIABILITY.md "Memory").
#
#   scripts/rss_vs_time.sh build/tools/raftlab [SCENARIO] [SECONDS...]
#
# For each simulated length T (seconds; default 14 60 300 900 1800 3600) the scenario
# (default scenarios/lab/small.json) is rewritten with duration T, its nemesis ending at
# T-4 s and its clients at T-2 s (so faults and load last the whole run), and run once
# with `raftlab run FILE` under GNU time. Prints a Markdown table: simulated time,
# trace events, wall time, peak RSS (MiB, GNU time's %M) and RSS per simulated hour.
# Extra raftlab arguments can be given in RAFTLAB_ARGS (e.g. "--max-events 1000000",
# "--keep-trace" to hold the whole trace as before the streaming trace). RSS_VERB=fuzz
# runs `raftlab fuzz FILE --seeds 1 --jobs 1 --json` instead (one lab seed: the run, then
# every checker; peak RSS of the process tree). RSS_BEFORE=OTHER_RAFTLAB runs each length
# with that binary too (the same verb and arguments) and adds its peak RSS as a column
# (issue 24: a fuzz seed's memory before / after the streaming checkers).
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 RAFTLAB [SCENARIO] [SECONDS...]" >&2
  exit 2
fi
bin=$1
shift
scenario=scenarios/lab/small.json
if [[ $# -gt 0 && ! $1 =~ ^[0-9]+$ ]]; then
  scenario=$1
  shift
fi
lengths=("$@")
[[ ${#lengths[@]} -gt 0 ]] || lengths=(14 60 300 900 1800 3600)
[[ -x /usr/bin/time ]] || { echo "$0: needs GNU time (/usr/bin/time, Debian package time)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One run of $1 on $2; sets wall, kb and events.
measure() {
  local b=$1 f=$2
  # shellcheck disable=SC2086
  if [[ ${RSS_VERB:-run} == fuzz ]]; then
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$b" fuzz "$f" --seeds 1 --jobs 1 --json ${RAFTLAB_ARGS:-} >"$tmp/json" 2>"$tmp/err" || true
    grep -o '"events":[0-9]*' "$tmp/json" | head -n1 | sed 's/"events":/events=/' >"$tmp/out" || true
  else
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$b" run "$f" ${RAFTLAB_ARGS:-} >"$tmp/out" 2>"$tmp/err" || true
  fi
  wall=$(tail -n1 "$tmp/time" | cut -d' ' -f1)
  kb=$(tail -n1 "$tmp/time" | cut -d' ' -f2)
  events=$(grep -o 'events=[0-9]*' "$tmp/out" | head -n1 | cut -d= -f2 || true)
  [[ -n $events ]] || events="? ($(head -c 160 "$tmp/err" | tr '\n' ' '))"
}

if [[ -n ${RSS_BEFORE:-} ]]; then
  echo "| simulated | events | wall | peak RSS | RSS per simulated hour | peak RSS, RSS_BEFORE | wall, RSS_BEFORE |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
else
  echo "| simulated | events | wall | peak RSS | RSS per simulated hour |"
  echo "|---:|---:|---:|---:|---:|"
fi
for t in "${lengths[@]}"; do
  f=$tmp/len-$t.json
  python3 - "$scenario" "$t" "$f" <<'PY'
import json, re, sys
src, t, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = "\n".join(l for l in open(src) if not l.lstrip().startswith("//"))
s = json.loads(text)
s["duration"] = f"{t}s"
if "nemesis" in s:
    s["nemesis"]["end"] = f"{max(3, t - 4)}s"
if "clients" in s:
    s["clients"]["end"] = f"{max(2, t - 2)}s"
for e in s.get("expect", []):
    e["at"] = f"{t - 1}s"
json.dump(s, open(dst, "w"), indent=1)
PY
  measure "$bin" "$f"
  row=$(awk -v t="$t" -v e="$events" -v w="$wall" -v kb="$kb" 'BEGIN {
    mib = kb / 1024; printf "| %d s | %s | %.1f s | %.0f MiB | %.0f MiB |", t, e, w, mib, mib * 3600 / t }')
  if [[ -n ${RSS_BEFORE:-} ]]; then
    measure "$RSS_BEFORE" "$f"
    row+=$(awk -v w="$wall" -v kb="$kb" 'BEGIN { printf " %.0f MiB | %.1f s |", kb / 1024, w }')
  fi
  echo "$row"
done
