"""The robustness family (conformance/cases/robustness.json) with its health check and the server
watch: flawed servers (flawed_servers.py) are each caught in the case that triggers the flaw, with
--server-cmd where only the server's memory shows it, and wsprobe serve gets no FAILED."""
import json
import os
import socket
import subprocess
import sys
import time

from conftest import HERE, start_server, stop_server

FLAWED = os.path.join(HERE, "flawed_servers.py")


def failed(result):
    return result["behavior"] == "FAILED" or result["behaviorClose"] in ("FAILED", "WRONG CODE", "UNCLEAN")


def run_tester(wsprobe, url, cases, tmp_path, extra=(), bound=240):
    out = tmp_path / "index.json"
    report = tmp_path / "report"
    argv = [wsprobe, "test-server", url, "--agent", "flawed", "--json", str(out), "--report-dir", str(report),
            "--no-confirm", *extra]
    for c in cases:
        argv += ["--cases", c]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=bound)
    assert out.exists(), proc.stdout + proc.stderr
    results = json.loads(out.read_text())["flawed"]
    details = {cid: json.loads((report / r["reportfile"]).read_text()) for cid, r in results.items()}
    return proc, results, details


def evidence(detail):
    return "\n".join(entry[2] for entry in detail["wirelog"])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flawed_server(mode):
    return start_server([sys.executable, FLAWED, mode])


def flawed_cmd(mode, port):
    return f"{sys.executable} {FLAWED} {mode} --port {port}"


def run_flawed_at_limit(wsprobe, mode, cases, tmp_path, limit, extra=()):
    """run_tester against flawed server MODE started by --server-cmd, with the message limit
    `limit` on both sides (a small one keeps the Python server quick); also returns its port."""
    port = free_port()
    return (*run_tester(wsprobe, f"ws://127.0.0.1:{port}/", cases, tmp_path,
                        ["--limit", str(limit), *extra, "--server-cmd", f"{flawed_cmd(mode, port)} --limit {limit}"]),
            port)


def serve_cmd(wsprobe, port, *args):
    """--server-cmd for wsprobe serve. In the ASan build its quarantine (256 MiB of freed memory held
    to catch use-after-free) would show as the server's own growth: 188 MiB on 20.5.1's flood, over
    the unread-output bound. 1 MiB keeps what the watch measures the server's doing; a release build
    ignores the variable."""
    extra = "".join(f" {a}" for a in args)
    return f"env ASAN_OPTIONS=${{ASAN_OPTIONS:+$ASAN_OPTIONS:}}quarantine_size_mb=1 {wsprobe} serve --port {port}{extra}"


def no_listener_left(port):
    """The watch stopped the server it started: nothing listens on its port any more."""
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_a_crash_on_a_64_bit_length_fails_that_case_and_the_run_goes_on(wsprobe, tmp_path):
    proc_server, url = flawed_server("crash-on-64bit-length")
    try:
        proc, results, details = run_tester(wsprobe, url, ["20.2.1", "20.4.1"], tmp_path, ["--jobs", "1"])
    finally:
        stop_server(proc_server)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    crashed = details["20.2.1"]
    assert failed(results["20.2.1"])
    assert crashed["reason"].startswith("not listening anymore (crashed?) after this case"), crashed["reason"]
    assert "health check: not listening anymore (crashed?)" in evidence(crashed)
    assert results["20.2.1"]["healthCheck"] == "not listening"
    # The next case ran (and failed to connect), and is not blamed for the crash.
    later = details["20.4.1"]
    assert "after this case" not in later["reason"], later["reason"]
    assert "as since case 20.2.1" in evidence(later)


