"""permessage-deflate (RFC 7692) between the reference server and client and python3-websockets:
`wsprobe serve` accepts it by default and echoes compressed, `--no-deflate` declines it, and
`wsprobe connect` offers it; `--deflate-level` sets how hard either compresses."""
import asyncio
import base64
import socket
import struct
import subprocess
import zlib

import websockets

MESSAGES = ["Hello", "Hello" * 1000, b"\x00\x01" * 5000, "", "caf\u00e9 " * 300]


async def echo_round_trip(url):
    async with websockets.connect(url, compression="deflate", open_timeout=10, close_timeout=10) as ws:
        agreed = ws.response_headers.get("Sec-WebSocket-Extensions")
        for _ in range(3):  # context takeover carries over between messages
            for message in MESSAGES:
                await ws.send(message)
                assert await asyncio.wait_for(ws.recv(), 10) == message
        return agreed


def test_reference_server_echoes_compressed_messages_to_python_websockets(reference_server):
    _, url = reference_server()
    assert asyncio.run(echo_round_trip(url)) == "permessage-deflate"


def test_reference_server_honours_the_parameters_it_asks_for(reference_server):
    _, url = reference_server("--deflate-server-no-context-takeover", "--deflate-server-max-window-bits", "9",
                              "--deflate-client-max-window-bits", "10")
    agreed = asyncio.run(echo_round_trip(url))
    assert agreed == ("permessage-deflate; server_no_context_takeover; server_max_window_bits=9; "
                      "client_max_window_bits=10")


def test_reference_server_declines_deflate_with_no_deflate(reference_server):
    _, url = reference_server("--no-deflate")
    assert asyncio.run(echo_round_trip(url)) is None


def test_reference_client_offers_deflate_and_talks_compressed(wsprobe, reference_server):
    _, url = reference_server()
    proc = subprocess.run([wsprobe, "connect", url, "-t", "squeeze me " * 50, "-t", "again"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "extensions: permessage-deflate" in proc.stderr
    assert proc.stdout.splitlines() == ["squeeze me " * 50, "again"]
    plain = subprocess.run([wsprobe, "connect", url, "--no-deflate", "-t", "plain"],
                           capture_output=True, text=True, timeout=30)
    assert plain.returncode == 0, plain.stderr
    assert "extensions:" not in plain.stderr


def compressed_echo(url, text):
    """Raw client: offers permessage-deflate, sends `text` uncompressed (RSV1 clear, allowed while
    deflate is agreed, RFC 7692 6), and returns the server's echo frame: (RSV1 set, payload
    length, inflated payload)."""
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        key = base64.b64encode(b"deflate-level-00").decode()
        s.sendall((f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            assert chunk, "closed during the handshake"
            data += chunk
        head, data = data.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101") and b"permessage-deflate" in head, head
        payload, mask = text.encode(), b"\x0a\x0b\x0c\x0d"
        s.sendall(struct.pack("!BBH", 0x81, 0x80 | 126, len(payload)) + mask +
                  bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        while len(data) < 4:
            data += s.recv(65536)
        b0, b1 = data[0], data[1] & 0x7F
        length, at = (b1, 2) if b1 < 126 else (struct.unpack("!H", data[2:4])[0], 4)
        if b1 == 127:
            while len(data) < 10:
                data += s.recv(65536)
            length, at = struct.unpack("!Q", data[2:10])[0], 10
        while len(data) < at + length:
            chunk = s.recv(65536)
            assert chunk, "closed before the echo"
            data += chunk
        body = data[at:at + length]
        # RFC 7692 7.2.2: append 00 00 FF FF, then inflate (raw deflate).
        inflated = zlib.decompressobj(-15).decompress(body + b"\x00\x00\xff\xff")
        return bool(b0 & 0x40), length, inflated.decode()


def test_deflate_level_sets_how_hard_the_server_compresses(reference_server):
    text = "".join(f"line {i} of a log file, level {i % 7}\n" for i in range(1500))[:60000]
    sizes = {}
    for level in ("0", "1", "3"):
        _, url = reference_server("--deflate-level", level)
        rsv1, sizes[level], echoed = compressed_echo(url, text)
        assert rsv1 and echoed == text
    # Every level compresses (igzip has no stored level); which is smallest depends on the text.
    assert all(size < len(text) // 3 for size in sizes.values()), sizes


def test_deflate_level_out_of_range_is_a_usage_error(wsprobe):
    for command in ("serve", "connect"):
        argv = [wsprobe, command] + (["ws://127.0.0.1:9/"] if command == "connect" else []) + \
            ["--deflate-level", "4"]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert proc.returncode != 0 and "deflate-level" in proc.stderr, proc.stderr


def test_reference_client_compresses_at_the_level_given(wsprobe, reference_server):
    _, url = reference_server()
    proc = subprocess.run([wsprobe, "connect", url, "--deflate-level", "3", "-t", "squeeze me " * 500],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["squeeze me " * 500]
