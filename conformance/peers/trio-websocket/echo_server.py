"""Echo server on Debian's python3-trio-websocket (on trio). Prints the readiness line."""
import sys
from functools import partial

import trio
from trio_websocket import ConnectionClosed, serve_websocket
from wsproto.utilities import LocalProtocolError


async def echo(request):
    ws = await request.accept()
    try:
        while True:
            await ws.send_message(await ws.get_message())
    except ConnectionClosed:
        pass
    except LocalProtocolError:
        # trio-websocket 0.9.2 on wsproto 1.2 raises this instead of ConnectionClosed when the
        # client's close arrives while an echo is being sent; uncaught, it ends the whole server
        # (serve_websocket's nursery), so the shim ends only this connection.
        pass


async def main(port):
    async with trio.open_nursery() as nursery:
        # serve_websocket reports its listeners through task_status once bound.
        server = await nursery.start(partial(serve_websocket, echo, "127.0.0.1", port, ssl_context=None,
                                             max_message_size=2**25))
        print(f"listening on ws://127.0.0.1:{server.port}/", flush=True)


if __name__ == "__main__":
    try:
        trio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    except KeyboardInterrupt:
        pass
