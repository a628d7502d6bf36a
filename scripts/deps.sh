#!/usr/bin/env bash
# Installs the Debian packages raftlab builds with, only those that are missing.
# Uses sudo when not root. Safe to run repeatedly.
set -euo pipefail
pkgs=(build-essential cmake libboost-dev libfmt-dev nlohmann-json3-dev libcli11-dev
      libssl-dev libyaml-cpp-dev libgtest-dev libgmock-dev googletest libbenchmark-dev libmimalloc-dev
      python3    # scripts/bench_report.py and its test (tests/scripts)
      parallel   # GNU parallel: sharded fuzz sweeps (docs/fault-lab.md, tests/lab)
      chromium   # headless browser: the report's browser tests and screenshots (tests/report, scripts/screenshots.sh)
      etcd-server etcd-client  # real etcd 3.4 for `raftlab diff` (docs/fidelity.md, tests/fidelity)
      iptables   # `raftlab diff`'s partitions on the real side (tools/real/netcut.h)
      dnsmasq-base)  # `raftlab diff`'s DNS for a scenario's A/SRV records (tools/real/real_services.h)
# `scripts/deps.sh fuzz` (make fuzz-parsers) also installs clang 16 and its libFuzzer
# runtime (Debian 12's default clang 14 lacks C++20 parenthesized aggregate init); the
# other targets never need them (make test skips its short fuzz run without them).
if [ "${1:-}" = "fuzz" ]; then
  pkgs+=(clang-16 libclang-rt-16-dev)
elif [ $# -gt 0 ]; then
  echo "usage: $0 [fuzz]" >&2
  exit 2
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "raftlab: installing missing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
