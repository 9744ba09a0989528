"""A small permessage-deflate echo server with a negotiation defect, to prove that wsprobe
test-server's deflate cases (RFC 7692) judge the server's response against the offer.

    /usr/bin/python3 deflate_servers.py MODE

Binds 127.0.0.1 on a free port and prints "listening on ws://127.0.0.1:PORT/" when ready.
Standard library only. Modes:

  window-10   accepts any permessage-deflate offer with "permessage-deflate; server_max_window_bits=10",
              whatever was offered (allowed unasked, too large when the offer asked for 9, and
              missing server_no_context_takeover when the offer asked for it: RFC 7692 7.1);
              inflates compressed messages and echoes them uncompressed (RSV1 unset: allowed)
  echo-first  never declines: answers the first permessage-deflate offer with the offer itself,
              unknown, repeated and invalid parameters included (RFC 7692 7: such an offer MUST
              be declined)
  echo-last   answers the last permessage-deflate offer with the offer itself, where the first
              would do (RFC 7692 5: the first is preferred)
  client-window-15
              accepts any permessage-deflate offer with "permessage-deflate;
              client_max_window_bits=15", whether the offer carried client_max_window_bits or
              not (RFC 7692 7.1.2.2: MUST NOT when not offered; never above the offered value)
  refuse-offers
              answers 400 to any request that offers an extension, instead of declining the
              offer (RFC 7692 7); requests without one are accepted
  wide-window agrees to the server_* parameters of the first permessage-deflate offer as they
              stand (server_no_context_takeover, server_max_window_bits=N), then compresses its
              echoes with a 32 KiB window and keeps its context across them, whatever it agreed
              (RFC 7692 7.1.1.1, 7.1.2.1: MUST NOT)

The others echo as window-10 does.
"""
import sys
import zlib

from broken_servers import Reader, frame, read_head, serve_forever
from broken_servers import handshake as broken_handshake

TAIL = b"\x00\x00\xff\xff"  # RFC 7692 7.2.2: appended before inflating


def deflate_offers(offered):
    """The permessage-deflate elements of a Sec-WebSocket-Extensions value, as written (the
    tester's offers hold no comma inside a quoted value)."""
    elements = [e.strip() for e in offered.split(",")]
    return [e for e in elements if e.split(";")[0].strip() == "permessage-deflate"]


# Each mode's flaw: the client's Sec-WebSocket-Extensions -> the server's answer ("" declines).
ANSWERS = {
    # A window of 10 bits answered to any deflate offer, whatever it allowed.
    "window-10": lambda offered: "permessage-deflate; server_max_window_bits=10" if deflate_offers(offered) else "",
    "echo-first": lambda offered: (deflate_offers(offered) or [""])[0],
    "echo-last": lambda offered: (deflate_offers(offered) or [""])[-1],
    "client-window-15": lambda offered: "permessage-deflate; client_max_window_bits=15" if deflate_offers(offered) else "",
    "refuse-offers": None,  # see handshake
    "wide-window": lambda offered: "; ".join(
        [p.strip() for p in (deflate_offers(offered) or [""])[0].split(";")
         if p.strip() == "permessage-deflate" or p.strip().startswith("server_")]),
}
COMPRESSES = {"wide-window"}  # modes that send their echoes compressed


class Replay:
    """A connection whose first bytes, already read, are read again."""

    def __init__(self, conn, data):
        self.conn, self.data = conn, data

    def recv(self, n):
        if not self.data:
            return self.conn.recv(n)
        out, self.data = self.data[:n], self.data[n:]
        return out

    def sendall(self, data):
        self.conn.sendall(data)


def handshake(conn, answer):
    """Returns the bytes after the head, or None when the request was refused."""
    if answer is not None:
        return broken_handshake(conn, answer)
    head, rest = read_head(conn)  # refuse-offers
    if head is None:
        return None
    if "\r\nsec-websocket-extensions:" in head.lower():
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return None
    return broken_handshake(Replay(conn, head.encode("latin-1") + b"\r\n\r\n" + rest))


class RsvReader(Reader):
    """broken_servers.Reader, keeping RSV1."""

    def frame_with_rsv1(self):
        if not self.buf:
            first = self.take(1)  # reads what has arrived; the first byte goes back
            self.buf = first + self.buf
        rsv1 = bool(self.buf[0] & 0x40)
        fin, op, payload = self.frame()
        return fin, op, rsv1, payload


def compressed_frame(deflater, opcode, message):
    """One frame with RSV1 (RFC 7692 6): the message sync-flushed, the tail removed (7.2.1)."""
    data = deflater.compress(message) + deflater.flush(zlib.Z_SYNC_FLUSH)
    out = bytearray(frame(opcode, data[:-4] if data.endswith(TAIL) else data))
    out[0] |= 0x40
    return bytes(out)


def serve(conn, answer, compress=False):
    try:
        rest = handshake(conn, answer)
        if rest is None:
            return
        reader = RsvReader(conn, rest)
        inflater = zlib.decompressobj(-15)  # the context is kept: always safe for inflating
        deflater = zlib.compressobj(6, zlib.DEFLATED, -15)  # 32 KiB, never reset
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
                if compress:
                    conn.sendall(compressed_frame(deflater, op_of_message, message))
                else:
                    conn.sendall(frame(op_of_message, message))
    except (EOFError, OSError, ValueError, zlib.error):
        pass
    finally:
        conn.close()


def main():
    if sys.argv[1] not in ANSWERS:
        sys.exit(f"unknown mode {sys.argv[1]}")
    serve_forever(serve, ANSWERS[sys.argv[1]], sys.argv[1] in COMPRESSES)


if __name__ == "__main__":
    main()
