"""Echo server on Debian's python3-tornado. Prints "listening on ws://127.0.0.1:PORT/" when ready."""
import asyncio
import os
import sys

import tornado.netutil
import tornado.web
import tornado.websocket


class Echo(tornado.websocket.WebSocketHandler):
    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))

    def check_origin(self, origin):
        return True

    def get_compression_options(self):
        # None (the default) refuses permessage-deflate; {} accepts it with Tornado's defaults, in
        # the panel's deflate run (WSPROBE_PEER_DEFLATE=1).
        return {} if os.environ.get("WSPROBE_PEER_DEFLATE") == "1" else None


async def main(port):
    app = tornado.web.Application([(r"/", Echo)], websocket_max_message_size=2**25)
    sockets = tornado.netutil.bind_sockets(port, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    print(f"listening on ws://127.0.0.1:{sockets[0].getsockname()[1]}/", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    import tornado.httpserver
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
