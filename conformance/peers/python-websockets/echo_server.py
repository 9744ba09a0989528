"""Echo server on Debian's python3-websockets (apt-get install python3-websockets).

Run with Debian's /usr/bin/python3. Binds 127.0.0.1 on the given port (0: a free one) and prints
"listening on ws://127.0.0.1:PORT/" once ready, as wsprobe serve does.
"""
import asyncio
import os
import sys

import websockets


async def echo(ws, path=None):
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass


async def main(port):
    # As python-websockets' own compliance/test_server.py: no size limit, no compression, unless
    # WSPROBE_PEER_DEFLATE=1 (the panel's permessage-deflate run): then the library's default deflate.
    compression = "deflate" if os.environ.get("WSPROBE_PEER_DEFLATE") == "1" else None
    async with websockets.serve(echo, "127.0.0.1", port, max_size=2**25, compression=compression) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"listening on ws://127.0.0.1:{bound}/", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    except KeyboardInterrupt:
        pass
