#!/usr/bin/env bash
# make test's short parser fuzz run (scripts/fuzz_parsers.sh --smoke) without a usable
# clang must say that it skipped and why, and not fail; bad FUZZ_SECONDS / FUZZERS are
# refused (exit 2) before anything is built.
set -uo pipefail
src=$1
out=$(FUZZ_CXX=no-such-clang++ FUZZ_BUILD=/nonexistent "$src/scripts/fuzz_parsers.sh" --smoke 2>&1)
rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: --smoke without clang exited $rc: $out"; exit 1; }
grep -q "SKIPPED the short parser fuzz run: no clang++ found" <<<"$out" || { echo "FAIL: no skip reason: $out"; exit 1; }
grep -q "deps.sh fuzz" <<<"$out" || { echo "FAIL: no way to fix it named: $out"; exit 1; }
# Without --smoke (make fuzz-parsers) a missing clang is an error, not a skip.
FUZZ_CXX=no-such-clang++ FUZZ_BUILD=/nonexistent "$src/scripts/fuzz_parsers.sh" >/dev/null 2>&1
[[ $? -eq 2 ]] || { echo "FAIL: make fuzz-parsers without clang should exit 2"; exit 1; }
for bad in "FUZZ_SECONDS=0" "FUZZ_SECONDS=abc" "FUZZERS=nosuch"; do
  env "$bad" FUZZ_CXX=no-such-clang++ FUZZ_BUILD=/nonexistent "$src/scripts/fuzz_parsers.sh" >/dev/null 2>&1
  [[ $? -eq 2 ]] || { echo "FAIL: $bad should exit 2"; exit 1; }
done
echo "ok"
