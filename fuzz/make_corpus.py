#!/usr/bin/env python3
"""Seed corpora for the libFuzzer harnesses, from the shipped files (fuzz/README.md).

    fuzz/make_corpus.py SOURCE_DIR OUT_DIR

Writes OUT_DIR/<harness>/<name> for each harness:
  scenario_loader  every scenarios/**/*.json and tests/lab/data/*.json, byte for byte
  failure_file     the same scenarios with a `// raftlab-lab {...}` header line first
  docker_shell     every "docker" value and every "shell" action's command in them
  etcd_flags       every "flags" value, one argument per line ("etcd" dropped), and the
                   -e ETCD_* variables of every docker line as "ENV NAME=value" lines
  etcdctl          every "etcdctl" timeline command
Deterministic: the same files give the same corpus (names are content hashes).
"""
import hashlib
import json
import os
import shlex
import sys


def strip_jsonc(text):
    """// and /* */ comments and trailing commas out, strings untouched."""
    out, i, n, in_str = [], 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        else:
            out.append(c)
        i += 1
    s = "".join(out)
    # trailing commas
    import re
    return re.sub(r",(\s*[}\]])", r"\1", s)


def walk(node, found):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("docker", "flags", "etcdctl") and isinstance(v, str):
                found.setdefault(k, []).append(v)
            elif k in ("docker", "flags") and isinstance(v, list) and all(isinstance(x, str) for x in v):
                found.setdefault(k, []).append("\n".join(v))  # lines of one command
            elif k == "args" and isinstance(v, list):
                found.setdefault("args", []).append([str(x) for x in v])
            elif k == "env" and isinstance(v, dict):
                found.setdefault("env", []).append({str(a): str(b) for a, b in v.items()})
            elif k == "shell" and isinstance(v, dict):
                for kk in ("run", "command", "commands"):
                    val = v.get(kk)
                    if isinstance(val, str):
                        found.setdefault("shell", []).append(val)
                    elif isinstance(val, list):
                        found.setdefault("shell", []).extend(x for x in val if isinstance(x, str))
                exp = v.get("export")
                if isinstance(exp, dict):
                    found.setdefault("shell", []).append(
                        " && ".join(f"export {a}={shlex.quote(str(b))}" for a, b in exp.items()))
            walk(v, found)
    elif isinstance(node, list):
        for v in node:
            walk(v, found)


def main():
    src, out = sys.argv[1], sys.argv[2]
    files = []
    for root in ("scenarios", "tests/lab/data"):
        for d, _, names in os.walk(os.path.join(src, root)):
            files += [os.path.join(d, f) for f in names if f.endswith(".json")]
    files.sort()
    corpus = {h: {} for h in ("scenario_loader", "failure_file", "docker_shell", "etcd_flags", "etcdctl")}

    def add(h, data):
        if isinstance(data, str):
            data = data.encode()
        corpus[h][hashlib.sha1(data).hexdigest()[:16]] = data

    for f in files:
        raw = open(f, "rb").read()
        add("scenario_loader", raw)
        header = {"seed": 7, "trace_sha256": "0" * 64, "checkers": ["state_machine_safety"],
                  "planted_bugs": ["apply-before-commit"], "trace_level": "default",
                  "scenario": os.path.basename(f), "note": "fuzz"}
        add("failure_file", b"// raftlab-lab " + json.dumps(header).encode() + b"\n" + raw)
        try:
            doc = json.loads(strip_jsonc(raw.decode()))
        except Exception:
            continue
        found = {}
        walk(doc, found)
        for line in found.get("docker", []) + found.get("shell", []) + found.get("flags", []):
            add("docker_shell", line)
        for line in found.get("flags", []):
            try:
                words = shlex.split(line.replace("\\\n", " "))
            except ValueError:
                continue
            if words and words[0] == "etcd":
                words = words[1:]
            add("etcd_flags", "\n".join(words))
        for args in found.get("args", []):
            add("etcd_flags", "\n".join(args[1:] if args and args[0] == "etcd" else args))
        for env in found.get("env", []):
            add("etcd_flags", "\n".join(f"ENV {a}={b}" for a, b in env.items()))
        for line in found.get("docker", []):
            try:
                words = shlex.split(line.replace("\\\n", " "))
            except ValueError:
                continue
            env = [w.split("=", 1) for w in (words[i + 1] for i, w in enumerate(words[:-1]) if w == "-e")
                   if "=" in w]
            if env:
                add("etcd_flags", "\n".join(f"ENV {a}={b}" for a, b in env))
        for line in found.get("etcdctl", []):
            add("etcdctl", line)
    for h, items in corpus.items():
        d = os.path.join(out, h)
        os.makedirs(d, exist_ok=True)
        for name, data in sorted(items.items()):
            with open(os.path.join(d, name), "wb") as fh:
                fh.write(data)
        print(f"{h}: {len(items)} seed inputs")


if __name__ == "__main__":
    main()
