"""wsprobe test-server against servers broken on purpose: the cases that name each defect fail,
with evidence, no other case does, and every run ends within its bound."""
import json
import subprocess
import time

import pytest


def run_tester(wsprobe, url, cases, tmp_path, scale="0.3", bound=60):
    out = tmp_path / "index.json"
    report = tmp_path / "report"
    argv = [wsprobe, "test-server", url, "--agent", "broken", "--json", str(out), "--report-dir", str(report),
            "--timeout-scale", scale, "--jobs", "2"]
    for c in cases:
        argv += ["--cases", c]
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=bound)
    elapsed = time.monotonic() - started
    results = json.loads(out.read_text())["broken"]
    details = {cid: json.loads((report / r["reportfile"]).read_text()) for cid, r in results.items()}
    return proc, results, details, elapsed


def failed(result):
    return result["behavior"] == "FAILED" or result["behaviorClose"] in ("FAILED", "WRONG CODE", "UNCLEAN")


def check(proc, results, details, expect_failed, reason):
    got = {cid for cid, r in results.items() if failed(r)}
    assert got == set(expect_failed), proc.stdout
    assert proc.returncode == (1 if expect_failed else 0), proc.stdout + proc.stderr
    for cid in expect_failed:
        assert reason in details[cid]["reason"], (cid, details[cid]["reason"])
        assert details[cid]["wirelog"], cid  # the evidence: what was sent and received, with times


def test_server_echoing_invalid_utf8_fails_the_text_cases(wsprobe, broken_server, tmp_path):
    url = broken_server("invalid-utf8")
    proc, results, details, _ = run_tester(wsprobe, url, ["1.1.1", "1.1.2", "6.2.1", "1.2.1", "1.2.2", "14.2.2"], tmp_path)
    check(proc, results, details, ["1.1.1", "1.1.2", "6.2.1"], "RFC 6455 8.1")


def test_server_accepting_unmasked_frames_fails_the_masking_cases(wsprobe, broken_server, tmp_path):
    url = broken_server("accept-unmasked")
    proc, results, details, _ = run_tester(wsprobe, url, ["15.1.*", "1.1.1", "2.1", "5.3", "7.3.3"], tmp_path)
    check(proc, results, details, ["15.1.1", "15.1.2"], "")
    assert "did not fail the connection" in details["15.1.1"]["reason"] or "expected nothing" in details["15.1.1"]["reason"]


def test_server_delivering_a_violating_frame_fails_the_robustness_cases_that_send_one(wsprobe, broken_server, tmp_path):
    # RFC 6455 5.1, 5.2: an unmasked frame, or one with RSV2 and no extension, fails the
    # connection; this server checks neither and echoes them, delivering them (20.4.x).
    url = broken_server("accept-unmasked")
    proc, results, details, _ = run_tester(wsprobe, url, ["20.4.*"], tmp_path)
    check(proc, results, details, ["20.4.1", "20.4.2", "20.4.3"], "received ")
    assert "text 'unmasked'" in details["20.4.1"]["reason"]
    assert "text 'rsv2'" in details["20.4.2"]["reason"]
    assert "binary" in " ".join(details["20.4.3"]["received"]), details["20.4.3"]["received"]


def test_server_never_answering_a_close_is_unclean(wsprobe, broken_server, tmp_path):
    url = broken_server("no-close-reply")
    proc, results, details, elapsed = run_tester(wsprobe, url, ["1.1.1", "7.3.3", "7.7.1", "14.2.2"], tmp_path)
    check(proc, results, details, ["1.1.1", "7.3.3", "7.7.1"], "closing handshake did not complete")
    assert results["1.1.1"]["behaviorClose"] == "UNCLEAN"
    assert elapsed < 30


def test_silent_server_fails_every_case_quickly(wsprobe, broken_server, tmp_path):
    url = broken_server("silent")
    cases = ["1.1.*", "2.*"]
    proc, results, details, elapsed = run_tester(wsprobe, url, cases, tmp_path)
    assert len(results) == 19
    assert all(failed(r) for r in results.values())
    assert proc.returncode == 1
    assert any("no handshake response" in d["reason"] for d in details.values())
    assert any("answered no opening handshake in earlier cases" in d["reason"] for d in details.values())
    assert elapsed < 20  # three open timeouts (1.5 s each at this scale), then the rest at once


def test_server_sending_random_bytes_fails_with_the_violation(wsprobe, broken_server, tmp_path):
    url = broken_server("random-bytes")
    proc, results, details, _ = run_tester(wsprobe, url, ["1.1.1", "2.1", "14.2.2"], tmp_path)
    got = {cid for cid, r in results.items() if failed(r)}
    assert got == {"1.1.1", "2.1"}
    for cid in got:
        reason = details[cid]["reason"]
        assert "broke the protocol" in reason or "expected" in reason, reason


def test_server_claiming_a_huge_frame_is_failed_without_allocating_it(wsprobe, broken_server, tmp_path):
    url = broken_server("huge-frame")
    proc, results, details, elapsed = run_tester(wsprobe, url, ["1.1.1", "2.1"], tmp_path)
    assert all(failed(r) for r in results.values())
    assert "frame larger than the limit" in details["1.1.1"]["reason"]
    assert elapsed < 20


def test_dribbling_server_is_cut_off_by_the_kill_timer(wsprobe, broken_server, tmp_path):
    url = broken_server("dribble")
    proc, results, details, elapsed = run_tester(wsprobe, url, ["1.1.2", "2.4"], tmp_path)
    assert all(failed(r) for r in results.values())
    assert elapsed < 20


def test_server_closing_mid_frame_fails(wsprobe, broken_server, tmp_path):
    url = broken_server("close-midframe")
    proc, results, details, _ = run_tester(wsprobe, url, ["1.1.1"], tmp_path)
    assert failed(results["1.1.1"])
    assert "closed TCP" in " ".join(e[2] for e in details["1.1.1"]["wirelog"])


def test_after_a_crash_the_remaining_cases_report_the_refused_connection(wsprobe, broken_server, tmp_path):
    url = broken_server("crash")
    proc, results, details, elapsed = run_tester(wsprobe, url, ["1.*"], tmp_path)
    refused = [cid for cid, d in details.items() if "cannot connect" in d["reason"]]
    assert len(refused) >= 10, {cid: d["reason"] for cid, d in details.items()}
    assert proc.returncode == 1
    assert elapsed < 20


def test_unreachable_server_is_a_usage_error(wsprobe, tmp_path):
    proc = subprocess.run([wsprobe, "test-server", "ws://127.0.0.1:1/"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "cannot connect" in proc.stderr


def test_bad_selection_is_a_usage_error(wsprobe):
    proc = subprocess.run([wsprobe, "test-server", "--list", "--cases", "99.*"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "no case matches" in proc.stderr
