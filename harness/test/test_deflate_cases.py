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
OURS = ["18.1.1", "18.1.2", "18.1.3", "18.1.4", "18.2.1", "18.3.1", "18.3.2", "18.3.3", "18.3.4",
        "18.5.1", "18.5.2", "18.5.3", "18.5.4"]
# Negotiation (RFC 7692 5, 7): 18.4.1-18.4.15 offer what a server must decline, so declining is OK.
NEGOTIATION = [f"18.4.{n}" for n in range(1, 20)]
MUST_DECLINE = NEGOTIATION[:15]
OURS += NEGOTIATION
SELECTION = [a for cid in GROUPS for a in ("--cases", cid)] + ["--cases", "18.*"]


def run(wsprobe, url, tmp_path, *selection):
    out = tmp_path / "index.json"
    proc = subprocess.run([wsprobe, "test-server", url, "--agent", "a", "--json", str(out),
                           "--report-dir", str(tmp_path / "report"), *selection],
                          capture_output=True, text=True, timeout=120)
    return proc, json.loads(out.read_text())["a"]


def verdict(result):
    return f"{result['behavior']} / {result['behaviorClose']}"


def reason(tmp_path, result):
    """The case's reason, from its own report file (index.json keeps Autobahn's fields only)."""
    return json.loads((tmp_path / "report" / result["reportfile"]).read_text())["reason"]


def test_the_reference_server_passes_the_deflate_cases(wsprobe, reference_server, tmp_path):
    _, url = reference_server()
    proc, results = run(wsprobe, url, tmp_path, *SELECTION)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert sorted(results) == sorted(GROUPS + OURS)
    assert {cid: r["behavior"] for cid, r in results.items() if r["behavior"] != "OK"} == {}
    assert results["18.1.1"]["remoteCloseCode"] == 1002  # RFC 7692 6.1: RSV1 on a continuation
    assert results["18.2.1"]["remoteCloseCode"] in (1007, 1002)
    assert results["18.5.2"]["remoteCloseCode"] == 1009  # the bomb: RFC 6455 10.4 on inflated bytes


def test_a_server_without_deflate_is_unimplemented_and_the_run_passes(wsprobe, reference_server, tmp_path):
    _, url = reference_server("--no-deflate")
    proc, results = run(wsprobe, url, tmp_path, *SELECTION)
    assert proc.returncode == 0, proc.stdout[-3000:]
    unimplemented = {cid: r for cid, r in results.items() if cid not in MUST_DECLINE}
    assert {r["behavior"] for r in unimplemented.values()} == {"UNIMPLEMENTED"}
    # Closed with 1000 and TCP dropped at once: the closing handshake is not judged.
    assert {r["behaviorClose"] for r in unimplemented.values()} == {"INFORMATIONAL"}
    # Where every offer must be declined (RFC 7692 7), declining is right: the echo ran uncompressed.
    assert {cid: verdict(results[cid]) for cid in MUST_DECLINE} == {cid: "OK / OK" for cid in MUST_DECLINE}


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


def flawed_deflate_server(wsprobe, tmp_path, mode):
    proc, url = start_server([sys.executable, os.path.join(HERE, "deflate_servers.py"), mode])
    try:
        return run(wsprobe, url, tmp_path, "--cases", "18.4.*")
    finally:
        stop_server(proc)


def test_a_server_that_accepts_invalid_offers_fails_the_negotiation_cases(wsprobe, tmp_path):
    run_proc, results = flawed_deflate_server(wsprobe, tmp_path, "echo-first")
    assert run_proc.returncode == 1, run_proc.stdout[-3000:]
    # RFC 7692 7: each invalid offer accepted (answered with itself) is a MUST broken, and the
    # evidence names the response header and the offer.
    for cid in MUST_DECLINE:
        assert verdict(results[cid]) == "FAILED / FAILED", (cid, results[cid])
        why = reason(tmp_path, results[cid])
        assert "Sec-WebSocket-Extensions: permessage-deflate" in why and "must decline offer 1" in why, why
    assert "RFC 7692 7.1.2.1" in reason(tmp_path, results["18.4.6"])  # server_max_window_bits=7
    # The valid offers, answered with themselves, are fine.
    assert {cid: verdict(results[cid]) for cid in NEGOTIATION[15:]} == {cid: "OK / OK" for cid in NEGOTIATION[15:]}


