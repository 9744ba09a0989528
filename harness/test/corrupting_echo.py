"""An echo server that gets some echoes wrong, to prove that `wsprobe bench` checks every echo.

    /usr/bin/python3 corrupting_echo.py MODE

Binds 127.0.0.1 on a free port and prints "listening on ws://127.0.0.1:PORT/" when ready.
Standard library only. A correct echo server (it reuses broken_servers.py's handshake, frame
reader and writer), except that on each connection every message whose number n (from 0)
has n % EVERY == WHICH comes back wrong, by MODE:

  content   one byte in the middle of the payload flipped (the length and type are right)
  length    the last byte dropped
  type      a text message echoed as binary (and binary as text, when it is valid UTF-8)
"""
import struct
import sys

from broken_servers import Reader, frame, handshake, serve_forever

EVERY = 7
WHICH = 3


def spoil(mode, op, payload):
    if mode == "content":
        i = len(payload) // 2
        return op, payload[:i] + bytes([payload[i] ^ 0xFF]) + payload[i + 1:]
    if mode == "length":
        return op, payload[:-1]
    return 3 - op, payload  # type: 1 (text) <-> 2 (binary)


def serve(conn, mode):
    try:
        rest = handshake(conn)
        if rest is None:
            return
        reader = Reader(conn, rest)
        message, message_op, count = b"", 0, 0
        while True:
            fin, op, payload = reader.frame()
            if op == 8:  # RFC 6455 5.5.1: answer the close, then close TCP
                conn.sendall(frame(8, payload[:2]))
                return
            if op == 9:
                conn.sendall(frame(10, payload))
                continue
            if op == 10:
                continue
            if op in (1, 2):
                message, message_op = payload, op
            else:
                message += payload
            if fin:
                out_op, out = message_op, message
                if count % EVERY == WHICH and message:
                    out_op, out = spoil(mode, message_op, message)
                conn.sendall(frame(out_op, out))
                count += 1
    except (EOFError, OSError, ValueError, struct.error):
        pass
    finally:
        conn.close()


def main():
    mode = sys.argv[1]
    assert mode in ("content", "length", "type"), mode
    serve_forever(serve, mode)


if __name__ == "__main__":
    main()
