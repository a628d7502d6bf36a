#!/usr/bin/env bash
# scripts/screenshots.sh [RAFTLAB] — regenerates the report screenshots shown in the
# README, as headless Chromium renders them: docs/img/every-node-leader.png and
# docs/img/static-bootstrap.png (the bug and its fix, at t = 10 s), and
# docs/img/aws-asg-fix.png (scenarios/aws-asg/05: the cloud events on the instances'
# lanes and on the group's and load balancer's rows, at t = 395 s, after the first
# scale-in step).
set -euo pipefail
RAFTLAB=$(realpath "${1:-build/tools/raftlab}")
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "chromium is not installed: run ./scripts/deps.sh" >&2; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
shot() {  # scenario, png name, slider instant (ns)
  "$RAFTLAB" report "$1" -o "$OUT/$2.html" >/dev/null
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$OUT/profile" \
    --window-size=1400,1250 --screenshot="docs/img/$2.png" "file://$OUT/$2.html#t=$3" 2>/dev/null
  echo "docs/img/$2.png"
}
# t=10s: the slider at the instant the operators ran etcdctl.
shot scenarios/bitnami-2host/every-node-leader.json every-node-leader 10000000000
shot scenarios/bitnami-2host/static-bootstrap.json static-bootstrap 10000000000
shot scenarios/aws-asg/05-fix-hook-and-stepwise.json aws-asg-fix 395000000000
