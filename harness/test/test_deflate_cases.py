"""The tester's permessage-deflate cases (RFC 7692): against wsprobe serve one case of each 12.x and
13.x group and every 18.x case are OK; a server that declines deflate gets UNIMPLEMENTED, which
does not fail the run; and a response the offer does not allow fails the case."""
import json
import os
import subprocess
import sys

from conftest import HERE, start_server, stop_server

# One case of each group (16-byte messages: 1000 round trips in well under a second), and ours.
GROUPS = [f"12.{j}.1" for j in range(1, 6)] + [f"13.{j}.1" for j in range(1, 8)]
OURS = ["18.1.1", "18.1.2", "18.1.3", "18.1.4", "18.2.1", "18.3.1", "18.3.2", "18.3.3", "18.3.4"]
SELECTION = [a for cid in GROUPS for a in ("--cases", cid)] + ["--cases", "18.*"]


def run(wsprobe, url, tmp_path, *selection):
    out = tmp_path / "index.json"
    proc = subprocess.run([wsprobe, "test-server", url, "--agent", "a", "--json", str(out),
                           "--report-dir", str(tmp_path / "report"), *selection],
                          capture_output=True, text=True, timeout=120)
    return proc, json.loads(out.read_text())["a"]


def reason(tmp_path, result):
    """The case's reason, from its own report file (index.json keeps Autobahn's fields only)."""
    return json.loads((tmp_path / "report" / result["reportfile"]).read_text())["reason"]


def test_the_reference_server_passes_the_deflate_cases(wsprobe, reference_server, tmp_path):
    _, url = reference_server()
    proc, results = run(wsprobe, url, tmp_path, *SELECTION)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert sorted(results) == sorted(GROUPS + OURS)
    assert {cid: r["behavior"] for cid, r in results.items() if r["behavior"] != "OK"} == {}
    assert results["18.1.1"]["remoteCloseCode"] == 1002  # RFC 7692 6: RSV1 on a continuation
    assert results["18.2.1"]["remoteCloseCode"] in (1007, 1002)


def test_a_server_without_deflate_is_unimplemented_and_the_run_passes(wsprobe, reference_server, tmp_path):
    _, url = reference_server("--no-deflate")
    proc, results = run(wsprobe, url, tmp_path, *SELECTION)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert {r["behavior"] for r in results.values()} == {"UNIMPLEMENTED"}
    # Closed with 1000 and TCP dropped at once: the closing handshake is not judged.
    assert {r["behaviorClose"] for r in results.values()} == {"INFORMATIONAL"}


def test_a_response_the_offer_does_not_allow_fails_the_case(wsprobe, tmp_path):
    proc, url = start_server([sys.executable, os.path.join(HERE, "deflate_servers.py"), "window-10"])
    try:
        run_proc, results = run(wsprobe, url, tmp_path, "--cases", "12.1.1", "--cases", "13.2.1",
                                "--cases", "13.3.1")
    finally:
        stop_server(proc)
    assert run_proc.returncode == 1, run_proc.stdout[-3000:]
    # server_max_window_bits=10 unasked is allowed (RFC 7692 7.1.2.1), an uncompressed echo too.
    assert results["12.1.1"]["behavior"] == "OK", results["12.1.1"]
    # Offered server_no_context_takeover not answered, a window of 10 where 9 was offered.
    for cid in ("13.2.1", "13.3.1"):
        assert results[cid]["behavior"] == "FAILED", results[cid]
        assert "RFC 7692" in reason(tmp_path, results[cid]), results[cid]
