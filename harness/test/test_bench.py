"""`wsprobe bench URL` against the reference server (every echo right, counts that add up, ordered
latencies, ws and wss, deflate), against servers that get echoes wrong (corrupting_echo.py) or
echo too slowly (broken_servers.py dribble), and its usage errors. Every run is bounded: a count
or a short duration, and a subprocess timeout. Also the throughput that test-server's reports give
for the cases that move large payloads (category 9)."""
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from conftest import HERE


def bench(wsprobe, url, tmp_path, *args, timeout=60):
    out = tmp_path / "bench.json"
    proc = subprocess.run([wsprobe, "bench", url, "--json", str(out), *args],
                          capture_output=True, text=True, timeout=timeout)
    return proc, json.loads(out.read_text()) if out.exists() else None


def assert_clean(result, messages, size):
    assert result["sent"] == result["echoed"] == messages
    assert result["errors"] == result["wrongEchoes"] == result["missingEchoes"] == 0
    assert result["failedConnections"] == result["brokenConnections"] == 0
    assert result["bytesEchoed"] == messages * size
    assert result["closedCleanly"] == result["connectionsOpened"] == result["connections"]
    lat = result["latencyMicroseconds"]
    assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"]
    assert result["messagesPerSecond"] > 0 and result["megabytesPerSecond"] > 0


@pytest.fixture
def corrupting_server(python_server):
    return lambda mode: python_server("corrupting_echo.py", mode)


def test_every_echo_of_the_reference_server_is_right_and_the_counts_add_up(wsprobe, reference_server, tmp_path):
    _, url = reference_server()
    proc, result = bench(wsprobe, url, tmp_path, "--count", "3001", "-c", "3", "-s", "1KiB", "-w", "8")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_clean(result, 3001, 1024)
    assert result["countReached"] and result["type"] == "binary" and result["inFlight"] == 8
    # The result block, and no progress line outside a terminal.
    assert "3,001 sent, 3,001 echoed" in proc.stdout and "msgs/s" in proc.stdout and "p99" in proc.stdout
    assert "\r" not in proc.stdout


def test_text_with_deflate_offered_is_compressed_and_still_checked(wsprobe, reference_server, tmp_path):
    _, url = reference_server()
    proc, result = bench(wsprobe, url, tmp_path, "--text", "--deflate", "-n", "500", "-s", "64KiB", "-w", "4")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_clean(result, 500, 65536)
    assert result["deflate"] == {"offered": True, "agreed": 1}
    assert "agreed on 1 of 1 connections" in proc.stdout


def test_a_duration_bounds_the_run(wsprobe, reference_server, tmp_path):
    _, url = reference_server()
    started = time.monotonic()
    proc, result = bench(wsprobe, url, tmp_path, "--duration", "0.5", "-s", "16")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert time.monotonic() - started < 10
    assert_clean(result, result["sent"], 16)
    assert result["sent"] > 0 and 0.4 < result["seconds"] < 0.5 + 5  # the duration, then --timeout at most
    assert result["count"] is None and result["countReached"]


