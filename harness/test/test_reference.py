"""The reference server and client: wsprobe test-server grades wsprobe serve, over ws and wss;
serve answers plain HTTP and stops on SIGTERM; connect's exit codes; and python3-websockets gets
the verdicts its own project documents for Autobahn."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import HERE, start_server, stop_server

ROOT = os.path.dirname(os.path.dirname(HERE))


def server_cases(wsprobe):
    """The catalogue's server cases as the binary loads them: {id: case}."""
    dump = json.loads(subprocess.run([wsprobe, "cases", "--json"], capture_output=True, text=True,
                                     timeout=60, check=True).stdout)
    return {c["id"]: c for c in dump["cases"] if "server" in c["roles"]}


def test_whole_catalogue_against_the_reference_server_has_no_failure(wsprobe, reference_server, tmp_path, request):
    _, url = reference_server()
    out = tmp_path / "index.json"
    # Autobahn's slow compression cases (12.x/13.x with 4-128 KiB messages, 1000 each) move about
    # 12 GB: they are run and timed on their own (test_deflate_cases.py runs a case of each group).
    deflate_slow = [cid for cid, c in server_cases(wsprobe).items() if c["slow"] and cid.split(".")[0] in ("12", "13")]
    argv = [wsprobe, "test-server", url, "--agent", "wsprobe", "--jobs", "2", "--json", str(out),
            "--junit", str(tmp_path / "junit.xml"), "--report-dir", str(tmp_path / "html"),
            *[a for cid in deflate_slow for a in ("--exclude", cid)]]

    def run():
        started = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        return proc, time.monotonic() - started

    proc, elapsed = run()
    budget = request.config.getoption("--time-budget")
    if budget is not None and elapsed >= budget:
        # Confirm before failing: ctest runs other tests on the two cores (a ping flood among
        # them); one slow run over the budget is the machine's, a second one is the tester's.
        print(f"the catalogue took {elapsed:.1f} s, over {budget:.0f} s: running it again to confirm")
        proc, elapsed = run()
    results = json.loads(out.read_text())["wsprobe"]
    assert proc.returncode == 0, proc.stdout[-3000:]
    # Every server case, the other slow ones included.
    assert len(results) == len(server_cases(wsprobe)) - len(deflate_slow)
    informational = {cid for cid, r in results.items() if r["behavior"] == "INFORMATIONAL"}
    assert informational == {"7.1.6", "7.13.1", "7.13.2", "15.2.1", "15.2.2"}
    assert all(r["behavior"] == "OK" for cid, r in results.items() if cid not in informational)
    assert results["6.4.1"]["remoteCloseCode"] == 1007  # fail-fast UTF-8
    assert results["17.1.1"]["remoteCloseCode"] == 1009
    assert (tmp_path / "html" / "index.html").exists()
    assert "<testsuite" in (tmp_path / "junit.xml").read_text()
    if budget is not None:
        assert elapsed < budget, f"the catalogue took {elapsed:.1f} s, twice over the budget"


