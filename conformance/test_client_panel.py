"""The client panel: each third-party WebSocket client (conformance/peers/clients.json, a shim of
a few lines in peers/clients/) runs the client cases of the catalogue against `wsprobe test-client`
over Autobahn's fuzzingserver URL protocol, and every per-case verdict must equal its golden
(conformance/golden/clients/<client>.json, the same baseline format as the server panel's).

Every selected client's run starts when the first test asks for it, WORKERS at a time, each with
its own test-client on its own port; a verdict that differs from the golden is confirmed by the
case alone before failing. Reports go to reports/client-panel/ for ci/matrix.py."""
import concurrent.futures
import json
import os
import subprocess
import time

import pytest

from cases import load_cases, param
from conftest import HERE, PEERS, ROOT, ci_excludes, client_panel_left_out
from goldens import check_golden_explains_every_non_ok_verdict, check_verdict, selected, write_goldens
from processes import start, stop

with open(os.path.join(PEERS, "clients.json")) as f:
    CLIENTS = json.load(f)["clients"]
CASES = [c for c in load_cases() if "client" in c["roles"]]
GOLDEN = os.path.join(HERE, "golden", "clients")
REPORTS = os.path.join(ROOT, "reports", "client-panel")
WORKERS = 3  # CI has 2 cores; the clients mostly wait on the cases' timeouts
RUN_TIMEOUT = 300  # seconds for one client's whole run (the slowest takes about 60 s)
regenerated = {}


def environment(client, build_dir):
    subst = lambda s: s.replace("{out}", build_dir).replace("{peers}", PEERS)
    env = dict(os.environ)
    env.update({k: subst(v) for k, v in client.get("env", {}).items()})
    return env, subst


def build(client, build_dir):
    env, subst = environment(client, build_dir)
    if "build" in client:
        done = subprocess.run([subst(a) for a in client["build"]], cwd=PEERS, env=env, capture_output=True,
                              text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"the build of {client['name']} failed: {done.stderr[-2000:]}")
    if client.get("npm") and not os.path.isdir(os.path.join(PEERS, "node", "node_modules")):
        raise RuntimeError("npm clients are not installed: run ci/setup (npm ci in conformance/peers/node)")


def run_client(wsprobe, client, build_dir, out_dir, only=None):
    """Runs test-client with the client's shim; returns its index.json entry (case id -> result).
    The per-case reports go to out_dir/<client>/. only: run just these case ids."""
    env, subst = environment(client, build_dir)
    name = client["name"]
    if only:
        selection = sum((["--cases", c] for c in only), [])
    else:
        selection = sum((["--exclude", c["id"]] for c in CASES if c["slow"] or client_panel_left_out(c["id"])), [])
        selection += sum((["--exclude", c] for c in client.get("exclude", [])), [])
        selection += ci_excludes(client, keep=("12.*", "13.*", "34.*"))  # client_panel_left_out picks them
    if client["limit"]:
        selection += ["--limit", str(client["limit"])]
    elif not only:
        selection += ["--exclude", "17.*"]  # no message limit to test
    out = os.path.join(out_dir, f"{name}.json")
    tester, url = start([wsprobe, "test-client", "--port", "0", "--exit-after-report", "--json", out,
                         "--report-dir", os.path.join(out_dir, name), *selection])
    shim = None
    try:
        shim = subprocess.run([*(subst(a) for a in client["start"]), url, name], cwd=PEERS, env=env,
                              capture_output=True, text=True, timeout=RUN_TIMEOUT)
        tester.wait(timeout=10)  # it writes the reports before answering /updateReports, then exits
    except subprocess.TimeoutExpired as e:
        why = (f"did not finish its run within {e.timeout} s" if shim is None else
               f"exited ({shim.returncode}) without calling /updateReports: {shim.stderr[-2000:]}")
        raise RuntimeError(f"{name} {why}") from e
    finally:
        stop(tester)
    if tester.returncode == 2 or not os.path.exists(out):
        raise RuntimeError(f"no report from the run of {name} (shim exit {shim.returncode}): "
                           f"{shim.stderr[-2000:]}{''.join(tester.tail)[-2000:]}")
    with open(out) as f:
        return json.load(f)[name]


