"""Fixtures for the conformance driver: the wsprobe binary, the reference server, and the panel
of third-party servers (conformance/peers/peers.json), each started on a free loopback port,
waited for by its readiness line, and stopped by pid."""
import concurrent.futures
import fnmatch
import json
import os
import subprocess

import pytest

import cases
from processes import start, stop  # noqa: F401  (tests import them from here)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS = os.path.join(HERE, "peers")


# What CI leaves out of every panel run (server, client), with CI=true: the performance area's
# 1000-message round trips and 64 KiB-1 MiB echoes measure the peer's speed, not a rule, and cost
# each Python peer a minute on CI's two cores. The full panel runs without CI=true.
# permessage-deflate: Autobahn's 12.x/13.x are 1000 round trips each and 18.x is new; the full
# panel (ci/matrix) runs them (less the slow 4-128 KiB rows, left out of every panel run as slow),
# CI runs them only in a deflate peer's deflate run (DEFLATE_CI below) and, against clients, the
# client panel's CLIENT_DEFLATE_CI.
CI_EXCLUDE = ["9.*", "12.*", "13.*", "18.*", "34.*"]

# permessage-deflate (RFC 7692) against servers. A peer whose peers.json entry has
# "deflate": {"env": {...}} turns deflate on in its shim when started with that env: its main run
# leaves DEFLATE_CASES out (the shim refuses deflate there), and a second run, the shim started
# with deflate on, runs only them (less the slow rows); the two runs' results are merged, so its
# golden holds real verdicts. A peer without the entry answers them UNIMPLEMENTED (no deflate).
DEFLATE_CASES = ["12.*", "13.*", "18.*"]
# With CI=true the deflate run keeps every 18.x case (the RFC 7692 rules: RSV1 use, bad DEFLATE
# data, the offer's parameters) and the first row of each 12.x/13.x group (each offer once, 1000
# messages of 16 bytes): 44 of the 80 non-slow cases. The other rows send the same offer with
# larger messages and gave the same verdict as their group's first row for every deflate peer
# (measured on the first six: about 30 s of their 90 s run one by one; most of the subset's time
# is 18.x timeouts of peers that stop reading). ci/matrix (the full panel) runs every non-slow row.
DEFLATE_CI = ["18.*", "12.*.1", "13.*.1"]

# permessage-deflate against clients (12.x/13.x as test-client runs them, and the client-only 34.x):
# --client-deflate runs them all (less the slow rows) in the client panel and the browsers, CI or
# not. Without it the browsers leave them out (their goldens have no deflate verdicts yet), and so
# does the client panel, but for CLIENT_DEFLATE_CI with CI=true.
CLIENT_DEFLATE = ("12.", "13.", "34.")
_client_deflate = {"run": False}
# With CI=true the client panel keeps every 34.x case (the RFC 7692 rules a client must keep:
# RSV1 use, bad DEFLATE data, the server's answer to its offer) and the first row of each 12.x/13.x
# group (each answer to the client's offer once, 1000 messages of 16 bytes): 23 of the 59 non-slow
# cases. The other rows send larger messages under the same agreement; as with the servers'
# DEFLATE_CI they gave their group's first-row verdict for every client. Clients that offer no
# deflate, or refuse the answer, spend milliseconds on them. The subset adds about 50 s to the
# clients' runs, 10 s to the CI run's wall time (175 to 186 s, three clients at a time); a
# client's own slow deflate cases are in its clients.json ci_exclude (tornado's 34.x hangs).
CLIENT_DEFLATE_CI = ["12.*.1", "13.*.1", "34.*"]


def client_deflate_left_out(case_id):
    """Whether the client panel and the browsers leave this case out (see CLIENT_DEFLATE)."""
    return not _client_deflate["run"] and case_id.startswith(CLIENT_DEFLATE)


def client_panel_left_out(case_id):
    """Whether the client panel leaves this deflate case out: as client_deflate_left_out, but with
    CI=true it keeps CLIENT_DEFLATE_CI."""
    ci = os.environ.get("CI") == "true"
    return client_deflate_left_out(case_id) and not (ci and matches(case_id, CLIENT_DEFLATE_CI))


def ci_excludes(peer, keep=()):
    """--exclude options for CI: CI_EXCLUDE less the patterns in keep (a run that selects those
    cases itself), and the peer's own documented ci_exclude."""
    if os.environ.get("CI") != "true":
        return []
    return [arg for pattern in CI_EXCLUDE + peer.get("ci_exclude", []) if pattern not in keep
            for arg in ("--exclude", pattern)]


def matches(case_id, patterns):
    """Whether a case id matches one of these globs, as wsprobe's --cases and --exclude read them."""
    return any(fnmatch.fnmatchcase(case_id, p) for p in patterns)