def test_reference_server_over_wss(wsprobe, reference_server, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    _, url = reference_server("--cert", str(cert), "--key", str(key))
    assert url.startswith("wss://")
    proc = subprocess.run([wsprobe, "test-server", url, "--cases", "1.*", "--cases", "6.4.*", "--cases", "7.9.*",
                           "--ca", str(cert), "--jobs", "2"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    echo = subprocess.run([wsprobe, "connect", url.replace("127.0.0.1", "localhost"), "--ca", str(cert), "-t", "over tls"],
                          capture_output=True, text=True, timeout=30)
    assert echo.returncode == 0, echo.stderr
    assert echo.stdout.strip() == "over tls"


def test_reference_server_answers_plain_http_on_the_same_port(reference_server):
    _, url = reference_server()
    with urllib.request.urlopen(url.replace("ws://", "http://"), timeout=10) as page:
        assert page.status == 200
        assert "wsprobe reference echo server" in page.read().decode()


def test_reference_server_stops_cleanly_on_sigterm(wsprobe):
    proc, _ = start_server([wsprobe, "serve", "--port", "0"])
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def test_connect_echoes_and_exits_0_on_a_clean_close(wsprobe, reference_server):
    _, url = reference_server()
    proc = subprocess.run([wsprobe, "connect", url, "-t", "one", "-b", "00ff"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["one", "binary hex 00ff (2 bytes)"]
    assert "closed: 1000" in proc.stderr


def test_connect_reads_messages_from_stdin(wsprobe, reference_server):
    _, url = reference_server()
    proc = subprocess.run([wsprobe, "connect", url, "--stdin"], input="a\nb\n", capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["a", "b"]


def test_connect_exits_1_when_the_server_fails_the_connection(wsprobe, reference_server):
    _, url = reference_server("--max-message-size", "10")
    proc = subprocess.run([wsprobe, "connect", url, "-t", "more than ten bytes"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert "closed: 1009" in proc.stderr


def test_connect_exits_2_on_a_bad_url_or_no_server(wsprobe):
    assert subprocess.run([wsprobe, "connect", "http://x/"], capture_output=True, timeout=30).returncode == 2
    assert subprocess.run([wsprobe, "connect", "ws://127.0.0.1:1/"], capture_output=True, timeout=30).returncode == 2


# python-websockets' compliance/README.rst: "In 3.2, 3.3, 4.1.3, 4.1.4, 4.2.3, 4.2.4, and 5.15
# websockets notices the protocol error and closes the connection before it has had a chance to
# echo the previous frame. In 6.4.3 and 6.4.4 ... doesn't notice the invalid utf-8 fast enough".
DOCUMENTED_NON_STRICT = {"3.2", "3.3", "4.1.3", "4.1.4", "4.2.3", "4.2.4", "5.15", "6.4.2", "6.4.3", "6.4.4"}


def test_python_websockets_gets_the_verdicts_its_project_documents(wsprobe, tmp_path):
    pytest.importorskip("websockets", reason="python3-websockets is installed by ci/setup")
    shim = os.path.join(ROOT, "conformance", "peers", "python-websockets", "echo_server.py")
    proc, url = start_server([sys.executable, shim, "0"])
    try:
        out = tmp_path / "index.json"
        slow = [a for cid, c in server_cases(wsprobe).items() if c["slow"] for a in ("--exclude", cid)]
        # Its permessage-deflate verdicts are the panel's business (12.x, 13.x, 18.x).
        deflate = ["--exclude", "12.*", "--exclude", "13.*", "--exclude", "18.*"]
        run = subprocess.run([wsprobe, "test-server", url, "--agent", "python-websockets", "--jobs", "2",
                              "--limit", str(2**25), *slow, *deflate, "--json", str(out)],
                             capture_output=True, text=True, timeout=300)
    finally:
        stop_server(proc)
    results = json.loads(out.read_text())["python-websockets"]
    autobahn = {cid: r for cid, r in results.items() if int(cid.split(".")[0]) <= 13}
    assert len(autobahn) == 247 + 18  # categories 1-7 and 10, and category 9 less its slow cases
    non_strict = {cid for cid, r in autobahn.items() if r["behavior"] == "NON-STRICT"}
    assert non_strict <= DOCUMENTED_NON_STRICT, run.stdout[-2000:]
    assert {"6.4.3", "6.4.4"} <= non_strict
    assert {cid for cid, r in autobahn.items() if r["behavior"] == "INFORMATIONAL"} == {"7.1.6", "7.13.1", "7.13.2"}
    assert all(r["behavior"] in ("OK", "NON-STRICT", "INFORMATIONAL") for r in autobahn.values()), run.stdout[-2000:]
    # Its known defects, which Autobahn never tests: a version mismatch gets 400 without
    # Sec-WebSocket-Version (models.md), and a missing or repeated Host is accepted.
    failed = {cid for cid, r in results.items() if r["behavior"] == "FAILED"}
    assert failed == {"14.2.1", "14.2.2", "14.6.1", "14.6.2"}
    assert run.returncode == 1


def test_autobahn_spec_file_drives_the_run_and_gets_autobahns_index_json(wsprobe, reference_server, tmp_path):
    _, url = reference_server()
    outdir = tmp_path / "servers"
    spec = tmp_path / "fuzzingclient.json"
    spec.write_text(json.dumps({"outdir": str(outdir), "servers": [{"agent": "Ref Server", "url": url}],
                                "cases": ["1.1.*", "7.9.1"], "exclude-cases": ["1.1.8"]}))
    proc = subprocess.run([wsprobe, "test-server", "--spec", str(spec)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout
    index = json.loads((outdir / "index.json").read_text())
    assert sorted(index["Ref Server"]) == ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "7.9.1"]
    entry = index["Ref Server"]["7.9.1"]
    assert set(entry) == {"behavior", "behaviorClose", "duration", "remoteCloseCode", "reportfile"}
    assert entry["reportfile"] == "ref_server_case_7_9_1.json"
    assert entry["remoteCloseCode"] == 1002
    assert json.loads((outdir / entry["reportfile"]).read_text())["wirelog"]
