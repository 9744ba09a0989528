"""Echo server on Debian's python3-aiohttp. Prints "listening on ws://127.0.0.1:PORT/" when ready."""
import asyncio
import os
import socket
import sys

from aiohttp import WSMsgType, web


async def echo(request):
    # permessage-deflate only in the panel's deflate run (WSPROBE_PEER_DEFLATE=1).
    ws = web.WebSocketResponse(max_msg_size=2**25, compress=os.environ.get("WSPROBE_PEER_DEFLATE") == "1")
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


async def main(port):
    app = web.Application()
    app.router.add_get("/", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    site = web.SockSite(runner, sock)
    await site.start()
    print(f"listening on ws://127.0.0.1:{sock.getsockname()[1]}/", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
