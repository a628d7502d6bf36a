#!/usr/bin/env bash
# `make demo` and the other targets print no "make[1]: Entering directory" lines: the
# Makefile passes --no-print-directory to every sub-make (cmake --build runs one). A
# probe target runs a sub-make in another directory; nothing may be printed.
set -euo pipefail
SRC=${1:?usage: make_quiet_test.sh SOURCE_DIR}
cd "$SRC"
out=$(make --eval 'raftlab-quiet-probe: ; @cd /tmp && $(MAKE) -f /dev/null --eval "x: ; @true" x' raftlab-quiet-probe 2>&1)
if [ -n "$out" ]; then
  echo "FAIL: a sub-make printed:"
  echo "$out"
  exit 1
fi
echo "PASS: no directory lines"
