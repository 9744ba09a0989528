"""Echo server on Debian's python3-wsproto (a sans-I/O core) over plain sockets, one thread per
connection. Prints "listening on ws://127.0.0.1:PORT/" when ready."""
import os
import socket
import sys
import threading

from wsproto import ConnectionType, WSConnection
from wsproto.extensions import PerMessageDeflate
from wsproto.utilities import RemoteProtocolError
from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Ping, RejectConnection,
                            Request, TextMessage)


# No compression unless WSPROBE_PEER_DEFLATE=1 (the panel's permessage-deflate run, RFC 7692):
# then the library's PerMessageDeflate with its defaults, agreed to when the client offers it.
DEFLATE = os.environ.get("WSPROBE_PEER_DEFLATE") == "1"


def serve(sock):
    ws = WSConnection(ConnectionType.SERVER)
    text, data = [], []
    try:
        while True:
            chunk = sock.recv(65536)
            ws.receive_data(chunk or None)
            out = b""
            for event in ws.events():
                if isinstance(event, Request):
                    out += ws.send(AcceptConnection(extensions=[PerMessageDeflate()] if DEFLATE else []))
                elif isinstance(event, TextMessage):
                    text.append(event.data)
                    if event.message_finished:
                        out += ws.send(TextMessage(data="".join(text)))
                        text = []
                elif isinstance(event, BytesMessage):
                    data.append(event.data)
                    if event.message_finished:
                        out += ws.send(BytesMessage(data=b"".join(data)))
                        data = []
                elif isinstance(event, Ping):
                    out += ws.send(event.response())
                elif isinstance(event, CloseConnection):
                    if ws.state.name != "CLOSED":
                        out += ws.send(event.response())
            if out:
                sock.sendall(out)
            if not chunk or ws.state.name == "CLOSED":
                return
    except RemoteProtocolError as e:
        # wsproto suggests the answer (a RejectConnection with 400 or 426) as the error's hint.
        if e.event_hint is not None:
            try:
                sock.sendall(ws.send(e.event_hint))
            except Exception:
                pass
        return
    except Exception:  # any other protocol error the library raised: drop the connection
        return
    finally:
        sock.close()


def main(port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    print(f"listening on ws://127.0.0.1:{listener.getsockname()[1]}/", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
