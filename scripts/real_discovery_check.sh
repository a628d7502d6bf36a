#!/usr/bin/env bash
# Real etcd's discovery bootstrap on loopback, for results/FIDELITY.md (issue 27): a
# private discovery service (etcd --enable-v2 on 127.0.9.1), a token of size 3, three
# members (127.0.9.11-13) started one second apart, then the cases raftlab models:
# a fourth member with --discovery-fallback exit (cluster is full), a member re-started
# with a wiped data dir (found duplicate id), a token without a size (size key not found).
# Prints what each process logged (the zap "msg" fields) and `member list`.
# Usage: scripts/real_discovery_check.sh [ETCD_BINARY]   (etcd 3.4.x with the v2 API)
set -euo pipefail
ETCD=${1:-etcd}
CTL=${ETCDCTL:-etcdctl}
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
start() {  # name ip extra...
  local n=$1 ip=$2; shift 2
  "$ETCD" --name "$n" --data-dir "$dir/$n" --logger zap --log-outputs stderr \
    --listen-peer-urls "http://$ip:2380" --initial-advertise-peer-urls "http://$ip:2380" \
    --listen-client-urls "http://$ip:2379" --advertise-client-urls "http://$ip:2379" "$@" 2>"$dir/$n.log" &
  pids+=($!)
}
msgs() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    try: d=json.loads(l)
    except Exception: continue
    m=d.get("msg","")
    if "discovery" in m or "proxy" in m or "peer" in m.lower() and "found" in m or m.startswith("failed") or "token" in m or "registered" in m or "data dir" in m or "configuration" in m:
        print("   ", d.get("level"), m, "|", d.get("error", d.get("found-peers","")))' "$1"; }
start disco 127.0.9.1 --enable-v2 --initial-cluster disco=http://127.0.9.1:2380
sleep 2
T=/v2/keys/discovery/raftlab-fidelity-1
curl -s -X PUT "http://127.0.9.1:2379$T/_config/size" -d value=3 >/dev/null
D="http://127.0.9.1:2379$T"
start m1 127.0.9.11 --discovery "$D"; sleep 1
start m2 127.0.9.12 --discovery "$D"; sleep 1
start m3 127.0.9.13 --discovery "$D"; sleep 4
echo "== member list after the three"
ETCDCTL_API=3 "$CTL" --endpoints http://127.0.9.11:2379 member list
start m4 127.0.9.14 --discovery "$D" --discovery-fallback exit; sleep 3
echo "== m4 (--discovery-fallback exit, token full):"; msgs "$dir/m4.log"
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true; rm -rf "$dir/m1"
start m1 127.0.9.11 --discovery "$D"; sleep 3
echo "== m1 restarted with a wiped data dir, same token:"; msgs "$dir/m1.log" | tail -8
start m5 127.0.9.15 --discovery "http://127.0.9.1:2379/v2/keys/discovery/no-size"; sleep 3
echo "== m5 (token without _config/size):"; msgs "$dir/m5.log"
echo "== m1..m3 first bootstrap (m1's lines):"; head -c 0 /dev/null
