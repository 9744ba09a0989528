"""Browsers as WebSocket clients under test. `wsprobe test-client` serves at "/" a page whose script
runs Autobahn's client protocol with the browser's own WebSocket API; `wsprobe test-client --browser
NAME` starts the browser headless on it and exits with the verdict after the page's /updateReports.
Each browser runs the client cases once, and every verdict must equal its golden
(conformance/golden/browsers/<name>.json, the panel's baseline format; "library" names the browser
version the golden was taken with, as the page reports it). --regen-goldens rewrites them.

Here rather than in harness/test/: like the server and client panels, this judges third-party
implementations against goldens, with the same helpers (goldens.py) and options (--peer chromium,
--regen-goldens), and CI runs it with them. The first tests need no browser: the page itself."""
import http.client
import json
import os
import re
import subprocess
import time
import urllib.parse

import pytest

from cases import load_cases, param
from conftest import HERE, ROOT, client_deflate_left_out
from goldens import (accepted_for, check_golden_explains_every_non_ok_verdict, check_verdict, load_golden,
                     selected, verdict, write_goldens)
from processes import start, stop

# "library" is filled in from the run: the browser's --version, and the agent the page named.
BROWSERS = [{"name": "chromium", "library": "Chromium"}, {"name": "firefox", "library": "Firefox"}]
CASES = [c for c in load_cases() if "client" in c["roles"]]
GOLDEN = os.path.join(HERE, "golden", "browsers")
REPORTS = os.path.join(ROOT, "reports", "browsers")
PAGE = os.path.join(ROOT, "harness", "commands", "client_page.html")
RUN_TIMEOUT = 900  # seconds for one browser's whole run (wsprobe's --browser-timeout)
regenerated = {}


def plain_get(url, path):
    """A GET without Upgrade on the test-client port: (status, content type, body)."""
    where = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def test_client_url(wsprobe):
    proc, url = start([wsprobe, "test-client", "--port", "0"])
    yield url
    stop(proc)


def test_the_page_is_served_at_root(test_client_url):
    status, content_type, body = plain_get(test_client_url, "/")
    assert status == 200
    assert content_type.startswith("text/html")
    with open(PAGE, "rb") as f:
        assert body == f.read()  # the page as embedded at build time


def test_the_page_takes_an_agent_query(test_client_url):
    status, _, body = plain_get(test_client_url, "/?agent=my-browser")
    assert status == 200 and b"getCaseCount" in body


@pytest.mark.parametrize("path", ["/favicon.ico", "/getCaseCount", "/runCase?case=1&agent=x", "/updateReports"])
def test_a_plain_get_of_another_path_is_refused(test_client_url, path):
    status, _, _ = plain_get(test_client_url, path)
    assert 400 <= status < 500, status


