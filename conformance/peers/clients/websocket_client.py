"""Autobahn fuzzingserver client on Debian's python3-websocket (websocket-client):
python3 websocket_client.py BASE_URL AGENT.

Follows the URL protocol of `wsprobe test-client` (see python_websockets.py). websocket-client has
no message limit. Synchronous: recv_data answers pings and the close itself.
"""
import sys

import websocket


def main(base, agent):
    ws = websocket.create_connection(f"{base}getCaseCount")
    count = int(ws.recv())
    ws.close()
    for n in range(1, count + 1):
        ws = None
        try:
            ws = websocket.create_connection(f"{base}runCase?case={n}&agent={agent}")
            while True:
                opcode, data = ws.recv_data()
                if opcode not in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
                    break  # the close, already answered
                ws.send(data, opcode)
        except (websocket.WebSocketException, OSError, ValueError):  # ValueError: a redirect it cannot follow
            pass
        finally:
            if ws is not None:
                ws.shutdown()
    ws = websocket.create_connection(f"{base}updateReports?agent={agent}")
    try:
        ws.recv()
    except websocket.WebSocketException:
        pass
    ws.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
