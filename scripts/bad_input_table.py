#!/usr/bin/env python3
"""The table of bad-input classes of results/RELIABILITY.md (issue 24).

    scripts/bad_input_table.py build/tools/raftlab [--show CLASS] [--timeout S]

Generates malformed inputs class by class — each a valid base with mistakes in it, drawn
from a fixed seed so the same binary gives the same table — runs `raftlab` on each in a
fresh process (stdin closed, a timeout), and prints one Markdown row per class: how many
cases, how many ended with each exit code, and the promise-breakers: exit 3 ("internal
error"), a signal, a hang (the timeout), or exit 2 whose message says "internal error".
Exit status: 1 if any promise-breaker, else 0. --show CLASS prints each case of a class
with its exit code and first stderr line.

What each class's codes mean: bad input is exit 2 with file, JSON path or flag, and fix.
Exit 1 is a verdict: an etcd configuration real etcd refuses at start-up (the member
exits with etcd's text and the run fails, scenarios/README.md), a failed expectation, or
a --max-events stop. Exit 0 is accepted input (a docker option docker warns about, a
garbled byte inside a note string, an etcdctl command etcdctl itself would refuse at run
time and whose error the run prints).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

ETCD = ("etcd --name etcd1 --initial-advertise-peer-urls http://10.0.0.1:2380 --listen-peer-urls http://10.0.0.1:2380 "
        "--listen-client-urls http://10.0.0.1:2379 --advertise-client-urls http://10.0.0.1:2379 "
        "--initial-cluster etcd1=http://10.0.0.1:2380")
DOCKER = ("docker run -d --name etcd1 -p 2379:2379 -p 2380:2380 -e ALLOW_NONE_AUTHENTICATION=yes -e ETCD_NAME=etcd1 "
          "-e ETCD_ADVERTISE_CLIENT_URLS=http://10.0.0.1:2379 -e ETCD_INITIAL_ADVERTISE_PEER_URLS=http://10.0.0.1:2380 "
          "-e ETCD_LISTEN_PEER_URLS=http://0.0.0.0:2380 -e ETCD_LISTEN_CLIENT_URLS=http://0.0.0.0:2379 "
          "-e ETCD_INITIAL_CLUSTER=etcd1=http://10.0.0.1:2380 bitnami/etcd:3.5.18")


def base(member=None, timeline=None):
    return {
        "name": "bad-input", "description": "one member, clients and a nemesis budget", "seed": 1, "duration": "5s",
        "hosts": [{"name": "A", "ip": "10.0.0.1"}],
        "members": [member or {"name": "etcd1", "host": "A", "flags": ETCD}],
        "timeline": timeline or [{"at": "0s", "start": ["etcd1"]}],
        "nemesis": {"kinds": ["delay"], "start": "2s", "end": "4s", "mean_gap": "1s", "min_duration": "200ms",
                    "max_duration": "1s", "max_down": 1},
        "clients": {"count": 2, "start": "1s", "end": "4s", "think": {"min": "5ms", "max": "50ms"}, "keys": 3,
                    "read_fraction": 0.5, "timeout": "1s"},
        "expect": [{"at": "4500ms", "clusters": 1}],
    }


def text(doc):
    return json.dumps(doc, indent=1)


class Cases:
    """(class, label, argv with {F} for the scenario file, file text or None, setup)."""

    def __init__(self, rng):
        self.rng = rng
        self.items = []

    def add(self, cls, label, content, args=("run", "{F}"), kind="file"):
        self.items.append((cls, label, content, list(args), kind))


def json_syntax(c, r):
    good = text(base()).encode()
    for cut in sorted(r.sample(range(1, len(good) - 1), 60)):
        c.add("JSON syntax: truncated", f"cut at byte {cut}", good[:cut])
    structural = [i for i, ch in enumerate(good) if chr(ch) in '{}[]:,"']
    for i in sorted(r.sample(structural, 60)):
        c.add("JSON syntax: a structural byte deleted", f"byte {i} {chr(good[i])!r}", good[:i] + good[i + 1:])
    for k in range(60):
        b = bytearray(good)
        for _ in range(r.randint(1, 4)):
            b[r.randrange(len(b))] = r.randrange(256)
        c.add("JSON syntax: random bytes changed", f"flip set {k}", bytes(b))
    for k, where in enumerate(sorted(r.sample(range(len(good)), 20)) + [len(good)] * 5):
        c.add("JSON syntax: NUL / control bytes", f"\\x00 at {where}", good[:where] + b"\x00" + good[where:])
    for ch in [b"\x01", b"\x1f", b"\x7f", b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xef\xbb\xbf"]:
        c.add("JSON syntax: NUL / control bytes", f"{ch!r} in a string", good.replace(b"one member", b"one" + ch, 1))
    for t in [b"", b" ", b"[]", b"null", b"1", b'"x"', b"{", b"{}" * 2, b"{} garbage", b"/* open comment", b"// only"]:
        c.add("JSON syntax: not an object", repr(t), t)


def set_path(doc, path, value):
    d = doc
    for p in path[:-1]:
        d = d[p]
    if value is DELETE:
        del d[path[-1]]
    else:
        d[path[-1]] = value


DELETE = object()
FIELDS = [("name",), ("description",), ("seed",), ("duration",), ("hosts",), ("hosts", 0, "name"), ("hosts", 0, "ip"),
          ("members",), ("members", 0, "name"), ("members", 0, "host"), ("members", 0, "flags"), ("timeline",),
          ("timeline", 0, "at"), ("timeline", 0, "start"), ("nemesis", "kinds"), ("nemesis", "start"),
          ("nemesis", "max_down"), ("clients", "count"), ("clients", "keys"), ("clients", "read_fraction"),
          ("clients", "think", "min"), ("expect", 0, "at"), ("expect", 0, "clusters")]


def schema(c, r):
    wrong = [None, True, 0, -1, 1.5, "", "x", [], {}, [1, "a"], {"k": 1}]
    for f in FIELDS:
        for v in r.sample(wrong, 5):
            d = base()
            set_path(d, f, v)
            c.add("schema: wrong type or value", f"{'.'.join(map(str, f))} = {json.dumps(v)}", text(d))
    for f in FIELDS:
        d = base()
        set_path(d, f, DELETE)
        c.add("schema: required field missing", ".".join(map(str, f)), text(d))
    for key, where in [("nmae", ()), ("durtion", ()), ("flag", ("members", 0)), ("ipp", ("hosts", 0)),
                       ("startt", ("timeline", 0)), ("kind", ("nemesis",)), ("cnt", ("clients",)),
                       ("leader", ("expect", 0)), ("x", ()), ("", ()), ("é", ()), ("a" * 300, ())]:
        d = base()
        t = d
        for p in where:
            t = t[p]
        t[key] = 1
        c.add("schema: unknown key", f"{'.'.join(map(str, where))}.{key[:20]}", text(d))
    refs = [(("members", 0, "host"), "Z"), (("timeline", 0, "start"), ["etcd9"]), (("hosts", 0, "ip"), "10.0.0.256"),
            (("hosts", 0, "ip"), "::1"), (("hosts", 0, "ip"), "10.0.0"), (("members", 0, "name"), "etcd 1"),
            (("expect", 0, "at"), "9s"), (("timeline", 0, "at"), "-1s")]
    for f, v in refs:
        d = base()
        set_path(d, f, v)
        c.add("schema: dangling reference / bad name or address", f"{'.'.join(map(str, f))} = {json.dumps(v)}", text(d))
    d = base()
    d["members"].append(dict(d["members"][0]))
    c.add("schema: dangling reference / bad name or address", "duplicate member name", text(d))


def numbers(c, r):
    for f in [("seed",), ("clients", "count"), ("clients", "keys"), ("nemesis", "max_down"), ("clients", "read_fraction"),
              ("expect", 0, "clusters")]:
        for raw in ["1e400", "-1e400", "9" * 400, "18446744073709551616", "-1", "1e-400", "NaN", "Infinity"]:
            t = text(base())
            cur = json.dumps(eval_path(base(), f))
            key = json.dumps(f[-1])
            t = t.replace(f"{key}: {cur}", f"{key}: {raw}", 1)
            c.add("numbers out of range", f"{'.'.join(map(str, f))} = {raw[:24]}", t)


def eval_path(d, path):
    for p in path:
        d = d[p]
    return d


def durations(c, r):
    bad = ["", "1", "1x", "s", "-1s", "1.5.5s", "1e3s", "99999999999999h", "1s2", "1 s", "1S", "one second", "0x10s",
           "1ms1", "9223372036854775808ns", "+1s", "1,5s"]
    for f in [("duration",), ("timeline", 0, "at"), ("nemesis", "start"), ("clients", "think", "min"), ("clients", "timeout")]:
        for v in bad:
            d = base()
            set_path(d, f, v)
            c.add("durations", f"{'.'.join(map(str, f))} = {v!r}", text(d))


def etcd_flags(c, r):
    mutations = [("--initial-cluster ", "--initial-clustr "), ("--name etcd1", "--name etcd1 --name etcd2"),
                 ("http://10.0.0.1:2379 --adv", "http://10.0.0.1:70000 --adv"), ("http://10.0.0.1:2379 --adv", "http://10.0.0.1:-1 --adv"),
                 ("http://10.0.0.1:2379 --adv", "http://10.0.0.1 --adv"), ("http://10.0.0.1:2379 --adv", "ftp://10.0.0.1:2379 --adv"),
                 ("http://10.0.0.1:2379 --adv", "http://[::1]:2379 --adv"), ("--initial-cluster etcd1=", "--initial-cluster etcd1")]
    for a, b in mutations:
        c.add("etcd flags: unknown flag, bad URL, repeated", b[:40], text(base({"name": "etcd1", "host": "A", "flags": ETCD.replace(a, b, 1)})))
    values = ["--heartbeat-interval=abc", "--election-timeout=0", "--heartbeat-interval=2000", "--initial-cluster-state maybe",
              "--snapshot-count -1", "--snapshot-count=abc", "--quota-backend-bytes=-5", "--max-request-bytes=x",
              "--election-timeout=50001", "--heartbeat-interval=0", "--log-level=loud", "--auto-compaction-retention=x",
              "--data-dir", "--initial-cluster-token", "--strict-reconfig-check=maybe", "--enable-v2=yes", "--", "-x", "---name=a"]
    for v in values:
        c.add("etcd flags: bad values (etcd refuses at start-up)", v, text(base({"name": "etcd1", "host": "A", "flags": ETCD + " " + v})))
    words = ETCD.split()
    for k in range(30):
        w = list(words)
        op = r.randrange(3)
        i = r.randrange(1, len(w))
        if op == 0:
            del w[i]
        elif op == 1:
            w.insert(i, r.choice(w))
        else:
            w[i] = w[i][: r.randrange(len(w[i]) + 1)]
        c.add("etcd flags: random word edits", f"edit {k}", text(base({"name": "etcd1", "host": "A", "flags": " ".join(w)})))


def docker_lines(c, r):
    edits = [("--name etcd1", "--name \"a b\""), ("-d", "-d --restrat always"), ("-d", "-d --memory 1zz"),
             ("bitnami/etcd:3.5.18", "bitnami/etcd::3.5"), ("bitnami/etcd:3.5.18", "Bitnami/Etcd:3.5.18"),
             ("-d", "-d --rm --restart always"), ("-d", "-d --user ::::"), ("-d", "-d --entrypoint /bin/sh"),
             ("-d", "-d -v ./data:/bitnami/etcd"), ("bitnami/etcd:3.5.18", "bitnami/etcd:9.9.99"),
             ("-p 2379:2379 -p 2380:2380", "--network host"), ("-p 2379:2379 -p 2380:2380", "--net=host"),
             ("-p 2379:2379", "-p 70000:2379"), ("-p 2379:2379", "-p abc"), ("-d", "-d \"unterminated"),
             ("-d", "-d 'unterminated"), ("-d", "-d $("), ("-d", "-d ${"), ("-d", "-d `x"), ("docker run", "docker runn"),
             ("docker run", "docker"), ("bitnami/etcd:3.5.18", ""), ("-e ETCD_NAME=etcd1", "-e =x"),
             ("-e ETCD_NAME=etcd1", "-e ETCD_NAME=etcd1 -e ETCD_HEARTBEAT_INTERVAL=abc"), ("-d", "-d --cpus x"),
             ("-d", "-d --shm-size 64q"), ("-d", "-d -v :/x"), ("-d", "-d --network none")]
    for a, b in edits:
        c.add("docker run lines", b[:40] or "no image",
              text(base({"name": "etcd1", "host": "A", "docker": DOCKER.replace(a, b, 1)})))
    words = DOCKER.split()
    for k in range(30):
        w = list(words)
        i = r.randrange(2, len(w))
        op = r.randrange(3)
        if op == 0:
            del w[i]
        elif op == 1:
            w.insert(i, r.choice(["-e", "-p", "-v", "--name", "--", "-", "\\", "|", "&&", "$X", "${X:-y}", "\"", "'"]))
        else:
            w[i] = w[i][: r.randrange(len(w[i]) + 1)]
        c.add("docker run lines: random word edits", f"edit {k}", text(base({"name": "etcd1", "host": "A", "docker": " ".join(w)})))


def etcdctl(c, r):
    good = ["put /k v", "get /k", "member list", "endpoint status -w table", "member add e2 --peer-urls=http://10.0.0.2:2380",
            "member remove 8e9e05c52164694d", "del /k", "endpoint health"]
    bad = ["", " ", "put", "put /k", "get", "member", "member add", "member add e2", "member remove", "member remove zz",
           "endpoint", "endpoint status -w yaml", "frobnicate", "put /k v --lease=x", "-w table", "--endpoints=x get /k",
           "get /k --prefix --limit=-1", "put /k \"unterminated", "member add e2 --peer-urls=notaurl", "\x00", "get " + "k" * 5000]
    for cmd in bad:
        tl = [{"at": "0s", "start": ["etcd1"]}, {"at": "2s", "etcdctl": cmd, "endpoints": ["etcd1"]}]
        c.add("etcdctl commands", repr(cmd[:30]), text(base(timeline=tl)))
    for k in range(30):
        cmd = list(r.choice(good))
        for _ in range(r.randint(1, 3)):
            i = r.randrange(len(cmd) + 1)
            cmd.insert(i, r.choice(" -=/\"'\\$xZ9"))
        tl = [{"at": "0s", "start": ["etcd1"]}, {"at": "2s", "etcdctl": "".join(cmd), "endpoints": ["etcd1"]}]
        c.add("etcdctl commands: random edits", f"edit {k}", text(base(timeline=tl)))
    for eps in [[], ["etcd9"], ["http://10.0.0.9:2379"], "etcd1", [1]]:
        tl = [{"at": "0s", "start": ["etcd1"]}, {"at": "2s", "etcdctl": "get /k", "endpoints": eps}]
        c.add("etcdctl commands", f"endpoints {json.dumps(eps)}", text(base(timeline=tl)))


def failure_headers(c, r):
    body = text(base())
    heads = ['{"seed": 18446744073709551616}', '{"seed": -1}', '{"seed": 1.5}', '{"seed": "3"}', '{"seed": 3',
             '[1]', '{"planted_bugs": ["nope"]}', '{"planted_bugs": "x"}', '{"trace_level": "loud"}',
             '{"trace_level": 3}', '{"checkers": 1}', '{"trace_sha256": 5}', '', '{}garbage', '{"seed": 1e400}']
    for h in heads:
        for verb in ("replay", "shrink"):
            c.add("failure-file headers", f"{verb} {h[:30]}", f"// raftlab-lab {h}\n{body}", args=(verb, "{F}"))


def cli_args(c, r, tmp):
    f = os.path.join(tmp, "good.json")
    with open(f, "w") as fh:
        fh.write(text(base()))
    plain = os.path.join(tmp, "plain")
    open(plain, "w").write("x")
    fifo = os.path.join(tmp, "fifo.json")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    argvs = [["run"], ["run", f, "--seed", "abc"], ["run", f, "--seed", "-1"], ["run", f, "--seed", "18446744073709551616"],
             ["run", f, "--seed", "99999999999999999999"], ["run", f, "--trace-level", "loud"], ["run", f, "--bogus"],
             ["run", "/nonexistent.json"], ["run", tmp], ["run", "/dev/null"], ["run", fifo], ["status", f],
             ["status", f, "--at", "1x"], ["status", f, "--at", "-1s"], ["frobnicate"], [], ["fuzz", f],
             ["fuzz", f, "--seeds", "0"], ["fuzz", f, "--seeds", "-3"], ["fuzz", f, "--seeds", "100000001"],
             ["fuzz", f, "--seeds", "2", "--shard", "0/3"], ["fuzz", f, "--seeds", "2", "--shard", "4/3"],
             ["fuzz", f, "--seeds", "2", "--jobs", "1000"], ["fuzz", f, "--seeds", "2", "--plant-bug", "nope"],
             ["fuzz", f, "--seeds", "1", "--first-seed", "18446744073709551615"],
             ["fuzz", f, "--seeds", "2", "-q", "--out", os.path.join(plain, "sub")], ["fuzz", fifo, "--seeds", "1"],
             ["replay", f, "--expect-hash", "zz"], ["replay", f, "--plant-bug", "x", "--without-bugs"],
             ["merge", "/dev/zero"], ["merge", f], ["shrink", f], ["shrink", f, "--max-runs", "0"],
             ["run", f, "--trace", os.path.join(tmp, "no", "t.jsonl")], ["run", f, "--trace", os.path.join(plain, "t")],
             ["run", f, "--trace", tmp], ["run", f, "--trace", "/dev/full"], ["run", f, "--max-events", "0"],
             ["run", f, "--max-events", "abc"], ["run", f, "--max-events", "100"], ["report", f, "--out", tmp],
             ["compare", f], ["orders", f, "--bogus"]]
    for a in argvs:
        c.add("command-line arguments", " ".join(x.replace(tmp, "T") for x in a)[:60], None, args=a, kind="argv")


CLASSES = [json_syntax, schema, numbers, durations, etcd_flags, docker_lines, etcdctl, failure_headers]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raftlab")
    ap.add_argument("--show", default="")
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    a.raftlab = os.path.abspath(a.raftlab)
    r = random.Random(24)
    tmp = tempfile.mkdtemp(prefix="raftlab_badinput_")
    c = Cases(r)
    for gen in CLASSES:
        gen(c, r)
    cli_args(c, r, tmp)
    rows = {}
    order = []
    broken = []
    for n, (cls, label, content, args, kind) in enumerate(c.items):
        path = os.path.join(tmp, f"case-{n}.json")
        if kind == "file":
            with open(path, "wb") as fh:
                fh.write(content if isinstance(content, bytes) else content.encode())
        argv = [a.raftlab] + [x.replace("{F}", path) for x in args]
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=a.timeout, cwd=tmp)
            code = p.returncode
            err = p.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired:
            code, err = "hang", ""
        if isinstance(code, int) and code < 0:
            code = f"signal {-code}"
        bad = code in (3, "hang") or isinstance(code, str) or (code == 2 and "internal error" in err)
        # --trace /dev/full is an output that cannot be written: exit 3 is its promise.
        if code == 3 and "/dev/full" in " ".join(args):
            bad = False
        if cls not in rows:
            rows[cls] = {}
            order.append(cls)
        rows[cls][code] = rows[cls].get(code, 0) + 1
        if bad:
            broken.append((cls, label, code, err.strip().splitlines()[:1]))
        if a.show and a.show in cls:
            first = err.strip().splitlines()[0] if err.strip() else ""
            print(f"{code!s:>4}  {label}: {first[:150]}")
        if kind == "file":
            os.unlink(path)
    codes = [0, 1, 2, 3]
    print("| class | cases | exit 0 | exit 1 | exit 2 | exit 3 | crash / hang / \"internal error\" |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    total = {k: 0 for k in codes}
    nb_total = 0
    for cls in order:
        row = rows[cls]
        n = sum(row.values())
        nb = sum(1 for b in broken if b[0] == cls)
        nb_total += nb
        for k in codes:
            total[k] += row.get(k, 0)
        print(f"| {cls} | {n} | " + " | ".join(str(row.get(k, 0)) for k in codes) + f" | {nb} |")
    print(f"| **all** | {len(c.items)} | " + " | ".join(str(total[k]) for k in codes) + f" | {nb_total} |")
    for cls, label, code, first in broken:
        print(f"\nBROKEN: {cls}: {label}: exit {code}: {first}", file=sys.stderr)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