def wanted_clients(session):
    """The clients whose verdict tests this session runs (after -k, -m and --peer)."""
    names = set()
    for item in session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.module.__name__ == __name__ and "client" in params and "case" in params:
            names.add(params["client"]["name"])
    return [c for c in CLIENTS if c["name"] in names and selected(session.config, c)]


@pytest.fixture(scope="session")
def client_panel_results(wsprobe, tmp_path_factory, request):
    """Starts every wanted client's run at once, WORKERS at a time; returns a function client ->
    results (waiting for that run), with .rerun(client, case_id) and .out_dir."""
    build_dir = str(tmp_path_factory.mktemp("clients"))
    out_dir = str(tmp_path_factory.mktemp("client-panel"))
    seconds = {}

    def full_run(client):
        began = time.monotonic()
        build(client, build_dir)
        built = time.monotonic()
        results = run_client(wsprobe, client, build_dir, out_dir)
        seconds[client["name"]] = (time.monotonic() - built, built - began)
        os.makedirs(REPORTS, exist_ok=True)  # kept for ci/matrix.py
        with open(os.path.join(REPORTS, f"{client['name']}.json"), "w") as f:
            json.dump({client["name"]: results}, f, indent=1)
        return results

    began = time.monotonic()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS)
    # Under pytest-xdist each worker runs only the clients its tests ask for, when they ask.
    prefetch = [] if hasattr(request.config, "workerinput") else wanted_clients(request.session)
    runs = {c["name"]: pool.submit(full_run, c) for c in prefetch}

    def results(client):
        if client["name"] not in runs:
            runs[client["name"]] = pool.submit(full_run, client)
        try:
            return runs[client["name"]].result()
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            # A fresh failure per test: re-raising the future's exception would grow its traceback.
            pytest.fail(f"the run of {client['name']} failed: {e}", pytrace=False)

    def rerun(client, case_id):
        again = str(tmp_path_factory.mktemp("client-rerun"))
        return run_client(wsprobe, client, build_dir, again, only=[case_id])[case_id]

    results.rerun = rerun
    results.out_dir = out_dir
    yield results
    pool.shutdown(wait=True, cancel_futures=True)
    total = time.monotonic() - began
    plugins = request.config.pluginmanager
    report, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if report and capture and seconds:
        lines = [f"  {name}: {run:.1f} s" + (f" (+ {build:.1f} s to build)" if build >= 0.1 else "")
                 for name, (run, build) in sorted(seconds.items(), key=lambda kv: -kv[1][0])]
        with capture.global_and_fixture_disabled():  # teardown output is captured otherwise
            report.write_line(f"\nclient panel: {len(seconds)} clients, {WORKERS} at a time, {total:.1f} s wall\n"
                              + "\n".join(lines))


@pytest.mark.panel
@pytest.mark.client_panel
@pytest.mark.parametrize("client", [pytest.param(c, id=c["name"]) for c in CLIENTS])
def test_client_golden_explains_every_non_ok_verdict(client, request):
    if not selected(request.config, client):
        pytest.skip("not selected with --peer")
    check_golden_explains_every_non_ok_verdict(GOLDEN, client)


@pytest.mark.panel
@pytest.mark.client_panel
@pytest.mark.parametrize("client,case", [param(c, p) for p in CLIENTS for c in CASES])
def test_client_verdict_matches_golden(client, case, client_panel_results, request):
    if not selected(request.config, client):
        pytest.skip("not selected with --peer")
    results = client_panel_results(client)
    if case["id"] not in results:
        pytest.skip(f"{case['id']} is excluded for {client['name']} (slow, no message limit, or in its 'exclude')")
    check_verdict(request, GOLDEN, regenerated, client, case, results,
                  os.path.join(client_panel_results.out_dir, client["name"]), client_panel_results.rerun)


@pytest.fixture(scope="session", autouse=True)
def write_regenerated_client_goldens(request):
    yield
    if request.config.getoption("--regen-goldens") or request.config.getoption("--merge-goldens"):
        write_goldens(GOLDEN, regenerated)