def deflate_cases(peer):
    """The case ids of a deflate peer's deflate run: DEFLATE_CASES less the slow rows, with CI=true
    only DEFLATE_CI less the peer's ci_exclude, and only PANEL_CASES when set."""
    ci = os.environ.get("CI") == "true"
    panel = os.environ.get("PANEL_CASES", "").split()
    return [c["id"] for c in cases.load_cases()
            if matches(c["id"], DEFLATE_CASES) and not c["slow"]
            and (not ci or (matches(c["id"], DEFLATE_CI) and not matches(c["id"], peer.get("ci_exclude", []))))
            and (not panel or matches(c["id"], panel))]


def peer_env(peer, build_dir, deflate=False):
    """The environment a peer's build and shim run in: its "env", and its deflate "env" if asked."""
    env = dict(os.environ)
    subst = lambda s: s.replace("{out}", build_dir)
    env.update({k: subst(v) for k, v in peer.get("env", {}).items()})
    if deflate:
        env.update({k: subst(v) for k, v in peer["deflate"]["env"].items()})
    return env


def pytest_addoption(parser):
    parser.addoption("--wsprobe", default=os.environ.get("WSPROBE", os.path.join(ROOT, "build", "default", "harness", "wsprobe")),
                     help="the wsprobe binary (default: build/default/harness/wsprobe)")
    parser.addoption("--regen-goldens", action="store_true",
                     help="rewrite conformance/golden/*.json from this run, keeping existing explanations")
    parser.addoption("--merge-goldens", action="store_true",
                     help="add this run's verdicts to the accepted ones (for cases whose verdict races)")
    parser.addoption("--peer", action="append", default=[], help="run only these panel peers")
    parser.addoption("--client-deflate", action="store_true",
                     help="run the permessage-deflate cases (12.x, 13.x less the slow rows, 34.x) in the client "
                          "panel (CI=true alone runs CLIENT_DEFLATE_CI) and the browsers (whose goldens do not have them yet)")


def pytest_configure(config):
    """Reads the catalogue from the binary and registers one marker per area found in the case
    files, so a new area file never breaks collection (--strict-markers)."""
    _client_deflate["run"] = config.getoption("--client-deflate")
    path = config.getoption("--wsprobe")
    if not os.access(path, os.X_OK):
        raise pytest.UsageError(f"no wsprobe binary at {path}: build it (ci/build default) or pass --wsprobe")
    try:
        cases.read_catalogue(path)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        raise pytest.UsageError(str(e))
    for area, title in sorted(cases.areas().items()):
        config.addinivalue_line("markers", f"{area}: {title} (conformance/cases/, area {area})")


def load_peers():
    with open(os.path.join(PEERS, "peers.json")) as f:
        return json.load(f)["peers"]


@pytest.fixture(scope="session")
def wsprobe(request):
    path = request.config.getoption("--wsprobe")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no wsprobe binary at {path}: build it (ci/build default) or pass --wsprobe")
    return path


@pytest.fixture(scope="session")
def reference_url(wsprobe):
    proc, url = start([wsprobe, "serve", "--port", "0"])
    yield url
    stop(proc)


def run_timeout():
    """The bound on one test-server run, in seconds: CI's subsets take a peer under 5 minutes; a
    full local run keeps the cases a peer's ci_note says take it minutes (mojolicious' 20.5.x
    alone took it past 10 minutes), so it gets 30."""
    return 600 if os.environ.get("CI") == "true" else 1800


def run_catalogue(wsprobe, url, agent, out_dir, extra=(), run="main"):
    """Runs wsprobe test-server and returns its index.json entry for the agent; the per-case
    reports (with each verdict's reason) go to out_dir/<agent>/. run names the index file of one
    of a peer's runs (main, deflate); a selection with no case returns {}."""
    out = os.path.join(out_dir, f"{agent}.json" if run == "main" else f"{agent}.{run}.json")
    proc = subprocess.run([wsprobe, "test-server", url, "--agent", agent, "--jobs", "2", "--json", out,
                           "--report-dir", os.path.join(out_dir, agent), *extra],
                          capture_output=True, text=True, timeout=run_timeout())
    if proc.returncode == 2 and "no case matches the selection" in proc.stderr:
        return {}  # e.g. PANEL_CASES selects only cases this run leaves out
    if proc.returncode == 2 or not os.path.exists(out):
        raise RuntimeError(f"wsprobe test-server could not run against {agent}: {proc.stderr}")
    with open(out) as f:
        return json.load(f)[agent]


@pytest.fixture(scope="session")
def peer_build_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("peers"))


