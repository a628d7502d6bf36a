#!/usr/bin/env bash
# scripts/screenshots.sh [RAFTLAB] — regenerates docs/img/every-node-leader.png and
# docs/img/static-bootstrap.png: the reports of the bug and of its fix, as headless
# Chromium renders them (shown in the README).
set -euo pipefail
RAFTLAB=$(realpath "${1:-build/tools/raftlab}")
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "chromium is not installed: run ./scripts/deps.sh" >&2; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for n in every-node-leader static-bootstrap; do
  "$RAFTLAB" report "scenarios/bitnami-2host/$n.json" -o "$OUT/$n.html" >/dev/null
  # t=10s: the slider at the instant the operators ran etcdctl.
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$OUT/profile" \
    --window-size=1400,1250 --screenshot="docs/img/$n.png" "file://$OUT/$n.html#t=10000000000" 2>/dev/null
  echo "docs/img/$n.png"
done
