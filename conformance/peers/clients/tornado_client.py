"""Autobahn fuzzingserver client on Debian's python3-tornado: python3 tornado_client.py BASE_URL AGENT.

Follows the URL protocol of `wsprobe test-client` (see python_websockets.py). Message limit 1 MiB.
Each case is bounded to 30 s: Tornado 6.2's client never resolves read_message after a close frame
whose reason is not UTF-8 (its receive loop dies with UnicodeDecodeError), so it would hang there.
Offers permessage-deflate (RFC 7692) on each case: compression_options={} (None, the default, offers none).
"""
import asyncio
import sys

from tornado.websocket import websocket_connect


async def echo(url):
    ws = await websocket_connect(url, max_message_size=2**20, compression_options={})
    try:
        while (message := await ws.read_message()) is not None:
            await ws.write_message(message, binary=isinstance(message, bytes))
    finally:
        ws.close()


async def main(base, agent):
    ws = await websocket_connect(f"{base}getCaseCount")
    count = int(await ws.read_message())
    ws.close()
    for n in range(1, count + 1):
        try:
            await asyncio.wait_for(echo(f"{base}runCase?case={n}&agent={agent}"), 30)
        except Exception:  # noqa: BLE001  Tornado raises several kinds; the case failed the connection
            pass
    ws = await websocket_connect(f"{base}updateReports?agent={agent}")
    while await ws.read_message() is not None:
        pass


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
