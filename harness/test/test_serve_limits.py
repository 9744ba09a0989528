"""`wsprobe serve` under many connections (issue 12 item 4): idle connections cost little memory,
the connection limit answers 503 beyond it, and the event loops (--threads) each serve their share
while a fresh client still gets its echo.

WSPROBE_IDLE_CONNECTIONS sets how many idle connections to hold (default 2,000; ci/bench-style
runs use 10,000); the figure is printed."""
import base64
import os
import resource
import selectors
import socket
import struct
import subprocess
import sys
import time

import pytest

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conformance"))
from processes import start, stop  # noqa: E402

IDLE = int(os.environ.get("WSPROBE_IDLE_CONNECTIONS", "2000"))
PER_CONNECTION_LIMIT = 64 * 1024  # the bound for an idle connection
HANDSHAKE_SECONDS = 60.0


def host_port(url):
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    return host, int(port)


def request(host, port, n):
    key = base64.b64encode(n.to_bytes(16, "big")).decode()
    return (f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()


def open_many(url, count):
    """Opens `count` connections and completes each handshake, all at once with a selector
    (bounded by HANDSHAKE_SECONDS). Returns (sockets, {status line: count})."""
    host, port = host_port(url)
    sel = selectors.DefaultSelector()
    socks, heads, statuses = [], {}, {}
    for n in range(count):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(request(host, port, n))
        s.setblocking(False)
        socks.append(s)
        heads[s] = b""
        sel.register(s, selectors.EVENT_READ)
    pending = count
    deadline = time.monotonic() + HANDSHAKE_SECONDS
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            heads[s] += data
            if b"\r\n\r\n" in heads[s] or not data:
                sel.unregister(s)
                pending -= 1
                line = heads[s].split(b"\r\n", 1)[0].decode(errors="replace") or "(closed)"
                statuses[line] = statuses.get(line, 0) + 1
    sel.close()
    assert pending == 0, f"{pending} of {count} handshakes unanswered after {HANDSHAKE_SECONDS} s"
    return socks, statuses


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def echo_once(url, payload=b"health"):
    """A fresh client: handshake, one masked text frame, its echo."""
    host, port = host_port(url)
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(request(host, port, 7))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            assert chunk, "closed during the handshake"
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head[:80]
        rest = head.split(b"\r\n\r\n", 1)[1]
        mask = b"\x01\x02\x03\x04"
        s.sendall(struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask +
                  bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        while len(rest) < 2 + len(payload):
            chunk = s.recv(4096)
            assert chunk, "closed before the echo"
            rest += chunk
        assert rest[:2 + len(payload)] == bytes([0x81, len(payload)]) + payload


@pytest.fixture
def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = IDLE + 256
    if hard != resource.RLIM_INFINITY and hard < want:
        pytest.skip(f"the descriptor limit ({hard}) is below {want}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def serve(wsprobe, *extra):
    # The server inherits our descriptor limit (raised by raise_fd_limit where needed).
    return start([wsprobe, "serve", "--port", "0", *extra])


def test_idle_connections_cost_less_than_64_kib_each(wsprobe, raise_fd_limit):
    proc, url = serve(wsprobe, "--threads", "2")
    socks = []
    try:
        echo_once(url)  # the loops' buffers and the first session exist before the baseline
        before = rss_kib(proc.pid)
        socks, statuses = open_many(url, IDLE)
        assert statuses == {"HTTP/1.1 101 Switching Protocols": IDLE}, statuses
        after = rss_kib(proc.pid)
        per = (after - before) * 1024 / IDLE
        print(f"\n{IDLE} idle connections: server RSS {before} KiB -> {after} KiB, "
              f"{per / 1024:.1f} KiB each")
        assert per < PER_CONNECTION_LIMIT, f"{per / 1024:.1f} KiB per idle connection"
        echo_once(url)  # still responsive to a fresh client
    finally:
        for s in socks:
            s.close()
        stop(proc)


def test_a_connection_over_the_limit_gets_503_and_the_others_keep_working(wsprobe):
    proc, url = serve(wsprobe, "--max-connections", "20")
    socks = []
    try:
        socks, statuses = open_many(url, 20)
        assert statuses == {"HTTP/1.1 101 Switching Protocols": 20}, statuses
        more, refused = open_many(url, 3)
        socks += more
        assert list(refused) == ["HTTP/1.1 503 Service Unavailable"], refused
        for s in socks[:20]:
            s.close()
        socks = socks[20:]
        for _ in range(50):  # the server sees the closes asynchronously: bounded retries
            try:
                echo_once(url)
                break
            except AssertionError:
                time.sleep(0.1)
        else:
            pytest.fail("no connection accepted again after the others closed")
    finally:
        for s in socks:
            s.close()
        stop(proc)


@pytest.mark.parametrize("threads", ["1", "4"])
def test_every_event_loop_echoes(wsprobe, threads):
    proc, url = serve(wsprobe, "--threads", threads)
    try:
        for _ in range(12):  # connections go to the loops in turn: each gets three
            echo_once(url)
    finally:
        stop(proc)


def test_max_connections_is_checked(wsprobe):
    r = subprocess.run([wsprobe, "serve", "--max-connections", "0"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2 and "--max-connections" in r.stderr
