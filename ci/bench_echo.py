"""Echo throughput for ci/bench (issue 10 item 4): `wsprobe bench` on one connection against
`wsprobe serve` and against panel peers (conformance/peers/peers.json), at 16 B, 1 KiB and 64 KiB.

Each server is started once, on a free loopback port (its readiness line awaited, bounded). Per
size, the servers are measured in turn, ROUNDS times, alternating their order, so that every
server sees the same machine load; each figure is the median of its rounds. A size where
`wsprobe serve` is under ECHO_RATIO_FLOOR x the best peer is measured again (all servers), up to
--retries times: every attempt is kept, and bench_summary.py judges the size on the best. A run
with a wrong or missing echo is an error whatever the speed.

Usage: bench_echo.py --wsprobe BIN [--peers NAME...] [--seconds S] [--rounds N] [--retries N]
                     [--out DIR] [--summary FILE]
Writes each run's `wsprobe bench --json` to DIR and the summary to FILE (bench_summary.py --echo
prints it). Exit status: 0 when every run completed, 2 when a server could not be built or started.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "conformance", "peers")
sys.path.insert(0, os.path.join(ROOT, "conformance"))
from processes import start, stop  # noqa: E402  (readiness line, bounded; stop by pid)

from bench_summary import ECHO_RATIO_FLOOR, ECHO_SIZES  # noqa: E402


def peer_argv(peer, build_dir):
    """The peer's start command, building it first when it has a build step (once: the binary is
    kept in build_dir and rebuilt only when its source is newer)."""
    subst = lambda s: s.replace("{out}", build_dir)
    if "build" in peer:
        build = [subst(a) for a in peer["build"]]
        out = build[build.index("-o") + 1] if "-o" in build else None
        sources = [os.path.join(PEERS, a) for a in peer["build"] if os.path.exists(os.path.join(PEERS, a))]
        stale = out is None or not os.path.exists(out) or any(
            os.path.getmtime(s) > os.path.getmtime(out) for s in sources)
        if stale:
            print(f"building {peer['name']} ...", flush=True)
            env = dict(os.environ, **{k: subst(v) for k, v in peer.get("env", {}).items()})
            subprocess.run(build, cwd=PEERS, env=env, check=True, capture_output=True, timeout=900)
    return [subst(a) for a in peer["start"]]


def measure(wsprobe, url, size, window, seconds, path):
    proc = subprocess.run([wsprobe, "bench", url, "--size", str(size), "--in-flight", str(window),
                           "--duration", str(seconds), "--json", path],
                          capture_output=True, text=True, timeout=seconds + 60)
    result = json.load(open(path)) if os.path.exists(path) else {}
    return dict(exit=proc.returncode, msgs=result.get("messagesPerSecond", 0.0),
                mbps=result.get("megabytesPerSecond", 0.0),
                p99=result.get("latencyMicroseconds", {}).get("p99", 0.0),
                errors=result.get("errors", 1), detail=(proc.stdout + proc.stderr)[-400:])


def attempt(args, servers, size, window, tag):
    runs = {name: [] for name, _ in servers}
    for r in range(args.rounds):
        order = servers if r % 2 == 0 else servers[::-1]
        for name, url in order:
            path = os.path.join(args.out, f"{name}_{size}_{tag}_{r}.json")
            runs[name].append(measure(args.wsprobe, url, size, window, args.seconds, path))
    figures = {}
    for name, rs in runs.items():
        figures[name] = dict(
            msgs=statistics.median(x["msgs"] for x in rs),
            mbps=statistics.median(x["mbps"] for x in rs),
            p99=statistics.median(x["p99"] for x in rs),
            errors=sum(x["errors"] for x in rs),
            failed=[x["detail"] for x in rs if x["exit"] != 0][:1])
    return figures


def below_floor(figures):
    peers = [f["msgs"] for name, f in figures.items() if name != "wsprobe"]
    return bool(peers) and figures["wsprobe"]["msgs"] < ECHO_RATIO_FLOOR * max(peers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wsprobe", required=True)
    ap.add_argument("--peers", nargs="*", default=["node-ws", "websocketpp", "boost-beast"])
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--retries", type=int, default=1)
    ap.add_argument("--out", default="reports/echo_bench")
    ap.add_argument("--summary", default="reports/echo_bench.json")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "bench-peers"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.build_dir, exist_ok=True)

    panel = {p["name"]: p for p in json.load(open(os.path.join(PEERS, "peers.json")))["peers"]}
    unknown = [n for n in args.peers if n not in panel]
    if unknown:
        print(f"unknown peers: {', '.join(unknown)} (conformance/peers/peers.json)", file=sys.stderr)
        return 2
    procs, servers = [], []
    try:
        proc, url = start([args.wsprobe, "serve", "--port", "0"])
        procs.append(proc)
        servers.append(("wsprobe", url))
        for name in args.peers:
            try:
                proc, url = start(peer_argv(panel[name], args.build_dir), cwd=PEERS)
            except (OSError, RuntimeError, subprocess.SubprocessError) as e:
                print(f"cannot start {name}: {e}", file=sys.stderr)
                return 2
            procs.append(proc)
            servers.append((name, url))
        sizes = []
        for size, window in ECHO_SIZES:
            attempts = [attempt(args, servers, size, window, "a0")]
            for k in range(1, args.retries + 1):
                if not below_floor(attempts[-1]):
                    break
                attempts.append(attempt(args, servers, size, window, f"a{k}"))
            sizes.append(dict(size=size, inFlight=window, attempts=attempts))
    finally:
        for proc in procs:
            stop(proc)
    summary = dict(seconds=args.seconds, rounds=args.rounds, connections=1,
                   servers=[name for name, _ in servers], sizes=sizes)
    with open(args.summary, "w") as f:
        json.dump(summary, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
