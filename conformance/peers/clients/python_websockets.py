"""Autobahn fuzzingserver client on Debian's python3-websockets: python3 python_websockets.py BASE_URL AGENT.

Asks /getCaseCount, echoes every message of /runCase?case=N for N in 1..count, then calls
/updateReports (the URL protocol of `wsprobe test-client`). Message limit 1 MiB (websockets' default).
"""
import asyncio
import sys

import websockets


async def main(base, agent):
    async with websockets.connect(f"{base}getCaseCount") as ws:
        count = int(await ws.recv())
    for n in range(1, count + 1):
        try:
            async with websockets.connect(f"{base}runCase?case={n}&agent={agent}", max_size=2**20) as ws:
                async for message in ws:
                    await ws.send(message)
        except (websockets.WebSocketException, OSError):
            pass  # the case failed the connection: on to the next one
    async with websockets.connect(f"{base}updateReports?agent={agent}") as ws:
        await ws.wait_closed()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
