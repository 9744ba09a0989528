"""Autobahn fuzzingserver client on Debian's python3-aiohttp: python3 aiohttp_client.py BASE_URL AGENT.

Follows the URL protocol of `wsprobe test-client` (see python_websockets.py). Message limit 1 MiB.
Offers permessage-deflate (RFC 7692) on each case: compress=15 (aiohttp's default 0 offers none).
"""
import asyncio
import sys

import aiohttp


async def main(base, agent):
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{base}getCaseCount") as ws:
            count = int((await ws.receive()).data)
        for n in range(1, count + 1):
            try:
                async with session.ws_connect(f"{base}runCase?case={n}&agent={agent}", max_msg_size=2**20,
                                              compress=15) as ws:
                    async for msg in ws:
                        if msg.type == aiohttp.WSMsgType.TEXT:
                            await ws.send_str(msg.data)
                        elif msg.type == aiohttp.WSMsgType.BINARY:
                            await ws.send_bytes(msg.data)
                        else:
                            break  # ERROR: aiohttp has failed the connection
            except (aiohttp.ClientError, OSError, ConnectionError):
                pass
        async with session.ws_connect(f"{base}updateReports?agent={agent}") as ws:
            await ws.receive()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
