"""The client cases (conformance/cases/client_*.json) against clients broken on purpose
(flawed_clients.py): each flawed client gets its non-OK verdict on exactly the cases meant to catch
its flaw, and OK on every other; the correct client gets OK on all. The masking flaws are also
caught over the whole run: in the line test-client prints at /updateReports, its exit status,
index.json's "masking" field, a JUnit testcase and a finding at the top of the HTML report; a
client whose keys repeat only across connections (seeded-key) is caught there alone."""
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import HERE, start_server, stop_server

AREAS = ("client_handshake", "client_masking", "client_robustness", "client_closing")


@pytest.fixture(scope="session")
def client_case_ids(wsprobe):
    dump = json.loads(subprocess.run([wsprobe, "cases", "--json"], capture_output=True, text=True, check=True,
                                     timeout=60).stdout)
    cases = dump["cases"] if isinstance(dump, dict) else dump
    return sorted((c["id"] for c in cases if c["area"] in AREAS), key=lambda i: [int(p) for p in i.split(".")])


@pytest.fixture(scope="session")
def runs(wsprobe, tmp_path_factory):
    """Every flawed client against a test-client of its own, all at once: the run's time is that
    of the slowest client (mostly timers), not the sum. flaw -> (tester, index.json, seconds)."""
    testers, clients = {}, {}
    try:
        for flaw in EXPECTED:
            out = tmp_path_factory.mktemp(f"client-cases-{flaw}") / "index.json"
            argv = [wsprobe, "test-client", "--port", "0", "--exit-after-report", "--json", str(out),
                    "--junit", str(out.parent / "junit.xml"), "--report-dir", str(out.parent / "html")]
            for area_ids in ("30.*", "31.*", "32.*", "33.*"):
                argv += ["--cases", area_ids]
            proc, url = start_server(argv)
            testers[flaw] = (proc, out)
            clients[flaw] = (time.monotonic(), subprocess.Popen(
                [sys.executable, os.path.join(HERE, "flawed_clients.py"), flaw, url, flaw],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        done = {}
        for flaw, (started, client) in clients.items():
            _, err = client.communicate(timeout=120)
            assert client.returncode == 0, (flaw, err[-2000:])
            done[flaw] = (testers[flaw][0], testers[flaw][1], time.monotonic() - started)
        yield done
    finally:
        for _, client in clients.values():
            if client.poll() is None:
                client.kill()
                client.wait()
        for proc, _ in testers.values():
            stop_server(proc)


def refused(ids, verdict="FAILED"):
    # 30.1.8 (HTTP/1.0) is a SHOULD: NON-STRICT where the MUST cases are FAILED.
    return {i: ("NON-STRICT" if i == "30.1.8" else verdict) for i in ids if i.startswith("30.1.")}


def echoing(ids, *prefixes):
    return {i: "FAILED" for i in ids if i.startswith(prefixes)}


# flaw -> (the cases meant to catch it -> the verdict there, the run-wide masking line's finding)
EXPECTED = {
    "correct": (lambda ids: {}, None),
    "any-response": (refused, None),
    "no-accept-check": (lambda ids: {i: "FAILED" for i in ("30.1.1", "30.1.2", "30.1.3", "30.1.4")}, None),
    # every case in which the client sends a frame: its close frame at least
    "zero-key": (lambda ids: echoing(ids, "30.2.", "31.", "32.", "33."), "masked with the key 00 00 00 00"),
    # every case in which it sends two frames or more (an echo and its close frame; in 33.2 the
    # server goes away without a close frame, so the echo is its only frame)
    "one-key": (lambda ids: {**echoing(ids, "30.2.", "31.", "32.2.", "32.3.", "33."), "33.2": "OK"},
                "reuse a key already used"),
    # a constant step shows from the third frame of a connection: 31.1 echoes 64 messages, 32.3.1
    # answers pings by the hundred
    "counter-key": (lambda ids: {"31.1": "FAILED", "32.3.1": "FAILED"}, "predictable from the two before it"),
    # every connection's keys are fresh within it; each connection starts the same sequence again
    "seeded-key": (lambda ids: {}, "reuse a key already used"),
    "no-limits": (lambda ids: echoing(ids, "32.1."), None),
    "one-read-head": (lambda ids: echoing(ids, "32.2."), None),
    "closes-first": (lambda ids: {"33.1": "NON-STRICT"}, None),
    # the ping flood while it echoes 256 KiB messages, in 32.3.1 alone
    "pong-mid-frame": (lambda ids: {"32.3.1": "FAILED"}, None),
    # the server closes TCP without a close frame in 33.2 alone
    "ignores-eof": (lambda ids: {"33.2": "FAILED"}, None),
}


def verdict(result):
    if result["behavior"] == "FAILED" or result["behaviorClose"] in ("FAILED", "WRONG CODE", "UNCLEAN"):
        return "FAILED"
    return result["behavior"]


def masking_line(proc, agent, bound=10.0):
    prefix = f"masking keys, {agent}, whole run: "
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        lines = [line for line in list(proc.tail) if line.startswith(prefix)]
        if lines:
            return lines[-1][len(prefix):]
        time.sleep(0.05)  # the drain thread reads the pipe; the line was flushed before the reply
    return None


@pytest.mark.parametrize("flaw", sorted(EXPECTED))
def test_flawed_client_fails_exactly_the_cases_meant_to_catch_it(flaw, runs, client_case_ids):
    proc, index, elapsed = runs[flaw]
    results = json.loads(index.read_text())[flaw]
    masking = results.pop("masking")  # the agent's whole-run judgement, beside its cases
    assert sorted(results) == sorted(client_case_ids)
    cases_meant, masking_finding = EXPECTED[flaw]
    want = {i: cases_meant(client_case_ids).get(i, "OK") for i in client_case_ids}
    got = {i: verdict(results[i]) for i in client_case_ids}
    assert got == want, {i: (got[i], want[i]) for i in client_case_ids if got[i] != want[i]}
    line = masking_line(proc, flaw)
    assert line is not None, list(proc.tail)[-20:]
    if masking_finding is None:
        assert line.endswith(": OK\n"), line
    else:
        assert "FAILED" in line and masking_finding in line, line
    assert_masking_in_reports(index.parent, flaw, masking, masking_finding)
    assert proc.wait(timeout=10) == (1 if "FAILED" in want.values() or masking_finding else 0)
    assert elapsed < 60, elapsed  # every case ends within its bounds


def assert_masking_in_reports(out, agent, masking, finding):
    """The whole-run masking judgement in index.json (`masking`), JUnit (a testcase, failed on a
    finding) and the HTML report (a finding at the top, none when the keys are fine)."""
    suite = ET.parse(out / "junit.xml").getroot().find(f"testsuite[@name='{agent}']")
    testcase = suite.find(f"testcase[@classname='{agent}.masking']")
    failure = testcase.find("failure")
    html = (out / "html" / "index.html").read_text()
    assert masking["frames"] > 0, masking
    if finding is None:
        assert (masking["verdict"], masking["finding"]) == ("OK", ""), masking
        assert failure is None and "OK" in testcase.find("system-out").text
        assert 'id="masking"' not in html
    else:
        assert masking["verdict"] == "FAILED" and finding in masking["finding"], masking
        assert failure is not None and finding in failure.get("message"), ET.tostring(testcase)
        section = html[html.index('<section id="masking"'):]
        section = section[:section.index("</section>")]
        assert f"<li>{agent}: " in section and finding in section, section
        assert html.index('id="masking"') < html.index('id="summary"')  # at the top