def test_a_server_that_takes_the_last_offer_is_non_strict(wsprobe, tmp_path):
    run_proc, results = flawed_deflate_server(wsprobe, tmp_path, "echo-last")
    assert run_proc.returncode == 1, run_proc.stdout[-3000:]  # the single invalid offers still fail
    # RFC 7692 5: the first offer is recommended; taking the second is a SHOULD not followed.
    assert verdict(results["18.4.19"]) == "NON-STRICT / OK", results["18.4.19"]
    assert "it answers offer 2 `permessage-deflate`" in reason(tmp_path, results["18.4.19"])
    # Skipping the invalid first offer for the valid second is what RFC 7692 7 asks.
    assert verdict(results["18.4.15"]) == "OK / OK", results["18.4.15"]


def test_a_response_with_a_parameter_not_offered_fails(wsprobe, tmp_path):
    run_proc, results = flawed_deflate_server(wsprobe, tmp_path, "client-window-15")
    assert run_proc.returncode == 1, run_proc.stdout[-3000:]
    # RFC 7692 7.1.2.2: client_max_window_bits answered where it was not offered (18.4.17), or
    # larger than offered (18.4.18).
    for cid in ("18.4.17", "18.4.18"):
        assert verdict(results[cid]) == "FAILED / FAILED", (cid, results[cid])
        why = reason(tmp_path, results[cid])
        assert "deflate_response_not_offered" in why and "client_max_window_bits=15" in why, why


def test_a_server_that_refuses_the_handshake_instead_of_declining_is_non_strict(wsprobe, tmp_path):
    run_proc, results = flawed_deflate_server(wsprobe, tmp_path, "refuse-offers")
    # RFC 7692 7: the offer is to be declined and the connection kept; a 400 accepts nothing, so
    # no MUST is broken.
    for cid in MUST_DECLINE:
        assert verdict(results[cid]) == "NON-STRICT / OK", (cid, results[cid])
        assert "refused the opening handshake (400)" in reason(tmp_path, results[cid])
    # A valid offer refused is a failed opening handshake, as before.
    assert verdict(results["18.4.17"]).startswith("FAILED"), results["18.4.17"]
    assert run_proc.returncode == 1


def test_a_server_that_compresses_past_what_it_agreed_fails_the_window_and_context_cases(wsprobe, tmp_path):
    proc, url = start_server([sys.executable, os.path.join(HERE, "deflate_servers.py"), "wide-window"])
    try:
        run_proc, results = run(wsprobe, url, tmp_path, "--cases", "18.5.*")
    finally:
        stop_server(proc)
    assert run_proc.returncode == 1, run_proc.stdout[-3000:]
    # Its second echo refers 2000 bytes back into the first: past the agreed 512-byte window
    # (RFC 7692 7.1.2.1), or into a context it agreed to drop (7.1.1.1). The tester, inflating
    # with the agreed parameters, fails it with 1007.
    for cid in ("18.5.3", "18.5.4"):
        assert results[cid]["behavior"] == "FAILED", (cid, results[cid])
        assert "compressed message does not inflate" in reason(tmp_path, results[cid]), cid
    # One message at a time, within its own bytes, it is a valid compressor.
    assert results["18.5.1"]["behavior"] == "OK", results["18.5.1"]
    # It has no limit: the bomb inflates whole and comes back (RFC 6455 10.4).
    assert results["18.5.2"]["behavior"] == "FAILED", results["18.5.2"]
