"""test-client's reports are written case by case: a client that dies in the middle of a case, or
hangs in one while wsprobe is stopped by SIGTERM or SIGINT, leaves index.json, the JUnit file and
the HTML report (with its per-case JSON) naming the case it reached; /updateReports still writes
the final reports, as Autobahn's fuzzingserver does.

The client is this file run as a script: Autobahn's client URL protocol (/getCaseCount,
/runCase?case=N&agent=A, /updateReports?agent=A) over a plain socket, echoing every message, and
broken on purpose in case K: `crash` exits (os._exit) after the case's first frame, `hang` stops
reading after the opening handshake."""
import base64
import glob
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest


CASES = ["1.1.1", "1.1.2", "1.1.3", "1.2.1", "1.2.2"]
AUTOBAHN_FIELDS = {"behavior", "behaviorClose", "duration", "remoteCloseCode", "reportfile"}


# ---- the client (run as a script) ----------------------------------------------------------

class Connection:
    def __init__(self, url, path):
        host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.recv()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        return chunk

    def take(self, n):
        while len(self.buf) < n:
            self.buf += self.recv()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def frame(self):
        b0, b1 = self.take(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.take(8))[0]
        return bool(b0 & 0x80), b0 & 0x0F, self.take(n)  # a server's frames are not masked

    def send(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode]) + (bytes([0x80 | n]) if n < 126 else
                                         struct.pack("!BH", 0x80 | 126, n) if n < 65536 else
                                         struct.pack("!BQ", 0x80 | 127, n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def echo(self):
        """Echoes messages and answers pings until the server closes; returns the text messages."""
        texts, opcode, parts = [], None, []
        try:
            while True:
                fin, op, payload = self.frame()
                if op == 8:
                    self.send(8, payload[:2])
                    while True:
                        self.recv()  # until the server closes TCP (RFC 6455 7.1.1)
                if op == 9:
                    self.send(10, payload)
                elif op in (1, 2, 0):
                    if op != 0:
                        opcode, parts = op, []
                    parts.append(payload)
                    if fin:
                        message = b"".join(parts)
                        if opcode == 1:
                            texts.append(message.decode())
                        self.send(opcode, message)
        except EOFError:
            return texts
        finally:
            self.sock.close()


def client(url, agent, mode, broken_case):
    count = int(Connection(url, "/getCaseCount").echo()[0])
    for n in range(1, count + 1):
        c = Connection(url, f"/runCase?case={n}&agent={agent}")
        if n == broken_case and mode == "crash":
            c.frame()  # in the middle of the case: its first message arrived
            os._exit(3)
        if n == broken_case and mode == "hang":
            print(f"hanging in case {n}", flush=True)
            time.sleep(300)  # the test kills this process long before
            os._exit(4)
        c.echo()
    Connection(url, f"/updateReports?agent={agent}").echo()


# ---- the tests -----------------------------------------------------------------------------

def start_tester(wsprobe, out, *extra):
    """test-client with every report; returns (process, url) once it printed its readiness line.
    Its output (a few lines: a pipe holds it) is read whole when it exits (stop). Unbuffered: the
    readiness line is read byte by byte, so the lines behind it stay in the pipe for communicate()
    (a buffered readline could take them along and communicate() would never see them)."""
    selection = [a for c in CASES for a in ("--cases", c)]
    proc = subprocess.Popen([wsprobe, "test-client", "--port", "0", "--json", str(out / "index.json"),
                             "--junit", str(out / "junit.xml"), "--report-dir", str(out / "html"), *selection,
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0)
    ready, _, _ = select.select([proc.stdout], [], [], 20)
    line = proc.stdout.readline().decode(errors="replace") if ready else ""
    if not line.startswith("listening on "):
        kill(proc)
        raise AssertionError(f"no readiness line from test-client: {line}")
    return proc, line.split()[2]


def run_client(url, agent, mode="normal", broken_case=0):
    return subprocess.Popen([sys.executable, os.path.abspath(__file__), url, agent, mode, str(broken_case)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def case_entries(index, agent):
    """The agent's cases in index.json, without its whole-run masking judgement (checked OK)."""
    entries = json.loads(index.read_text()).get(agent, {})
    masking = entries.pop("masking", None)
    assert masking is None or masking["verdict"] == "OK", masking
    return entries


def wait_for_progress(index, agent, case_id, progress, timeout=60.0):
    """Waits (bounded) until index.json marks `case_id` with `progress`; returns the agent's entries.
    Each read is of a whole file: the reports are replaced atomically."""
    deadline = time.monotonic() + timeout
    entries = {}
    while time.monotonic() < deadline:
        if index.exists():
            entries = case_entries(index, agent)
            if entries.get(case_id, {}).get("progress") == progress:
                return entries
        time.sleep(0.05)
    raise AssertionError(f"index.json never marked {case_id} {progress}: {entries}")


def stop(proc, signum, timeout=10.0):
    """Signals our tester and waits for it, bounded; returns its exit code and its last lines."""
    proc.send_signal(signum)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        raise AssertionError(f"wsprobe did not exit within {timeout} s of signal {signum}")
    return proc.returncode, out.decode(errors="replace")


def kill(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def junit_suite(out, agent):
    suite = ET.parse(out / "junit.xml").getroot().find(f"testsuite[@name='{agent}']")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    cases = {t.get("name").split()[0]: t for t in suite.iter("testcase")}
    masking = cases.pop("masking")  # the whole run's keys: a testcase of its own, passed here
    assert masking.get("classname") == f"{agent}.masking" and masking.find("failure") is None
    return suite, properties, cases


def no_leftovers(out):
    assert not glob.glob(str(out / "**" / "*.tmp"), recursive=True)


def test_a_client_that_dies_in_a_case_leaves_reports_naming_that_case(wsprobe, tmp_path):
    tester, url = start_tester(wsprobe, tmp_path)
    client_proc = run_client(url, "crash", "crash", broken_case=4)
    try:
        assert client_proc.wait(timeout=120) == 3, client_proc.communicate()
        entries = wait_for_progress(tmp_path / "index.json", "crash", CASES[3], "last")
        assert list(entries) == CASES[:4]  # the cases reached, and none after
        for cid in CASES[:3]:
            assert set(entries[cid]) == AUTOBAHN_FIELDS, entries[cid]
            assert (entries[cid]["behavior"], entries[cid]["behaviorClose"]) == ("OK", "OK"), entries[cid]
        died = entries[CASES[3]]
        assert died["behavior"] not in ("OK", "INCOMPLETE"), died  # it got its verdict: the client left
        suite, properties, cases = junit_suite(tmp_path, "crash")
        assert (properties["lastCase"], properties["lastCaseState"]) == (CASES[3], "finished")
        assert list(cases) == CASES[:4] and suite.get("errors") is None
        html = (tmp_path / "html" / "index.html").read_text()
        assert 'id="live"' in html and f'crash_case_1_2_1.html">{CASES[3]}</a>' in html
        assert "last case reached" in html
        page = json.loads((tmp_path / "html" / died["reportfile"]).read_text())
        assert page["id"] == CASES[3] and page["behavior"] == died["behavior"] and page["wirelog"]
        assert (tmp_path / "html" / "crash_case_1_2_1.html").exists()
        no_leftovers(tmp_path)
        assert tester.poll() is None  # still waiting for the client to come back
        code, _ = stop(tester, signal.SIGTERM)
        failed = died["behavior"] == "FAILED" or died["behaviorClose"] in ("FAILED", "WRONG CODE", "UNCLEAN")
        assert code == (1 if failed else 2)
    finally:
        kill(client_proc)
        kill(tester)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_client_that_hangs_leaves_reports_naming_its_case_when_wsprobe_is_stopped(wsprobe, tmp_path, signum):
    # Timeouts x50: the hung case cannot end on its own before the signal comes.
    tester, url = start_tester(wsprobe, tmp_path, "--timeout-scale", "50")
    client_proc = run_client(url, "hang", "hang", broken_case=2)
    try:
        wait_for_progress(tmp_path / "index.json", "hang", CASES[1], "running")
        started = time.monotonic()
        code, output = stop(tester, signum)
        assert time.monotonic() - started < 5
        assert code == 2, output  # nothing FAILED, and the run is incomplete: not a pass
        assert "stopped by a signal" in output
        assert any(line.startswith("seed ") for line in output.splitlines())  # not lost with the exit
        entries = case_entries(tmp_path / "index.json", "hang")
        assert list(entries) == CASES[:2]
        assert entries[CASES[0]]["behavior"] == "OK" and "progress" not in entries[CASES[0]]
        hung = entries[CASES[1]]
        assert (hung["behavior"], hung["behaviorClose"], hung["progress"]) == ("INCOMPLETE", "INCOMPLETE", "running")
        suite, properties, cases = junit_suite(tmp_path, "hang")
        assert (properties["lastCase"], properties["lastCaseState"]) == (CASES[1], "running")
        assert (suite.get("tests"), suite.get("errors"), suite.get("failures")) == ("3", "1", "0")
        error = cases[CASES[1]].find("error")
        assert error is not None and error.get("type") == "INCOMPLETE"
        assert "did not finish this case" in error.get("message")
        page = json.loads((tmp_path / "html" / hung["reportfile"]).read_text())
        assert (page["id"], page["behavior"], page["progress"]) == (CASES[1], "INCOMPLETE", "running")
        html = (tmp_path / "html" / "index.html").read_text()
        assert 'id="live"' in html and 'class="v-INCOMPLETE"' in html
        assert "did not finish this case" in (tmp_path / "html" / "hang_case_1_1_2.html").read_text()
        no_leftovers(tmp_path)
    finally:
        kill(client_proc)
        kill(tester)


def assert_final_reports(out, agent):
    """The reports /updateReports writes: Autobahn's fields, no live marks."""
    entries = case_entries(out / "index.json", agent)
    assert list(entries) == CASES
    for cid, entry in entries.items():
        assert set(entry) == AUTOBAHN_FIELDS, entry
        assert (entry["behavior"], entry["behaviorClose"]) == ("OK", "OK"), entry
        page = json.loads((out / "html" / entry["reportfile"]).read_text())
        assert page["behavior"] == "OK" and "progress" not in page
    suite, properties, cases = junit_suite(out, agent)
    assert set(suite.attrib) == {"name", "tests", "failures", "skipped", "time"}
    assert list(properties) == ["url"] and list(cases) == CASES
    html = (out / "html" / "index.html").read_text()
    assert 'id="live"' not in html and "v-INCOMPLETE\"" not in html and "last case reached" not in html
    no_leftovers(out)


def test_update_reports_writes_the_final_reports_and_exits_after_them(wsprobe, tmp_path):
    tester, url = start_tester(wsprobe, tmp_path, "--exit-after-report")
    client_proc = run_client(url, "normal")
    try:
        assert client_proc.wait(timeout=120) == 0, client_proc.communicate()
        assert tester.wait(timeout=30) == 0, tester.communicate()[0].decode(errors="replace")
        assert_final_reports(tmp_path, "normal")
    finally:
        kill(client_proc)
        kill(tester)


def test_a_signal_after_update_reports_keeps_the_final_reports_and_their_verdict(wsprobe, tmp_path):
    tester, url = start_tester(wsprobe, tmp_path)
    client_proc = run_client(url, "normal")
    try:
        assert client_proc.wait(timeout=120) == 0, client_proc.communicate()
        assert_final_reports(tmp_path, "normal")
        before = {p: open(p, "rb").read() for p in glob.glob(str(tmp_path / "**" / "*.*"), recursive=True)}
        code, output = stop(tester, signal.SIGTERM)
        assert code == 0, output  # what /updateReports said: nothing FAILED
        assert {p: open(p, "rb").read() for p in before} == before
    finally:
        kill(client_proc)
        kill(tester)


if __name__ == "__main__":
    client(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
