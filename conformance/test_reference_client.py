"""The reference client, graded by the reference server in the tester's seat (wsprobe test-client,
Autobahn's fuzzingserver protocol): every client case of the catalogue, with the close codes the
client must send (1007 for invalid UTF-8 in a text message or close reason, 1009 over the limit,
1002 for protocol errors and invalid close codes, 1000/1001 echoed); then both directions over
wss with a throwaway certificate."""
import json
import os
import subprocess

import pytest

from cases import confirm_failures, failed, load_cases, param
from conftest import start, stop

#Autobahn's slow compression rows (12.x/13.x with 4-128 KiB messages) are left out, as
#test_reference.py leaves them out against the server : 216 cases took 843 s against this client.
def not_slow_deflate(case):
    return not (case["slow"] and case["area"] == "deflate")


CLIENT_CASES = [c for c in load_cases() if "client" in c["roles"] and not_slow_deflate(c)]
#Autobahn's accept functions for 13.2, 13.5 and 13.6 ask for client_no_context_takeover only of a
#client that offered it(RFC 7692 7.1.1.2) : the reference client offers it for the deflate cases.
DEFLATE_OFFER = ["--deflate-client-no-context-takeover"]
# 34.4.1 answers client_max_window_bits to an offer without it(RFC 7692 7.1.2.2) : it needs an
#offer that leaves it out, which the reference client's default offer does not.
CASE_OFFER = {"34.4.1": ["--deflate-no-client-max-window-bits"]}


@pytest.fixture(scope="session")
def test_client(wsprobe, tmp_path_factory):
    out = tmp_path_factory.mktemp("test-client")
    proc, url = start([wsprobe, "test-client", "--port", "0", "--json", str(out / "index.json")])
    yield url, out / "index.json"
    stop(proc)


def client_verdict(wsprobe, url, index, case_id, agent="wsprobe-connect", extra=()):
    subprocess.run([wsprobe, "connect", f"{url}runCase?casetuple={case_id}&agent={agent}", "--echo", *extra],
                   capture_output=True, timeout=60)
    subprocess.run([wsprobe, "connect", f"{url}updateReports?agent={agent}", *extra], capture_output=True, timeout=60)
    return json.loads(index.read_text())[agent][case_id]


EXPECTED_CLIENT_CODES = {"6.3.1": 1007, "7.5.1": 1007, "17.1.1": 1009, "2.5": 1002, "15.1.1": 1002,
                         "7.9.1": 1002, "7.9.5": 1002, "7.7.1": 1000, "7.7.2": 1001, "7.7.10": 3000}


@pytest.mark.parametrize("case", [param(c) for c in CLIENT_CASES])
def test_reference_client(case, wsprobe, test_client):
    url, index = test_client
    result = client_verdict(wsprobe, url, index, case["id"],
                            extra=CASE_OFFER.get(case["id"], DEFLATE_OFFER if case["area"] == "deflate" else ()))
    assert not failed(result), result
    assert result["behavior"] == ("INFORMATIONAL" if case["informational"] else "OK"), result
    if case["id"] in EXPECTED_CLIENT_CODES:
        assert result["remoteCloseCode"] == EXPECTED_CLIENT_CODES[case["id"]], result


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return str(cert), str(key)


def wss_server_results(wsprobe, cert, key, ids, out):
    """Runs `ids` with test-server against a fresh `wsprobe serve` over TLS; the verdicts."""
    server, url = start([wsprobe, "serve", "--port", "0", "--cert", cert, "--key", key])
    try:
        selection = sum((["--cases", i] for i in ids), [])
        run = subprocess.run([wsprobe, "test-server", url, "--agent", "wss", "--ca", cert, "--jobs", "2",
                              "--json", str(out), *selection], capture_output=True, text=True, timeout=300)
        assert run.returncode in (0, 1), run.stderr[-2000:]  # 1: a case failed; 2: could not run
    finally:
        stop(server)
    return json.loads(out.read_text())["wss"]


def wss_client_results(wsprobe, cert, key, ids, out):
    """Runs `ids` with `wsprobe connect` against a fresh test-client over TLS; the verdicts."""
    selection = sum((["--cases", i] for i in ids), [])
    tester, turl = start([wsprobe, "test-client", "--port", "0", "--cert", cert, "--key", key, "--json",
                          str(out), *selection])
    try:
        for cid in ids:
            subprocess.run([wsprobe, "connect", f"{turl}runCase?casetuple={cid}&agent=wss", "--echo", "--ca", cert],
                           capture_output=True, timeout=60)
        subprocess.run([wsprobe, "connect", f"{turl}updateReports?agent=wss", "--ca", cert], capture_output=True, timeout=60)
        return json.loads(out.read_text())["wss"]
    finally:
        stop(tester)


@pytest.mark.parametrize("area", sorted({c["area"] for c in load_cases()}))
def test_both_directions_over_wss(area, wsprobe, certificate, tmp_path):
    cert, key = certificate
    ids = [c["id"] for c in load_cases() if c["area"] == area and "server" in c["roles"] and not_slow_deflate(c)]
    if ids:  # not a client-only area (client_handshake, ...)
        results = wss_server_results(wsprobe, cert, key, ids, tmp_path / "server.json")
        assert sorted(results) == sorted(ids)
        confirm_failures(results, lambda again: wss_server_results(wsprobe, cert, key, again,
                                                                   tmp_path / "server-again.json"), "server")
    ids = [c["id"] for c in CLIENT_CASES if c["area"] == area]
    if not ids:  # a server-only area (handshake, robustness)
        return
    results = wss_client_results(wsprobe, cert, key, ids, tmp_path / "client.json")
    masking = results.pop("masking")  # the whole run's masking keys (RFC 6455 5.3): fresh ones
    assert masking["verdict"] == "OK", masking
    assert sorted(results) == sorted(ids)
    confirm_failures(results, lambda again: wss_client_results(wsprobe, cert, key, again,
                                                               tmp_path / "client-again.json"), "client")
