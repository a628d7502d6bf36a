#!/usr/bin/env bash
# Installs the Debian packages raftlab builds with, only those that are missing.
# Uses sudo when not root. Safe to run repeatedly.
set -euo pipefail
pkgs=(build-essential cmake libboost-dev libfmt-dev nlohmann-json3-dev libcli11-dev
      libssl-dev libyaml-cpp-dev libgtest-dev libgmock-dev googletest libbenchmark-dev libmimalloc-dev
      python3    # scripts/bench_report.py and its test (tests/scripts)
      parallel   # GNU parallel: sharded fuzz sweeps (docs/fault-lab.md, tests/lab)
      chromium   # headless browser: the report's browser tests and screenshots (tests/report, scripts/screenshots.sh)
      etcd-server etcd-client)  # real etcd 3.4 for `raftlab diff` (docs/fidelity.md, tests/fidelity)
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
