#!/usr/bin/env bash
# The staggered-start term race against the real etcd (results/FIDELITY.md, "Staggered start").
#
#   scripts/stagger_real.sh [REPS] [OUT.tsv]      # default 20 repetitions, stdout
#
# bitnami-2host/staggered-start.json on loopback, as `raftlab diff` runs it: five real etcd
# processes with the configuration the scenario resolves to (one --initial-cluster of five,
# token etcd-cluster-1, default timers, the real binary's defaults: 3.4 has PreVote off),
# host A = 127.0.77.11 (etcd1 :2380, etcd2 :3380) started at 0, host B = 127.0.77.12 (etcd3
# :2380, etcd4 :3380, etcd5 :4380) started 3 s later. Per repetition it prints the first
# leader's name and host, its term, and how long after host B's start it became leader,
# read from the members' own zap logs ("became leader at term N"; B's start = the first log
# line of etcd3). Needs /usr/bin/etcd; every process is killed at the end of each repetition.
set -uo pipefail
reps=${1:-20}
out=${2:-/dev/stdout}
etcd=${ETCD:-etcd}
command -v "$etcd" >/dev/null || { echo "stagger_real: no etcd binary ($etcd)" >&2; exit 2; }
[[ $reps =~ ^[0-9]+$ && $reps -ge 1 ]] || { echo "stagger_real: REPS must be a whole number >= 1" >&2; exit 2; }
work=$(mktemp -d /tmp/raftlab-stagger-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; [[ -n ${KEEP:-} ]] || rm -rf "$work"; }
trap cleanup EXIT INT TERM
A=127.0.77.11
B=127.0.77.12
ic="etcd1=http://$A:2380,etcd2=http://$A:3380,etcd3=http://$B:2380,etcd4=http://$B:3380,etcd5=http://$B:4380"
start() {  # name ip port_prefix
  local n=$1 ip=$2 p=$3
  ETCD_NAME=$n ETCD_DATA_DIR=$work/$n ETCD_LISTEN_CLIENT_URLS=http://$ip:${p}379 \
    ETCD_ADVERTISE_CLIENT_URLS=http://$ip:${p}379 ETCD_LISTEN_PEER_URLS=http://$ip:${p}380 \
    ETCD_INITIAL_ADVERTISE_PEER_URLS=http://$ip:${p}380 ETCD_INITIAL_CLUSTER=$ic \
    ETCD_INITIAL_CLUSTER_STATE=new ETCD_INITIAL_CLUSTER_TOKEN=etcd-cluster-1 \
    ETCD_LOGGER=zap ETCD_LOG_OUTPUTS=stderr "$etcd" 2>"$work/$n.log" &
  pids+=($!)
}
ts() { python3 -c 'import sys,datetime; print(datetime.datetime.fromisoformat(sys.argv[1].replace("Z","+00:00")).timestamp())' "$1"; }
printf 'rep\tleader\thost\tterm\tafter_B_s\n' >"$out"
for ((r = 1; r <= reps; r++)); do
  rm -rf "$work"/etcd* ; pids=()
  start etcd1 $A 2; start etcd2 $A 3
  sleep 3
  start etcd3 $B 2; start etcd4 $B 3; start etcd5 $B 4
  for _ in $(seq 1 150); do
    grep -l ' became leader at term' "$work"/etcd*.log >/dev/null 2>&1 && break
    sleep 0.1
  done
  sleep 0.3
  best="" bt=""
  for n in etcd1 etcd2 etcd3 etcd4 etcd5; do
    line=$(grep -m1 ' became leader at term' "$work/$n.log" 2>/dev/null) || continue
    t=$(sed -n 's/.*"ts":"\([^"]*\)".*/\1/p' <<<"$line")
    if [[ -z $bt || $t < $bt ]]; then bt=$t; best="$n ${line##*became leader at term }"; fi
  done
  b0=$(grep -m1 -o "\"ts\":\"[^\"]*\"" "$work/etcd3.log" | cut -d\" -f4)
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [[ -z $best ]]; then printf '%d\t-\t-\t-\t-\n' "$r" >>"$out"; continue; fi
  name=${best%% *}
  term=$(sed 's/[^0-9].*//' <<<"${best#* }")
  host=A; [[ $name = etcd[345] ]] && host=B
  after=$(python3 -c "print(f'{$(ts "$bt") - $(ts "$b0"):.2f}')")
  printf '%d\t%s\t%s\t%s\t%s\n' "$r" "$name" "$host" "$term" "$after" >>"$out"
done
