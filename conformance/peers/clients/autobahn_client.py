"""Autobahn fuzzingserver client on Debian's python3-autobahn (asyncio):
python3 autobahn_client.py BASE_URL AGENT.

Follows the URL protocol of `wsprobe test-client` (see python_websockets.py). Message limit 1 MiB.
Offers permessage-deflate (RFC 7692) and accepts the server's answer (Autobahn offers none by default).
"""
import asyncio
import sys
from urllib.parse import urlparse

from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateResponse, PerMessageDeflateResponseAccept


class Echo(WebSocketClientProtocol):
    def onMessage(self, payload, isBinary):
        if self.factory.received is not None:
            self.factory.received.append(payload)
        else:
            self.sendMessage(payload, isBinary)

    def onClose(self, wasClean, code, reason):
        if not self.factory.done.done():
            self.factory.done.set_result(None)


def accept_deflate(response):
    """Accepts the server's permessage-deflate answer to the offer (None refuses it)."""
    return PerMessageDeflateResponseAccept(response) if isinstance(response, PerMessageDeflateResponse) else None


async def visit(url, keep=False):
    """One connection to url; returns the messages received if keep, else echoes them."""
    factory = WebSocketClientFactory(url)
    factory.protocol = Echo
    factory.setProtocolOptions(maxMessagePayloadSize=2**20, maxFramePayloadSize=2**20,
                               perMessageCompressionOffers=[PerMessageDeflateOffer()],
                               perMessageCompressionAccept=accept_deflate)
    factory.received = [] if keep else None
    factory.done = asyncio.get_running_loop().create_future()
    where = urlparse(url)
    try:
        await asyncio.get_running_loop().create_connection(factory, where.hostname, where.port)
        await factory.done
    except OSError:
        pass
    return factory.received


async def main(base, agent):
    count = int((await visit(f"{base}getCaseCount", keep=True))[0])
    for n in range(1, count + 1):
        await visit(f"{base}runCase?case={n}&agent={agent}")
    await visit(f"{base}updateReports?agent={agent}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
