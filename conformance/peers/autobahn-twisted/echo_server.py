"""Echo server on Debian's python3-autobahn, Twisted flavour (python3-twisted). Prints the readiness line."""
import os
import sys

from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept
from twisted.internet import reactor


class Echo(WebSocketServerProtocol):
    def onMessage(self, payload, isBinary):
        self.sendMessage(payload, isBinary)


def accept_deflate(offers):
    """Accepts the first permessage-deflate offer as offered (Autobahn's own example)."""
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return PerMessageDeflateOfferAccept(offer)
    return None


def main(port):
    factory = WebSocketServerFactory()
    factory.protocol = Echo
    factory.setProtocolOptions(maxMessagePayloadSize=2**25, maxFramePayloadSize=2**25)
    if os.environ.get("WSPROBE_PEER_DEFLATE") == "1":  # the panel's permessage-deflate run
        factory.setProtocolOptions(perMessageCompressionAccept=accept_deflate)
    listener = reactor.listenTCP(port, factory, interface="127.0.0.1")
    print(f"listening on ws://127.0.0.1:{listener.getHost().port}/", flush=True)
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
