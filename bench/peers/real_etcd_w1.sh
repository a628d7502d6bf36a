#!/usr/bin/env bash
# bench/peers/real_etcd_w1.sh — W1 on the real thing: five etcd-server processes on
# loopback (127.0.77.1..5), a fresh cluster each repetition, time from launching them to
# the first "became leader" in their logs. Settings as every peer: heartbeat 100 ms,
# election timeout 1000 ms, --initial-election-tick-advance=false, pre-vote off (3.4's
# default). Prints one JSON object.
#
#   bench/peers/real_etcd_w1.sh [REPETITIONS] [VOTERS]      (default 5 repetitions, 5 voters)
#
# Safety: every process is started by this script and killed by its own PID; every wait
# is bounded (a repetition gives up after 30 s); data dirs live in a mktemp dir removed
# on exit. Ports 32379/32380 on 127.0.77.x keep clear of other etcds on the machine.
set -euo pipefail
REPS=${1:-5}
VOTERS=${2:-5}
ETCD=${ETCD:-etcd}
command -v "$ETCD" >/dev/null || { echo "real_etcd_w1: etcd not found (apt-get install etcd-server)" >&2; exit 2; }
[[ $REPS =~ ^[0-9]+$ && $REPS -ge 1 && $REPS -le 100 ]] || { echo "real_etcd_w1: REPETITIONS must be 1..100" >&2; exit 2; }
[[ $VOTERS =~ ^[0-9]+$ && $VOTERS -ge 1 && $VOTERS -le 9 ]] || { echo "real_etcd_w1: VOTERS must be 1..9" >&2; exit 2; }
TMP=$(mktemp -d /tmp/real-etcd-w1.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
ip_of() { echo "127.0.77.$(($1 + 1))"; }

initial=""
for ((i = 0; i < VOTERS; i++)); do
  initial+="${initial:+,}m$((i + 1))=http://$(ip_of $i):32380"
done

times_ms=()
for ((r = 0; r < REPS; r++)); do
  PIDS=()
  rm -rf "$TMP"/m*
  t0=$(now_ns)
  for ((i = 0; i < VOTERS; i++)); do
    ip=$(ip_of $i)
    "$ETCD" --name "m$((i + 1))" --data-dir "$TMP/m$((i + 1))" \
      --listen-peer-urls "http://$ip:32380" --initial-advertise-peer-urls "http://$ip:32380" \
      --listen-client-urls "http://$ip:32379" --advertise-client-urls "http://$ip:32379" \
      --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token "bench-$r" \
      --heartbeat-interval 100 --election-timeout 1000 --initial-election-tick-advance=false \
      --pre-vote=false --logger zap --log-outputs stderr >"$TMP/log-$i" 2>&1 &
    PIDS+=($!)
  done
  found=""
  deadline=$((t0 + 30000000000))
  while [[ -z $found ]]; do
    if grep -qs 'became leader at term' "$TMP"/log-*; then
      found=$(now_ns)
      break
    fi
    [[ $(now_ns) -lt $deadline ]] || break
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { echo "real_etcd_w1: an etcd exited early:" >&2; tail -5 "$TMP"/log-* >&2; exit 3; }; done
    sleep 0.005
  done
  [[ -n $found ]] || { echo "real_etcd_w1: no leader within 30 s" >&2; exit 3; }
  times_ms+=("$(( (found - t0) / 1000000 ))")
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
done

python3 - "$VOTERS" "${times_ms[@]}" <<'PY'
import json, sys
voters = int(sys.argv[1]); ms = sorted(float(x) for x in sys.argv[2:])
n = len(ms)
def rank(q):
    i = int(q * n)
    if i > 0 and i == q * n: i -= 1
    return ms[min(i, n - 1)]
print(json.dumps({"engine": "real-etcd", "workload": "W1", "voters": voters, "seeds": n,
                  "wall_time_to_leader_ms": {"min": ms[0], "median": rank(0.5), "p99": rank(0.99), "max": ms[-1],
                                             "mean": sum(ms) / n},
                  "slow_repetitions": sum(1 for x in ms if x > 3000),
                  "runs_per_s": 1000.0 / (sum(ms) / n), "ok": True}))
PY