def test_server_cmd_names_the_case_that_killed_the_server_and_restarts_it(wsprobe, tmp_path):
    port = free_port()
    url = f"ws://127.0.0.1:{port}/"
    proc, results, details = run_tester(wsprobe, url, ["20.2.1", "20.4.1"], tmp_path,
                                        ["--server-cmd", flawed_cmd("crash-on-64bit-length", port)])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "one case at a time" in proc.stderr
    killed = details["20.2.1"]
    assert failed(results["20.2.1"])
    assert killed["serverExit"] == "exited with status 3"
    assert killed["reason"].startswith("the server process exited with status 3 during this case"), killed["reason"]
    assert "the server was started again" in evidence(killed)
    # The restarted server answers the next case correctly.
    assert not failed(results["20.4.1"]), details["20.4.1"]["reason"]
    assert results["20.4.1"]["healthCheck"] == "ok"
    assert no_listener_left(port)


def test_a_server_that_preallocates_the_claimed_length_shows_in_its_memory(wsprobe, tmp_path):
    port = free_port()
    url = f"ws://127.0.0.1:{port}/"
    # Writing 128 MiB takes a Python server a second or two on a loaded machine: longer timers.
    proc, results, details = run_tester(wsprobe, url, ["20.2.3", "20.4.1"], tmp_path,
                                        ["--server-cmd", flawed_cmd("preallocate", port), "--timeout-scale", "5"])
    # On the wire the server is right: 1009 at the header. Only its memory shows the flaw.
    claim = details["20.2.3"]
    assert claim["remoteCloseCode"] == 1009
    assert results["20.2.3"]["behavior"] == "NON-STRICT", claim["reason"]
    assert claim["reason"].startswith("memory amplification "), claim["reason"]
    memory = claim["serverMemory"]
    assert memory["growth"] > 100 << 20, memory
    assert memory["amplification"] > 4, memory
    assert "memory amplification" in evidence(claim)
    # A case that makes it allocate nothing is judged as usual, with its memory recorded.
    assert results["20.4.1"]["behavior"] == "OK", details["20.4.1"]["reason"]
    assert details["20.4.1"]["serverMemory"]["growth"] < 64 << 20
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_server_with_no_cap_on_its_handshake_accepts_64_mib_of_header_and_fails(wsprobe, tmp_path):
    port = free_port()
    url = f"ws://127.0.0.1:{port}/"
    # A Python server splits 64 MiB of head into a million fields: a second or more when loaded.
    proc, results, details = run_tester(wsprobe, url, ["20.7.*"], tmp_path,
                                        ["--server-cmd", flawed_cmd("no-header-limit", port), "--timeout-scale", "4"])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    endless = details["20.7.4"]
    assert failed(results["20.7.4"])
    assert "the server accepted (101) a head of 67109" in endless["reason"], endless["reason"]
    assert "no cap on the size of its opening handshake" in endless["reason"]
    assert "request: all 67109" in evidence(endless)
    memory = endless["serverMemory"]
    assert memory["growth"] > 64 << 20, memory  # it held the head, and a million fields
    assert memory["bytesSent"] > 64 << 20, memory  # the head counts as what the case sent
    # The heads a server may take (400 KB of lines, a 1 MiB line, a 64 KiB target) are accepted
    # and echoed: OK.
    for cid in ("20.7.1", "20.7.2", "20.7.3"):
        assert results[cid]["behavior"] == "OK", (cid, details[cid]["reason"])


def test_a_server_that_drops_a_head_over_its_limit_is_non_strict_not_failed(wsprobe, tmp_path):
    # Every flawed server reads at most 64 KiB of head and closes without an answer past it.
    proc_server, url = flawed_server("answers-after-close")
    try:
        proc, results, details = run_tester(wsprobe, url, ["20.7.*"], tmp_path)
    finally:
        stop_server(proc_server)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for cid in ("20.7.1", "20.7.2", "20.7.4"):
        assert results[cid]["behavior"] == "NON-STRICT", (cid, details[cid]["reason"])
        assert details[cid]["reason"].startswith("the server closed the connection without an answer, after ")
        assert results[cid]["healthCheck"] == "ok"
    # 64 MiB are never all written: the close is seen while writing.
    assert "of its 67109" in evidence(details["20.7.4"])
    assert results["20.7.3"]["behavior"] == "OK"  # its 64 KiB target fits the 64 KiB head


