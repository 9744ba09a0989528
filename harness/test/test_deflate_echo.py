"""permessage-deflate (RFC 7692) between the reference server and client and python3-websockets:
`wsprobe serve` accepts it by default and echoes compressed, `--no-deflate` declines it, and
`wsprobe connect` offers it."""
import asyncio
import subprocess

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