def test_bench_over_tls(wsprobe, reference_server, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    _, url = reference_server("--cert", str(cert), "--key", str(key))
    assert url.startswith("wss://")
    proc, result = bench(wsprobe, url, tmp_path, "-n", "400", "-c", "2", "--ca", str(cert))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_clean(result, 400, 1024)


@pytest.mark.parametrize("mode,args,words", [
    ("content", ("-s", "100"), "content differs from the message sent at byte 50"),
    ("length", ("-s", "100"), "expected binary of 100 bytes, got binary of 99 bytes"),
    ("type", ("-s", "100", "--text"), "expected text of 100 bytes, got binary of 100 bytes"),
])
def test_wrong_echoes_are_counted_and_fail_the_run(wsprobe, corrupting_server, tmp_path, mode, args, words):
    url = corrupting_server(mode)
    proc, result = bench(wsprobe, url, tmp_path, "-n", "100", "-w", "4", *args)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # The server spoils messages 3, 10, ..., 94 (n % 7 == 3): 14 of the 100, and echoes all.
    assert result["sent"] == result["echoed"] == 100
    assert result["wrongEchoes"] == result["errors"] == 14
    assert result["errorSamples"][0] == f"echo 3 on connection 0: {words}"
    assert "14 wrong echoes" in proc.stdout


def test_echoes_that_never_come_are_errors_within_the_timeout(wsprobe, broken_server, tmp_path):
    url = broken_server("dribble")  # one byte every 0.3 s
    started = time.monotonic()
    proc, result = bench(wsprobe, url, tmp_path, "-n", "5", "--duration", "1", "--timeout", "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert time.monotonic() - started < 10
    assert result["sent"] == 5 and result["echoed"] == 0 and result["missingEchoes"] == 5
    assert result["brokenConnections"] == 1
    assert "5 echoes still due at the deadline" in result["errorSamples"]


def test_no_server_is_a_connection_error(wsprobe, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc, result = bench(wsprobe, f"ws://127.0.0.1:{port}/", tmp_path, "-n", "10")
    assert proc.returncode == 2
    assert result["failedConnections"] == 1 and result["sent"] == 0
    assert f"cannot connect to 127.0.0.1:{port}" in proc.stdout


@pytest.mark.parametrize("args,words", [
    (("ws://127.0.0.1:1/", "--in-flight", "0"), "--in-flight must be 1 to 100000"),
    (("ws://127.0.0.1:1/", "--size", "17MiB"), "--size must be at most 16 MiB"),
    (("ws://127.0.0.1:1/", "--duration", "4000"), "--duration must be above 0 and at most 3600 s"),
    (("ws://127.0.0.1:1/", "-c", "1000", "-w", "1000", "-s", "64KiB"), "must stay under 1 GiB in flight"),
    (("http://127.0.0.1:1/",), "ws://"),
])
def test_usage_errors(wsprobe, args, words):
    proc = subprocess.run([wsprobe, "bench", *args], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert words in proc.stderr


def test_large_cases_report_their_throughput(wsprobe, reference_server, tmp_path):
    _, url = reference_server()
    proc = subprocess.run([wsprobe, "test-server", url, "--cases", "9.2.3", "--cases", "1.1.1",
                           "--agent", "ref", "--report-dir", str(tmp_path), "--json", str(tmp_path / "index.json"),
                           "--junit", str(tmp_path / "junit.xml"), "-v"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    big = json.loads((tmp_path / "ref_case_9_2_3.json").read_text())
    t = big["throughput"]
    # 9.2.3: one 1 MiB binary message out (masked frame header: 14 bytes) and back (10), and the
    # close frames (8 out with the mask, at least 2 back).
    assert t["bytesSent"] == (1 << 20) + 14 + 8
    assert (1 << 20) + 10 + 2 <= t["bytesReceived"] <= (1 << 20) + 10 + 4
    assert t["megabytesPerSecond"] == pytest.approx((t["bytesSent"] + t["bytesReceived"]) / big["duration"] / 1e3)
    assert "throughput" not in json.loads((tmp_path / "ref_case_1_1_1.json").read_text())
    page = (tmp_path / "ref_case_9_2_3.html").read_text()
    said = f"{t['megabytesPerSecond']:.1f} MB/s ({t['bytesSent']} bytes sent, {t['bytesReceived']} received)"
    assert f"<tr><th>Throughput</th><td>{said}" in page
    # The same figures in index.json, the JUnit testcase's output and the per-case terminal line.
    index = json.loads((tmp_path / "index.json").read_text())["ref"]
    assert index["9.2.3"]["throughput"] == t and "throughput" not in index["1.1.1"]
    assert f"throughput: {said}" in (tmp_path / "junit.xml").read_text()
    line = next(x for x in proc.stdout.splitlines() if " 9.2.3 " in x)
    assert line.endswith(f"OK  {said}"), line


def test_help_shows_examples_and_the_exit_codes(wsprobe):
    run = subprocess.run([wsprobe, "bench", "--help"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0
    assert "Examples:" in run.stdout and "--in-flight" in run.stdout and "Exit: 0 every echo right" in run.stdout
    top = subprocess.run([wsprobe, "--help"], capture_output=True, text=True, timeout=30).stdout
    assert "bench" in top and "wsprobe bench ws://" in top


def test_ci_bench_summary_judges_echo_ratios_on_the_best_attempt(tmp_path):
    """ci/bench's echo table: `wsprobe serve` against the best peer of the same attempt, floor
    1.0x, passing when a re-measurement reaches it; wrong echoes fail whatever the speed."""
    summary_py = os.path.join(os.path.dirname(os.path.dirname(HERE)), "ci", "bench_summary.py")

    def fig(msgs, errors=0):
        return {"msgs": msgs, "mbps": msgs / 1e6, "p99": 100.0, "errors": errors, "failed": []}

    def judge(attempts_per_size):
        path = tmp_path / "echo.json"
        path.write_text(json.dumps({"seconds": 1, "rounds": 2, "connections": 1, "servers": [],
                                    "sizes": [{"size": 16 << k, "inFlight": 8, "attempts": a}
                                              for k, a in enumerate(attempts_per_size)]}))
        return subprocess.run([sys.executable, summary_py, "--echo", str(path)],
                              capture_output=True, text=True, timeout=60)

    ok = judge([[{"wsprobe": fig(300), "node-ws": fig(100), "websocketpp": fig(250)}]])
    assert ok.returncode == 0, ok.stdout
    assert "1.20x of websocketpp" in ok.stdout and "all floors met" in ok.stdout
    retried = judge([[{"wsprobe": fig(90), "beast": fig(100)}, {"wsprobe": fig(101), "beast": fig(100)}]])
    assert retried.returncode == 0 and "BELOW FLOOR" in retried.stdout, retried.stdout
    slow = judge([[{"wsprobe": fig(90), "beast": fig(100)}, {"wsprobe": fig(95), "beast": fig(100)}]])
    assert slow.returncode == 1 and "under the floor in every measurement: echo 16 B" in slow.stdout
    wrong = judge([[{"wsprobe": fig(300, errors=2), "beast": fig(100)}]])
    assert wrong.returncode == 1 and "WRONG ECHOES" in wrong.stdout
