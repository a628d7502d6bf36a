#!/usr/bin/env bash
# tests/report/lessons_test.sh RAFTLAB SOURCE_DIR — every lesson's exercise fails as
# shipped (exit 1: an expectation fails) and its solution passes (exit 0); seven lessons,
# each with an exercise and a check line.
set -uo pipefail
RAFTLAB=$1 SRC=$2
cd "$SRC"
fail=0
n=0
for ex in docs/lessons/exercises/*.json; do
  n=$((n + 1))
  sol="docs/lessons/exercises/solutions/$(basename "$ex")"
  "$RAFTLAB" run "$ex" > /dev/null 2>&1; a=$?
  "$RAFTLAB" run "$sol" > /dev/null 2>&1; b=$?
  [ "$a" -eq 1 ] || { echo "FAIL $ex: the unedited exercise should fail (exit 1), got $a"; fail=1; }
  [ "$b" -eq 0 ] || { echo "FAIL $sol: the solution should pass (exit 0), got $b"; fail=1; }
  lesson=$(ls docs/lessons/"$(basename "$ex" .json)".md 2>/dev/null)
  [ -n "$lesson" ] && grep -q "raftlab run docs/lessons/exercises/$(basename "$ex")" "$lesson" ||
    { echo "FAIL: no lesson docs/lessons/$(basename "$ex" .json).md with the check command"; fail=1; }
  [ "$a" -eq 1 ] && [ "$b" -eq 0 ] && echo "ok   $(basename "$ex"): exercise fails, solution passes"
done
[ "$n" -ge 7 ] || { echo "FAIL: $n exercises, want at least 7"; fail=1; }
exit $fail
