"""test-client listens on IPv4 and IPv6 (net/listener), and every command that loads a certificate,
key or CA file reports a file it cannot use, naming it, with exit code 2."""
import json
import subprocess

import pytest

from conftest import start_server, stop_server


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")

    def make(name):
        cert, key = d / f"{name}.pem", d / f"{name}-key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True, timeout=60)
        return str(cert), str(key)

    cert, key = make("server")
    _, other_key = make("other")
    not_pem = d / "not-pem.txt"
    not_pem.write_text("this is not a certificate\n")
    return {"cert": cert, "key": key, "other_key": other_key, "not_pem": str(not_pem),
            "missing": str(d / "missing.pem")}


def run_case_through(wsprobe, url, agent, index):
    """One client case (1.1.1) run by the reference client through test-client at `url`."""
    subprocess.run([wsprobe, "connect", f"{url}runCase?casetuple=1.1.1&agent={agent}", "--echo"],
                   capture_output=True, timeout=60)
    subprocess.run([wsprobe, "connect", f"{url}updateReports?agent={agent}"], capture_output=True, timeout=60)
    return json.loads(index.read_text())[agent]["1.1.1"]


@pytest.mark.parametrize("host,url_host", [("127.0.0.1", "127.0.0.1"), ("::1", "[::1]")])
def test_client_is_served_on_the_address_family_asked_for(wsprobe, tmp_path, host, url_host):
    index = tmp_path / "index.json"
    proc, url = start_server([wsprobe, "test-client", "--host", host, "--port", "0", "--cases", "1.1.1",
                              "--json", str(index)])
    try:
        assert url.startswith(f"ws://{url_host}:")
        assert run_case_through(wsprobe, url, "agent", index)["behavior"] == "OK"
    finally:
        stop_server(proc)


def test_client_on_localhost_is_served_over_both_loopbacks(wsprobe, tmp_path):
    index = tmp_path / "index.json"
    proc, url = start_server([wsprobe, "test-client", "--host", "localhost", "--port", "0", "--cases", "1.1.1",
                              "--json", str(index)])
    try:
        port = url.rsplit(":", 1)[1]
        for agent, loopback in (("v4", "127.0.0.1"), ("v6", "[::1]")):
            result = run_case_through(wsprobe, f"ws://{loopback}:{port}", agent, index)
            assert result["behavior"] == "OK", (loopback, result)
    finally:
        stop_server(proc)


def usage_error(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    return proc.stderr


@pytest.mark.parametrize("command", ["serve", "test-client"])
def test_missing_certificate_file_is_named(wsprobe, pki, command):
    err = usage_error([wsprobe, command, "--port", "0", "--cert", pki["missing"], "--key", pki["key"]])
    assert pki["missing"] in err


@pytest.mark.parametrize("command", ["serve", "test-client"])
def test_key_that_does_not_match_the_certificate_is_named(wsprobe, pki, command):
    err = usage_error([wsprobe, command, "--port", "0", "--cert", pki["cert"], "--key", pki["other_key"]])
    assert f"key '{pki['other_key']}' does not match certificate '{pki['cert']}'" in err


@pytest.mark.parametrize("command", ["serve", "test-client"])
def test_certificate_that_is_not_pem_is_named(wsprobe, pki, command):
    err = usage_error([wsprobe, command, "--port", "0", "--cert", pki["not_pem"], "--key", pki["key"]])
    assert f"cannot load certificate '{pki['not_pem']}': not PEM" in err


def test_certificate_without_key_is_a_usage_error(wsprobe, pki):
    assert "--cert and --key go together" in usage_error([wsprobe, "test-client", "--port", "0", "--cert", pki["cert"]])


@pytest.mark.parametrize("command", ["connect", "test-server"])
def test_ca_file_that_is_not_pem_is_named(wsprobe, pki, reference_server, command):
    _, url = reference_server("--cert", pki["cert"], "--key", pki["key"])
    err = usage_error([wsprobe, command, url, "--ca", pki["not_pem"]])
    assert f"cannot load CA file '{pki['not_pem']}': no PEM certificate in it" in err


@pytest.mark.parametrize("command", ["connect", "test-server"])
def test_missing_ca_file_is_named(wsprobe, pki, reference_server, command):
    _, url = reference_server("--cert", pki["cert"], "--key", pki["key"])
    err = usage_error([wsprobe, command, url, "--ca", pki["missing"]])
    assert f"cannot read CA file '{pki['missing']}'" in err


def test_good_certificate_key_and_ca_still_work(wsprobe, pki, reference_server):
    _, url = reference_server("--cert", pki["cert"], "--key", pki["key"])
    proc = subprocess.run([wsprobe, "connect", url.replace("127.0.0.1", "localhost"), "--ca", pki["cert"],
                           "-t", "over tls"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "over tls"


def test_client_is_served_over_tls(wsprobe, pki, tmp_path):
    index = tmp_path / "index.json"
    proc, url = start_server([wsprobe, "test-client", "--port", "0", "--cases", "1.1.1", "--json", str(index),
                              "--cert", pki["cert"], "--key", pki["key"]])
    try:
        assert url.startswith("wss://")
        url = url.replace("127.0.0.1", "localhost")
        ca = ("--ca", pki["cert"])
        subprocess.run([wsprobe, "connect", f"{url}runCase?casetuple=1.1.1&agent=tls", "--echo", *ca],
                       capture_output=True, timeout=60)
        subprocess.run([wsprobe, "connect", f"{url}updateReports?agent=tls", *ca], capture_output=True, timeout=60)
        assert json.loads(index.read_text())["tls"]["1.1.1"]["behavior"] == "OK"
    finally:
        stop_server(proc)
