#!/usr/bin/env bash
# make demo: the "every member is leader" bug of the reference deployment, then its fix,
# side by side, with the reason, and the HTML reports of both (in DEMO_OUT, default
# BUILD/demo). Usage: scripts/demo.sh PATH/TO/raftlab
set -euo pipefail
RAFTLAB=${1:-build/tools/raftlab}
cd "$(dirname "$0")/.."
S=scenarios/bitnami-2host
echo "== raftlab demo: five bitnami/etcd:3.5.18 containers on two servers (the reference deployment, docs/reference-deployment.md) =="
echo
echo "-- 1. The bug, replayed: $S/every-node-leader.json"
"$RAFTLAB" status "$S/every-node-leader.json" --at 10s | sed -n '1,12p'
echo
echo "-- 2. Side by side with the fix ($S/static-bootstrap.json)"
"$RAFTLAB" compare "$S/every-node-leader.json" "$S/static-bootstrap.json"
echo
echo "-- 3. The fix under faults: server B (3 of 5 members) fails, then server A (2 of 5)"
for f in lose-host-b lose-host-a; do
  "$RAFTLAB" run "$S/$f.json" | grep -E '^  (PASS|FAIL) .*(quorum|leaders|put|get)|^Result:' | sed "s/^ */   [$f] /"
done
echo
echo "-- 4. See it: the two reports (open them in a browser; self-contained HTML, no network)"
OUT=${DEMO_OUT:-$(dirname "$RAFTLAB")/../demo}
mkdir -p "$OUT"
for f in every-node-leader static-bootstrap; do
  "$RAFTLAB" report "$S/$f.json" -o "$OUT/$f.html" >/dev/null
  echo "   $(cd "$OUT" && pwd)/$f.html"
done
echo
A=scenarios/aws-asg
echo "-- 5. The same split on AWS: an Auto Scaling group of three behind a Network Load Balancer"
echo "   $A/01-naive-every-instance-leader.json — etcdctl endpoint status through the NLB, three calls:"
"$RAFTLAB" run "$A/01-naive-every-instance-leader.json" | grep -E '^ +\| http://etcd-nlb:2379' | head -3 | sed 's/^ */   /'
echo "   $A/03-scale-in-3-to-1-no-hook.json — the HA test as written (3 -> 1, no lifecycle hook):"
"$RAFTLAB" run "$A/03-scale-in-3-to-1-no-hook.json" | grep -E '^  (PASS|FAIL) +at +600s' | sed 's/^ */   /'
echo "   $A/05-fix-hook-and-stepwise.json — the fix (terminating hook removes the member; one step at a time):"
"$RAFTLAB" run "$A/05-fix-hook-and-stepwise.json" | grep -E '^  (PASS|FAIL) .*(get|quorum)|^Result:' | tail -5 | sed 's/^ */   /'
"$RAFTLAB" report "$A/05-fix-hook-and-stepwise.json" -o "$OUT/aws-fix-hook-and-stepwise.html" >/dev/null
echo "   report: $(cd "$OUT" && pwd)/aws-fix-hook-and-stepwise.html"
echo
echo "-- 6. What the gateways see: APISIX on the split ($A/01 behind the NLB), route PUT through gateway 1 at 5m"
"$RAFTLAB" run scenarios/apisix/02-route-split-every-node-leader.json | grep -E '^ +[0-9.]+s +\$ curl|^ +(\{"(error|upstream)|HTTP/1.1)' | sed -E 's/^ +([0-9.]+s) +\$ /   \1  $ /; s/^ {6,}/              /'
echo "   (over 200 seeds gateway 2 serves it 30 s later in about half of them: results/APISIX.md)"
echo "   why, in words (raftlab compare of the split and the healthy cluster, computed from the traces):"
"$RAFTLAB" compare scenarios/apisix/02-route-split-every-node-leader.json scenarios/apisix/01-route-sync-healthy.json |
  awk '/^  - The route/ {p = 1} p && /^      / {exit} p' | sed 's/^ */   /' 
echo
echo "Every scenario: ls $S/ $A/   ·   one of them in full: $RAFTLAB run $A/05-fix-hook-and-stepwise.json"