def test_a_server_that_stalls_after_one_bad_frame_is_unresponsive_after_that_case(wsprobe, tmp_path):
    proc_server, url = flawed_server("stall-after-bad-frame")
    try:
        proc, results, details = run_tester(wsprobe, url, ["20.4.1", "20.4.2"], tmp_path, ["--jobs", "1"])
    finally:
        stop_server(proc_server)
    assert proc.returncode == 1
    stalled = details["20.4.1"]
    assert failed(results["20.4.1"])
    assert stalled["reason"].startswith("unresponsive after this case"), stalled["reason"]
    assert results["20.4.1"]["healthCheck"] == "unresponsive"
    assert "twice" in evidence(stalled)  # confirmed by a second attempt before failing
    assert "as since case 20.4.1" in evidence(details["20.4.2"])


def test_health_check_option_checks_cases_of_every_area_in_parallel(wsprobe, reference_server, tmp_path):
    _, url = reference_server()
    proc, results, details = run_tester(wsprobe, url, ["1.1.*", "2.*"], tmp_path, ["--health-check", "--jobs", "4"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {r["healthCheck"] for r in results.values()} == {"ok"}
    assert "handshake and an echo" in evidence(details["1.1.1"])


def test_a_crash_among_parallel_cases_blames_one_and_names_those_beside_it(wsprobe, tmp_path):
    proc_server, url = flawed_server("crash-on-64bit-length")
    try:
        proc, results, details = run_tester(wsprobe, url, ["20.2.*", "20.4.*"], tmp_path, ["--jobs", "4"])
    finally:
        stop_server(proc_server)
    assert proc.returncode == 1
    blamed = [cid for cid, d in details.items() if "after this case" in d["reason"]]
    assert len(blamed) == 1, {cid: d["reason"] for cid, d in details.items()}
    # Whichever finished first is blamed; 20.2.1 to 20.2.3 crash it, and the evidence says what
    # else was running (unless it ran alone).
    others = [cid for cid in details if cid != blamed[0]]
    assert all("after this case" not in details[cid]["reason"] for cid in others)


def test_the_reference_server_passes_the_family_under_server_cmd(wsprobe, tmp_path):
    port = free_port()
    url = f"ws://127.0.0.1:{port}/"
    started = time.monotonic()
    proc, results, details = run_tester(wsprobe, url, ["20.*"], tmp_path,
                                        ["--server-cmd", serve_cmd(wsprobe, port)], bound=300)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert not [cid for cid, r in results.items() if failed(r)]
    assert {r["behavior"] for r in results.values()} == {"OK"}, {cid: d["reason"] for cid, d in details.items()}
    assert {r["healthCheck"] for r in results.values()} == {"ok"}
    peaks = {cid: d["serverMemory"]["rssPeak"] >> 20 for cid, d in details.items()}
    print(f"\nwsprobe serve under the robustness family ({elapsed:.1f} s): peak RSS MiB per case {peaks}")
    assert no_listener_left(port)


def test_server_pid_watches_a_running_server_it_did_not_start(wsprobe, tmp_path):
    proc_server, url = flawed_server("crash-on-64bit-length")
    try:
        # 20.3.2 runs first (the longest timeout first), while the server is alive.
        proc, results, details = run_tester(wsprobe, url, ["20.3.2", "20.2.1"], tmp_path,
                                            ["--server-pid", str(proc_server.pid)])
    finally:
        stop_server(proc_server)
    assert not failed(results["20.3.2"]), details["20.3.2"]["reason"]
    assert details["20.3.2"]["serverMemory"]["rssPeak"] > 0
    killed = details["20.2.1"]
    assert failed(results["20.2.1"])
    # Not wsprobe's child: it cannot know the exit status, nor start it again.
    assert killed["serverExit"] == "exited (status unknown: not started by wsprobe)"
    assert "could not be started again" not in evidence(killed)
