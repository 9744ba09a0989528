"""`wsprobe serve`'s echo path for pipelined messages: several reads per wakeup, large payloads
moved into the output (not copied) and written with small frames in one gathered write. Whatever
the sizes and their mix, every message comes back whole, of its type, in order (RFC 6455 5.6)."""
import asyncio

import websockets

# Large (moved into the output), small (copied) and empty messages, text and binary, interleaved.
SIZES = [70000, 3, 262144, 0, 4096, 4095, 65536, 1, 200000, 16]


def messages(round_):
    out = []
    for i, n in enumerate(SIZES):
        if i % 2:
            out.append(bytes((round_ + i + k) % 251 for k in range(n)))
        else:
            out.append("".join(chr(0x61 + (round_ + i + k) % 26) for k in range(n)))
    return out


async def pipelined(url, rounds, compression=None):
    async with websockets.connect(url, compression=compression, max_size=None, open_timeout=10,
                                  close_timeout=10) as ws:
        sent = [m for r in range(rounds) for m in messages(r)]
        for m in sent:  # all in flight before the first echo is read
            await ws.send(m)
        for m in sent:
            assert await asyncio.wait_for(ws.recv(), 20) == m
        return ws.response_headers.get("Sec-WebSocket-Extensions")


def test_pipelined_messages_of_every_size_come_back_whole_and_in_order(reference_server):
    _, url = reference_server("--no-deflate")
    assert asyncio.run(pipelined(url, 4)) is None


def test_the_same_with_deflate(reference_server):
    _, url = reference_server()
    assert asyncio.run(pipelined(url, 2, "deflate")) == "permessage-deflate"
