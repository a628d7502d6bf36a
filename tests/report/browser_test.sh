#!/usr/bin/env bash
# tests/report/browser_test.sh RAFTLAB SOURCE_DIR SCRATCH — opens raftlab reports in
# headless Chromium as a person would and checks the rendered page through its own
# self-test mode (#selftest: the page writes what it rendered into <pre id="selftest">):
# a lane for every member, as many cluster bands at the end as `run --json` has final
# clusters, the slider's table at t=10s equal to `raftlab status --at 10s`, no console
# errors, and hostile scenario text shown as text (no injected element or script ran).
# On cloud scenarios: every cloud event is a row of the timeline table and a mark on a
# lane or on its actor's own row (the group, the load balancer, each gateway), and no lane
# label is wider than the label column.
# Fails loudly when chromium is missing: scripts/deps.sh installs it.
set -euo pipefail
RAFTLAB=$1 SRC=$2 OUT=$3
mkdir -p "$OUT"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "FAIL: chromium is not installed, so the report cannot be checked in a browser." >&2
  echo "      Install it: ./scripts/deps.sh (Debian package chromium)." >&2
  exit 1
fi
fail=0
check() {  # scenario file, extra python check
  local file=$1 extra=${2:-} name html
  name=$(basename "$file" .json)
  html="$OUT/$name.html"
  "$RAFTLAB" report "$file" -o "$html" >/dev/null
  "$RAFTLAB" run "$file" --json > "$OUT/$name.run.json" || true
  "$RAFTLAB" status "$file" --at 10s > "$OUT/$name.status.txt"
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
    --user-data-dir="$OUT/profile" --dump-dom "file://$html#selftest&t=10000000000" \
    > "$OUT/$name.dom.html" 2> "$OUT/$name.chromium.log"
  if ! python3 - "$OUT" "$name" "$extra" <<'PY'
import html, json, re, sys
out, name, extra = sys.argv[1], sys.argv[2], sys.argv[3]
dom = open(f"{out}/{name}.dom.html", encoding="utf-8").read()
m = re.search(r'<pre id="selftest">(.*?)</pre>', dom, re.S)
assert m, "the page did not write its self-test (did its script run?)"
st = json.loads(html.unescape(m.group(1)))
run = json.load(open(f"{out}/{name}.run.json"))
status = open(f"{out}/{name}.status.txt", encoding="utf-8").read()
log = open(f"{out}/{name}.chromium.log", encoding="utf-8", errors="replace").read()
problems = []
if st["lanes"] != st["members"] or st["lanes"] == 0: problems.append(f"lanes {st['lanes']} != members {st['members']}")
if st["bands_at_end"] != len(run["final"]["clusters"]):
    problems.append(f"cluster bands at the end {st['bands_at_end']} != final clusters {len(run['final']['clusters'])}")
want = status.split("\n\n", 1)[1]
got = st["status"].split("\n\n", 1)[1]
if got != want: problems.append("the slider's table at 10s differs from `raftlab status --at 10s`:\n" + got + "\n--- want ---\n" + want)
if st["errors"]: problems.append(f"page errors: {st['errors']}")
bad = [l for l in log.splitlines() if "CONSOLE" in l or "Uncaught" in l]
if bad: problems.append("console errors: " + "\n".join(bad))
if st["imgs"] != 0 or st["pwned"] or st["scripts"] != 2: problems.append(f"injected markup: imgs={st['imgs']} scripts={st['scripts']} pwned={st['pwned']}")
if extra == "hostile":
    if "</script><img src=x onerror=" not in st["desc"]: problems.append("the hostile description is not shown as text: " + st["desc"])
    if st["abbreviated"] < 1 or st["label_overflow"]: problems.append(f"the long host name is not shortened to the label column: abbreviated={st['abbreviated']} overflow={st['label_overflow']} width={st['label_w']}")
if extra.startswith("cloud"):
    want_tracks = extra.split(":", 1)[1].split(",") if ":" in extra else []
    if st["cloud_events"] == 0: problems.append("no cloud event in the page's data")
    if st["cloud_rows"] != st["cloud_events"]: problems.append(f"timeline rows of cloud events {st['cloud_rows']} != cloud events {st['cloud_events']}")
    if st["cloud_marks"] != st["cloud_events"]: problems.append(f"cloud marks on the lanes {st['cloud_marks']} != cloud events {st['cloud_events']}")
    if st["tracks"] != len(st["track_names"]) or st["tracks"] == 0: problems.append(f"cloud rows {st['tracks']} for tracks {st['track_names']}")
    for t in want_tracks:
        if t not in st["track_names"]: problems.append(f"no row for {t}: {st['track_names']}")
    if st["label_overflow"]: problems.append(f"{st['label_overflow']} lane labels wider than the label column ({st['label_w']} px)")
if problems:
    print(f"FAIL {name}:\n  " + "\n  ".join(problems)); sys.exit(1)
cloud = f", {st['cloud_events']} cloud events on the lanes and in the table, rows {st['track_names']}, labels {st['label_w']} px" if extra.startswith("cloud") else ""
print(f"ok   {name}: {st['lanes']} lanes, {st['bands_at_end']} cluster bands at the end, slider table at 10s = status --at 10s{cloud}, {st['render_ms']} ms to render")
PY
  then fail=1; fi
}
check "$SRC/scenarios/bitnami-2host/every-node-leader.json"
check "$SRC/scenarios/bitnami-2host/static-bootstrap.json"
check "$SRC/scenarios/bitnami-2host/as-written.json"
check "$SRC/scenarios/bitnami-2host/restart-same-data.json"
check "$SRC/scenarios/membership/join-new-into-running.json"
check "$SRC/tests/report/data/hostile.json" hostile
check "$SRC/scenarios/aws-asg/05-fix-hook-and-stepwise.json" cloud:prod-etcd,etcd-nlb
check "$SRC/scenarios/apisix/02-route-split-every-node-leader.json" cloud:gw1,gw2,prod-etcd
exit $fail
