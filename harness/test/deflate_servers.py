"""A small permessage-deflate echo server with a negotiation defect, to prove that wsprobe
test-server's deflate cases (RFC 7692) judge the server's response against the offer.

    /usr/bin/python3 deflate_servers.py MODE

Binds 127.0.0.1 on a free port and prints "listening on ws://127.0.0.1:PORT/" when ready.
Standard library only. Modes:

  window-10   accepts any permessage-deflate offer with "permessage-deflate; server_max_window_bits=10",
              whatever was offered (allowed unasked, too large when the offer asked for 9, and
              missing server_no_context_takeover when the offer asked for it: RFC 7692 7.1);
              inflates compressed messages and echoes them uncompressed (RSV1 unset: allowed)
"""
import sys
import zlib

from broken_servers import Reader, frame, serve_forever
from broken_servers import handshake as broken_handshake

TAIL = b"\x00\x00\xff\xff"  # RFC 7692 7.2.2: appended before inflating


def handshake(conn):
    # The flaw: a window of 10 bits answered to any deflate offer, whatever it allowed.
    return broken_handshake(
        conn, lambda offered: "permessage-deflate; server_max_window_bits=10" if "permessage-deflate" in offered else "")


class RsvReader(Reader):
    """broken_servers.Reader, keeping RSV1."""

    def frame_with_rsv1(self):
        if not self.buf:
            first = self.take(1)  # reads what has arrived; the first byte goes back
            self.buf = first + self.buf
        rsv1 = bool(self.buf[0] & 0x40)
        fin, op, payload = self.frame()
        return fin, op, rsv1, payload


def serve(conn):
    try:
        rest = handshake(conn)
        if rest is None:
            return
        reader = RsvReader(conn, rest)
        inflater = zlib.decompressobj(-15)  # the context is kept: always safe for inflating
        message, op_of_message, compressed = b"", 0, False
        while True:
            fin, op, rsv1, payload = reader.frame_with_rsv1()
            if op == 8:
                conn.sendall(frame(8, payload[:2]))
                return
            if op == 9:
                conn.sendall(frame(10, payload))
                continue
            if op in (1, 2):
                message, op_of_message, compressed = payload, op, rsv1
            elif op == 0:
                message += payload
            if fin:
                if compressed:
                    message = inflater.decompress(message + TAIL)
                conn.sendall(frame(op_of_message, message))
    except (EOFError, OSError, ValueError, zlib.error):
        pass
    finally:
        conn.close()


def main():
    if sys.argv[1] != "window-10":
        sys.exit(f"unknown mode {sys.argv[1]}")
    serve_forever(serve)


if __name__ == "__main__":
    main()