def test_a_missing_browser_binary_exits_2(wsprobe, tmp_path):
    run = subprocess.run([wsprobe, "test-client", "--browser", "firefox", "--browser-binary",
                          str(tmp_path / "no-such-firefox")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "no-such-firefox: not an executable" in run.stderr


def test_no_browser_on_path_exits_2_and_names_what_it_tried(wsprobe, tmp_path):
    run = subprocess.run([wsprobe, "test-client", "--browser", "chromium"], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "PATH": str(tmp_path)})
    assert run.returncode == 2
    assert "no chromium on PATH (tried chromium, chromium-browser" in run.stderr


def excluded(case):
    """As in the client panel: the slow cases (seconds of throughput each), the permessage-deflate
    ones unless --client-deflate (conftest.CLIENT_DEFLATE), and the limit cases, since a browser
    has no message size limit of its own to test (RFC 6455 10.4)."""
    return case["slow"] or case["id"].startswith("17.") or client_deflate_left_out(case["id"])


def version(binary):
    """The browser's own word on its version ("Chromium 156.0.8078.114 built on Debian ...",
    "Mozilla Firefox 153.8.0esr"): the page sees only what navigator.userAgent shows."""
    run = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
    return run.stdout.strip().splitlines()[-1] if run.stdout.strip() else os.path.basename(binary)


def test_a_browser_that_exits_early_ends_the_run_with_2(wsprobe):
    run = subprocess.run([wsprobe, "test-client", "--browser", "firefox", "--browser-binary", "/bin/false"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "firefox exited with status 1 before /updateReports" in run.stderr


def test_a_browser_that_never_reports_is_stopped_with_its_children_at_the_timeout(wsprobe, tmp_path):
    fake = tmp_path / "fake-chromium"
    child = tmp_path / "child.pid"
    # A "browser" that starts a child and waits: both must be gone when wsprobe exits.
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {child}\nwait\n")
    fake.chmod(0o755)
    run = subprocess.run([wsprobe, "test-client", "--browser", "chromium", "--browser-binary", str(fake),
                          "--browser-timeout", "2"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "chromium did not finish within 2 s (--browser-timeout)" in run.stderr
    pid = int(child.read_text())
    # Killed by wsprobe (SIGTERM to the group, then SIGKILL); its last reaping is init's, hence
    # the bounded wait, where a zombie counts as gone.
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), f"the fake browser's child {pid} outlived wsprobe"


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def run_browser(wsprobe, browser, out_dir, only=None, extra=()):
    """`wsprobe test-client --browser NAME`: (library, case id -> index.json entry, seconds). The
    per-case reports go to out_dir/<name>/. only: run just these case ids; extra: more options."""
    name = browser["name"]
    selection = sum((["--cases", c] for c in only), []) if only else sum(
        (["--exclude", c["id"]] for c in CASES if excluded(c)), [])
    out = os.path.join(out_dir, f"{name}.json")
    began = time.monotonic()
    run = subprocess.run([wsprobe, "test-client", "--browser", name, "--browser-timeout", str(RUN_TIMEOUT),
                          "--json", out, "--report-dir", os.path.join(out_dir, name), *extra, *selection],
                         capture_output=True, text=True, timeout=RUN_TIMEOUT + 60)
    seconds = time.monotonic() - began
    if run.returncode == 2 and f"no {name} on PATH" in run.stderr:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing: ci/setup installs it")
        pytest.skip(f"{name} is not installed (ci/setup installs it; CI does not skip this test)")
    if run.returncode == 2 or not os.path.exists(out):
        raise RuntimeError(f"no report from {name}'s run (exit {run.returncode}): {run.stderr[-3000:]}")
    with open(out) as f:
        index = json.load(f)
    assert len(index) == 1, f"one agent expected, the page ran as {sorted(index)}"
    agent, results = next(iter(index.items()))
    binary = re.search(r"^starting (\S+) on ", run.stdout, re.M).group(1)
    return f"{version(binary)}, headless (page agent {agent})", results, seconds


@pytest.fixture(scope="session")
def browser_results(wsprobe, tmp_path_factory, request):
    """Runs each browser once, when its first verdict is asked for (one at a time: a browser
    takes both cores). Returns a function browser -> results, with .rerun and .out_dir."""
    out_dir = str(tmp_path_factory.mktemp("browsers"))
    runs, seconds = {}, {}

    def results(browser):
        name = browser["name"]
        if name not in runs:
            browser["library"], got, seconds[name] = run_browser(wsprobe, browser, out_dir)
            os.makedirs(REPORTS, exist_ok=True)  # kept for ci/matrix.py
            with open(os.path.join(REPORTS, f"{name}.json"), "w") as f:
                json.dump({name: got}, f, indent=1)
            runs[name] = got
        return runs[name]

    def rerun(browser, case_id):
        again = str(tmp_path_factory.mktemp("browser-rerun"))
        return run_browser(wsprobe, browser, again, only=[case_id])[1][case_id]

    results.rerun = rerun
    results.out_dir = out_dir
    yield results
    report = request.config.pluginmanager.get_plugin("terminalreporter")
    if report and seconds:  # past the output capture: CI's log keeps the figure
        with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
            report.write_sep("-", "browsers' runs: " + ", ".join(f"{n} {s:.1f} s" for n, s in seconds.items()))


@pytest.mark.panel
@pytest.mark.parametrize("browser", [pytest.param(b, id=b["name"]) for b in BROWSERS])
def test_browser_golden_explains_every_non_ok_verdict(browser, request):
    if not selected(request.config, browser):
        pytest.skip("not selected with --peer")
    check_golden_explains_every_non_ok_verdict(GOLDEN, browser)


@pytest.mark.panel
@pytest.mark.parametrize("browser,case", [param(c, b) for b in BROWSERS for c in CASES])
def test_browser_verdict_matches_golden(browser, case, browser_results, request):
    if not selected(request.config, browser):
        pytest.skip("not selected with --peer")
    results = browser_results(browser)
    if excluded(case):
        pytest.skip(f"{case['id']} is excluded for browsers (slow, deflate, or no message limit)")
    assert case["id"] in results, f"{browser['name']} did not run {case['id']}"
    taken_with = load_golden(GOLDEN, browser).get("library")
    try:
        check_verdict(request, GOLDEN, regenerated, browser, case, results,
                      os.path.join(browser_results.out_dir, browser["name"]), browser_results.rerun)
    except AssertionError as e:
        if taken_with == browser["library"]:
            raise
        raise AssertionError(f"{e} The golden was taken with {taken_with}; this is {browser['library']}.") from None


@pytest.fixture(scope="session")
def certificate_chain(tmp_path_factory):
    """A CA and a server certificate for 127.0.0.1 signed by it, as a real deployment has them:
    (chain file: server certificate then CA, server key). Firefox takes only a CA as an anchor."""
    d = tmp_path_factory.mktemp("browser-tls")

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60, cwd=d)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=wsprobe test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
            "-keyout", "ca.key", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
            "-out", "server.csr")
    (d / "server.ext").write_text("basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\n"
                                  "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "1", "-extfile", "server.ext", "-out", "server.pem")
    (d / "chain.pem").write_text((d / "server.pem").read_text() + (d / "ca.pem").read_text())
    return str(d / "chain.pem"), str(d / "server.key")


def wss_selection():
    """The first case of each area the browsers run: over wss, TLS changes how the bytes arrive,
    not what the browser must do, so each verdict must be one its ws golden accepts."""
    first = {}
    for case in CASES:
        if not excluded(case):
            first.setdefault(case["area"], case["id"])
    return list(first.values())


@pytest.mark.panel
@pytest.mark.parametrize("browser", [pytest.param(b, id=b["name"]) for b in BROWSERS])
def test_browser_over_wss_gives_the_verdicts_of_its_golden(browser, wsprobe, certificate_chain, tmp_path,
                                                           request):
    if not selected(request.config, browser):
        pytest.skip("not selected with --peer")
    chain, key = certificate_chain
    ids = wss_selection()
    _, results, seconds = run_browser(wsprobe, dict(browser), str(tmp_path), only=ids,
                                      extra=["--cert", chain, "--key", key])
    print(f"\n{browser['name']} over wss: {len(ids)} cases in {seconds:.1f} s")
    golden = load_golden(GOLDEN, browser)
    wrong = {}
    for cid in ids:
        assert cid in results, f"{browser['name']} did not run {cid} over wss"
        want, _ = accepted_for(golden, cid)
        got = verdict(results[cid])
        if got not in want:
            wrong[cid] = f"{got}, golden {want}: {results[cid].get('reason', '')[:300]}"
    assert not wrong, f"{browser['name']} over wss: {wrong}"


@pytest.fixture(scope="session", autouse=True)
def write_regenerated_browser_goldens(request):
    yield
    if request.config.getoption("--regen-goldens") or request.config.getoption("--merge-goldens"):
        write_goldens(GOLDEN, regenerated)