def panel_parallel():
    """How many peers run the catalogue at once (WSPROBE_PANEL_PARALLEL, default 3): a run mostly
    waits on the peer's timers, so three overlap well on two cores; 1 runs them one by one."""
    value = os.environ.get("WSPROBE_PANEL_PARALLEL", "3")
    if not value.isdigit() or int(value) < 1:
        raise pytest.UsageError(f"WSPROBE_PANEL_PARALLEL wants a count of at least 1, got {value!r}")
    return int(value)


def selected_peers(session):
    """The peers the collected panel tests ask for, in collection order."""
    peers = {}
    for item in session.items:
        peer = getattr(item, "callspec", None) and item.callspec.params.get("peer")
        if peer and item.get_closest_marker("panel"):
            peers.setdefault(peer["name"], peer)
    return list(peers.values())


@pytest.fixture(scope="session")
def panel_results(wsprobe, peer_build_dir, tmp_path_factory, request):
    """Runs the catalogue once per peer; returns a function peer -> results. The first call starts
    every selected peer's run in a pool (panel_parallel() at a time) and waits for the one asked."""
    futures = {}
    out_dir = str(tmp_path_factory.mktemp("panel"))
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=panel_parallel())
    request.addfinalizer(lambda: pool.shutdown(wait=True, cancel_futures=True))

    def results(peer):
        if not futures:
            wanted = request.config.getoption("--peer")
            for p in selected_peers(request.session):
                if not wanted or p["name"] in wanted:
                    futures[p["name"]] = pool.submit(run_peer, p)
        if peer["name"] not in futures:
            futures[peer["name"]] = pool.submit(run_peer, peer)
        return futures[peer["name"]].result()

    def run_peer(peer):
        env = peer_env(peer, peer_build_dir)
        subst = lambda s: s.replace("{out}", peer_build_dir)
        if "build" in peer:
            subprocess.run([subst(a) for a in peer["build"]], cwd=PEERS, env=env, check=True,
                           capture_output=True, timeout=600)
        if peer.get("npm") and not os.path.isdir(os.path.join(PEERS, "node", "node_modules")):
            pytest.fail("npm peers are not installed: run ci/setup (npm ci in conformance/peers/node)")
        proc, url = start([subst(a) for a in peer["start"]], env=env, cwd=PEERS)
        try:
            extra = []
            for case in cases.load_cases():
                if case["slow"]:  # the case file says it takes seconds (e.g. 17.1.3, 16 MiB)
                    extra += ["--exclude", case["id"]]
            if peer["limit"]:
                extra += ["--limit", str(peer["limit"])]
            else:
                extra += ["--exclude", "17.*"]
            extra += ci_excludes(peer)  # a peer's ci_note says why its own subset
            if "deflate" in peer:  # the deflate run below has them
                extra += [arg for pattern in DEFLATE_CASES for arg in ("--exclude", pattern)]
            # PANEL_CASES='20.7.*' runs only those cases (a golden update for new cases, with -k).
            for pattern in os.environ.get("PANEL_CASES", "").split():
                extra += ["--cases", pattern]
            got = run_catalogue(wsprobe, url, peer["name"], out_dir, extra)
        finally:
            stop(proc)
        wanted = deflate_cases(peer) if "deflate" in peer else []
        if wanted:
            proc, url = start([subst(a) for a in peer["start"]], env=peer_env(peer, peer_build_dir, True), cwd=PEERS)
            try:
                extra = [arg for cid in wanted for arg in ("--cases", cid)]
                extra += ["--limit", str(peer["limit"])] if peer["limit"] else []
                got.update(run_catalogue(wsprobe, url, peer["name"], out_dir, extra, run="deflate"))
            finally:
                stop(proc)
        # Keep the report for ci/matrix.
        os.makedirs(os.path.join(ROOT, "reports", "panel"), exist_ok=True)
        with open(os.path.join(ROOT, "reports", "panel", f"{peer['name']}.json"), "w") as f:
            json.dump({peer["name"]: got}, f, indent=1)
        return got

    def rerun(peer, case_id):
        """The case alone against a fresh start of the peer, for a verdict that differs from its
        golden: a difference that does not survive a second run is load, not a regression."""
        env = peer_env(peer, peer_build_dir, "deflate" in peer and matches(case_id, DEFLATE_CASES))
        subst = lambda s: s.replace("{out}", peer_build_dir)
        proc, url = start([subst(a) for a in peer["start"]], env=env, cwd=PEERS)
        try:
            extra = ["--cases", case_id]  # run_catalogue gives --jobs
            if peer["limit"]:
                extra += ["--limit", str(peer["limit"])]
            again = run_catalogue(wsprobe, url, peer["name"], out_dir + "-rerun", extra)
        finally:
            stop(proc)
        return again[case_id]

    results.rerun = rerun
    results.out_dir = out_dir
    return results
