#!/usr/bin/env bash
# tests/scripts/pgo_option_test.sh SOURCE_DIR SCRATCH_DIR — CMake's RAFTLAB_PGO refuses what
# it cannot do, naming the fix: an unknown value, `use` without profiles, and a compiler
# other than GCC (checked with clang++ when it is installed; said so when it is not); and
# scripts/pgo_build.sh refuses arguments other than one build directory (exit 2). (The PGO
# build itself takes minutes: `make pgo` and `make bench-peers` run it, and it checks
# every golden trace hash.)
set -u
src=$1
scratch=$2
fail=0
expect_refused() {  # expect_refused WANT_TEXT CMAKE_ARGS... (CXX from the environment)
  local want=$1
  shift
  rm -rf "$scratch"
  local out
  if out=$(cmake -S "$src" -B "$scratch" "$@" 2>&1); then
    echo "FAIL: cmake $* was accepted"
    fail=1
  # CMake wraps a message at spaces: compare with the line breaks taken out.
  elif [[ $(printf '%s' "$out" | tr '\n' ' ' | tr -s ' ') != *"$want"* ]]; then
    echo "FAIL: cmake $* did not say: $want"
    echo "$out" | tail -5
    fail=1
  fi
}
expect_refused "RAFTLAB_PGO=bogus: expected empty, generate or use" -DRAFTLAB_PGO=bogus
expect_refused "RAFTLAB_PGO=use: no profiles in RAFTLAB_PGO_DIR=$scratch/none" \
  -DRAFTLAB_PGO=use -DRAFTLAB_PGO_DIR="$scratch/none"
if command -v clang++ >/dev/null; then
  CXX=clang++ expect_refused "RAFTLAB_PGO=use needs GCC" -DRAFTLAB_PGO=use -DRAFTLAB_PGO_DIR="$src"
else
  echo "note: clang++ is not installed: the non-GCC refusal was not exercised"
fi
# scripts/pgo_build.sh takes one build directory: anything else is refused before it builds.
for args in "a b" "--help" "--jobs=4"; do
  # shellcheck disable=SC2086  # split on purpose: each case is a list of arguments
  out=$(bash "$src/scripts/pgo_build.sh" $args 2>&1)
  rc=$?
  if [[ $rc != 2 || $out != *"usage: scripts/pgo_build.sh [BUILD_DIR]"* ]]; then
    echo "FAIL: scripts/pgo_build.sh $args: exit $rc (want 2 with the usage line): $out"
    fail=1
  fi
done
rm -rf "$scratch"
exit $fail
