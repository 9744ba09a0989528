"""The robustness cases added for a peer that does not read (20.5.x, the `unread` step), data behind a
close in its own TCP write (20.3.4) and a message over the limit in 1-byte fragments (20.1.5, the
`gather` step), a limit checked only on a whole message, and many connections held at once (20.6.x, the `hold` field): each catches its
flawed server (flawed_servers.py), and wsprobe serve, whose unread
output is capped (--max-backlog), gets OK with bounded memory."""
import re

from test_robustness import (evidence, failed, flawed_cmd, free_port, no_listener_left, run_flawed_at_limit, run_tester,
                             serve_cmd)

UNREAD_BOUND = 32 << 20  # server_watch.hpp memory_unread_growth


def stall_after(detail):
    """Bytes the tester wrote without reading before the server stopped taking them, or None."""
    m = re.search(r"after (\d+) bytes written without reading", evidence(detail))
    return int(m.group(1)) if m else None


def test_a_server_queueing_output_without_bound_is_caught_by_its_memory(wsprobe, tmp_path):
    port = free_port()
    url = f"ws://127.0.0.1:{port}/"
    proc, results, details = run_tester(wsprobe, url, ["20.5.*"], tmp_path,
                                        ["--server-cmd", flawed_cmd("unbounded-output", port), "--timeout-scale", "3"])
    for cid in ("20.5.1", "20.5.2"):
        d = details[cid]
        # On the wire it is right (every pong, every echo, the close); only its memory shows it.
        assert results[cid]["behavior"] == "NON-STRICT", (cid, d["reason"])
        assert d["reason"].startswith("unread output not bounded"), d["reason"]
        assert d["serverMemory"]["growth"] > UNREAD_BOUND, d["serverMemory"]
        assert "the peer never stalled" in evidence(d)  # it took every byte
        assert results[cid]["healthCheck"] == "ok"
    assert no_listener_left(port)


def test_wsprobe_serve_passes_the_new_cases_and_stops_reading_a_peer_that_does_not_read(wsprobe, tmp_path):
    port = free_port()
    url = f"ws://127.0.0.1:{port}/"
    cases = ["20.5.*", "20.3.4", "20.6.*"]
    proc, results, details = run_tester(wsprobe, url, cases, tmp_path / "default",
                                        ["--server-cmd", serve_cmd(wsprobe, port)])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert {r["behavior"] for r in results.values()} == {"OK"}, {c: d["reason"] for c, d in details.items()}
    assert {r["healthCheck"] for r in results.values()} == {"ok"}
    for cid in ("20.5.1", "20.5.2"):
        assert details[cid]["serverMemory"]["growth"] < UNREAD_BOUND, details[cid]["serverMemory"]
        assert stall_after(details[cid]) is not None, evidence(details[cid])
    # A smaller cap (configurable): still OK and bounded. Where the stall comes varies with the
    # kernel's socket buffers and the machine's load, so it is printed, not compared.
    port2 = free_port()
    _, small, small_details = run_tester(
        wsprobe, f"ws://127.0.0.1:{port2}/", ["20.5.2"], tmp_path / "small",
        ["--server-cmd", serve_cmd(wsprobe, port2, "--max-backlog", "1048576")])
    assert small["20.5.2"]["behavior"] == "OK", small_details["20.5.2"]["reason"]
    assert small_details["20.5.2"]["serverMemory"]["growth"] < UNREAD_BOUND
    print(f"\n20.5.2: stalled after {stall_after(details['20.5.2'])} bytes (8 MiB cap), "
          f"{stall_after(small_details['20.5.2'])} bytes (1 MiB cap)")


def test_a_server_answering_frames_behind_a_close_in_the_same_write_fails_20_3_4(wsprobe, tmp_path):
    port = free_port()
    url = f"ws://127.0.0.1:{port}/"
    proc, results, details = run_tester(wsprobe, url, ["20.3.4"], tmp_path,
                                        ["--server-cmd", flawed_cmd("answers-after-close", port)])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert failed(results["20.3.4"]), details["20.3.4"]["reason"]
    assert "sent bytes after its close frame" in details["20.3.4"]["reason"], details["20.3.4"]["reason"]
    assert "data after the server's close frame" in evidence(details["20.3.4"])


