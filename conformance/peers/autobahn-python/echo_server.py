"""Echo server on Debian's python3-autobahn (asyncio flavour). Prints the readiness line."""
import asyncio
import os
import sys

from autobahn.asyncio.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept


class Echo(WebSocketServerProtocol):
    def onMessage(self, payload, isBinary):
        self.sendMessage(payload, isBinary)


def accept_deflate(offers):
    """Accepts the first permessage-deflate offer as offered (Autobahn's own example)."""
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return PerMessageDeflateOfferAccept(offer)
    return None


async def main(port):
    factory = WebSocketServerFactory()
    factory.protocol = Echo
    factory.setProtocolOptions(maxMessagePayloadSize=2**25, maxFramePayloadSize=2**25)
    if os.environ.get("WSPROBE_PEER_DEFLATE") == "1":  # the panel's permessage-deflate run
        factory.setProtocolOptions(perMessageCompressionAccept=accept_deflate)
    server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", port)
    print(f"listening on ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
