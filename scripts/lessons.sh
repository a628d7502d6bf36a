#!/usr/bin/env bash
# scripts/lessons.sh [RAFTLAB] [--check] — regenerates the output excerpts in docs/lessons/*.md
# from the binary. An excerpt is the block between
#   <!-- output: raftlab ARGS [| filter] -->   and   <!-- end output -->
# (a fenced code block with what that command prints, run from the repository root, with
# `raftlab` meaning RAFTLAB). --check rewrites nothing and fails, showing the diff, when
# an excerpt has drifted from the binary (the ctest Lessons.ExcerptsMatchTheBinary).
set -euo pipefail
RAFTLAB=$(realpath "${1:-build/tools/raftlab}")
MODE=${2:-write}
cd "$(dirname "$0")/.."
RAFTLAB="$RAFTLAB" MODE="$MODE" python3 - <<'PY'
import difflib, glob, os, re, subprocess, sys
raftlab, mode = os.environ["RAFTLAB"], os.environ["MODE"]
pat = re.compile(r"(<!-- output: (.*?) -->\n)(.*?)(<!-- end output -->)", re.S)
drift = False
for path in sorted(glob.glob("docs/lessons/*.md")):
    text = open(path, encoding="utf-8").read()
    def run(m):
        cmd = m.group(2)
        script = f'raftlab() {{ "{raftlab}" "$@"; }}\nset +e\n{cmd}\n'
        out = subprocess.run(["bash", "-c", script], capture_output=True, text=True).stdout
        return m.group(1) + "```\n" + out.rstrip("\n") + "\n```\n" + m.group(4)
    new = pat.sub(run, text)
    if new != text:
        if mode == "--check":
            drift = True
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True), path, path + " (binary)"))
        else:
            open(path, "w", encoding="utf-8").write(new)
            print("updated", path)
if drift:
    print("\nThe lessons' output excerpts differ from the binary: run scripts/lessons.sh build/tools/raftlab", file=sys.stderr)
    sys.exit(1)
PY
