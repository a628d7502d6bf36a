#!/usr/bin/env bash
# Sharded fuzz sweep with GNU parallel (Debian package `parallel`), then one merged summary.
#
#   scripts/fuzz-parallel.sh SCENARIO SEEDS SHARDS [OUTDIR] [-- extra fuzz flags]
#
# Runs `raftlab fuzz SCENARIO --seeds SEEDS --shard K/SHARDS --json` for K = 1..SHARDS as
# separate processes (one job per core; add `--sshlogin host1,host2` via PARALLEL_OPTS to
# spread them over machines that have the same raftlab build and scenario path), each
# writing OUTDIR/shard-K.jsonl and its failures under OUTDIR/failures/, then
# `raftlab merge` checks that every seed was run exactly once and prints the summary.
# Environment: RAFTLAB (binary, default build/tools/raftlab), JOBS (parallel's -j,
# default: cores), PARALLEL_OPTS (more options for parallel).
# Exit: merge's code (0 no failures, 1 failures or incomplete shards, 2 bad input).
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
scenario=$1 seeds=$2 shards=$3
shift 3
out=fuzz-sweep
if [ $# -gt 0 ] && [ "$1" != "--" ]; then out=$1; shift; fi
[ "${1:-}" = "--" ] && shift
raftlab=${RAFTLAB:-build/tools/raftlab}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
command -v parallel >/dev/null || { echo "GNU parallel is missing: run scripts/deps.sh (Debian package parallel)" >&2; exit 2; }
[ -x "$raftlab" ] || { echo "$raftlab is not built: make build (or set RAFTLAB=)" >&2; exit 2; }
mkdir -p "$out"
# Each shard is single-threaded (--jobs 1): parallel runs one shard per core. Exit 1
# (failures found) is a result, not an error; anything else stops the sweep.
# shellcheck disable=SC2086
parallel --will-cite --halt now,fail=1 -j "$jobs" ${PARALLEL_OPTS:-} \
  "$raftlab fuzz $scenario --seeds $seeds --shard {}/$shards --jobs 1 --json --quiet --out $out/failures $* > $out/shard-{}.jsonl; test \$? -le 1" \
  ::: $(seq 1 "$shards")
files=()
for k in $(seq 1 "$shards"); do files+=("$out/shard-$k.jsonl"); done
exec "$raftlab" merge "${files[@]}"