def test_a_limit_checked_per_frame_fails_the_one_byte_fragments_case(wsprobe, reference_server, tmp_path):
    # A 64 KiB limit on both sides keeps the Python server's 65,537 frames quick; wsprobe serve
    # is timed at the default 16 MiB by the family's run (20.1.5 is slow).
    limit = 65536
    proc, results, details, _ = run_flawed_at_limit(wsprobe, "per-frame-limit", ["20.1.5"], tmp_path / "flawed", limit)
    assert failed(results["20.1.5"]), details["20.1.5"]["reason"]
    assert "binary" in " ".join(details["20.1.5"]["received"])  # it echoed the message over its limit
    _, ref_url = reference_server("--max-message-size", str(limit))
    proc, results, details = run_tester(wsprobe, ref_url, ["20.1.5"], tmp_path / "reference", ["--limit", str(limit)])
    assert results["20.1.5"]["behavior"] == "OK", details["20.1.5"]["reason"]
    assert details["20.1.5"]["remoteCloseCode"] == 1009
    assert "in 1-byte fragments, in one write of" in evidence(details["20.1.5"])


def test_a_limit_checked_only_once_the_message_is_whole_fails_the_messages_that_never_end(wsprobe, tmp_path):
    # On a message that ends, a server that buffers it all before checking the limit says the
    # right thing (1009 at the FIN, 20.1.1 OK); a message that never ends (20.1.3) or a frame
    # that claims 2^63-1 bytes (20.2.1) it reads and holds until the tester gives up. A 64 KiB
    # limit keeps the Python server quick; the kill timers scaled down to a tenth.
    proc, results, details, port = run_flawed_at_limit(wsprobe, "limit-after-buffering",
                                                       ["20.1.1", "20.1.3", "20.2.1"], tmp_path, 65536,
                                                       ["--timeout-scale", "0.1"])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert results["20.1.1"]["behavior"] == "OK", details["20.1.1"]["reason"]
    assert details["20.1.1"]["remoteCloseCode"] == 1009
    for cid in ("20.1.3", "20.2.1"):
        assert failed(results[cid]), details[cid]["reason"]
        assert results[cid]["behaviorClose"] == "FAILED", details[cid]["reason"]  # no 1009: no failing
        assert results[cid]["remoteCloseCode"] != 1009, details[cid]["reason"]
    assert no_listener_left(port)


def test_a_limit_on_the_fragment_count_instead_of_bytes_fails_both_ways(wsprobe, tmp_path):
    # A 64 KiB limit keeps 20.1.1 quick (two fragments over it); 20.1.4's 131,073 fragments are
    # one more than the server's only limit. The echo over the limit is judged by the kill timer
    # (10 s), scaled to 5 s: 20.1.4 has 10 s for a Python server to read its 131,073 frames.
    limit = 65536
    port = free_port()
    url = f"ws://127.0.0.1:{port}/"
    proc, results, details = run_tester(
        wsprobe, url, ["20.1.1", "20.1.4"], tmp_path,
        ["--limit", str(limit), "--timeout-scale", "0.5", "--server-cmd", flawed_cmd("fragment-count-limit", port)])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    over = details["20.1.1"]
    assert failed(results["20.1.1"]), over["reason"]
    assert "binary" in " ".join(over["received"])  # the message over the limit, echoed
    under = details["20.1.4"]
    assert failed(results["20.1.4"]), under["reason"]
    assert under["remoteCloseCode"] == 1009  # a legitimate message refused for its fragment count


def test_a_server_whose_threads_slow_handshakes_tie_up_fails_the_held_connection_cases(wsprobe, tmp_path):
    port = free_port()
    url = f"ws://127.0.0.1:{port}/"
    proc, results, details = run_tester(wsprobe, url, ["20.6.*"], tmp_path,
                                        ["--server-cmd", flawed_cmd("thread-pool", port)])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for cid in ("20.6.1", "20.6.2"):
        d = details[cid]
        assert failed(results[cid]), (cid, d["reason"])
        assert "holding 200 more connections" in evidence(d), evidence(d)
        # Released at the end: the pool is free again for the health check.
        assert results[cid]["healthCheck"] == "ok", d["reason"]
