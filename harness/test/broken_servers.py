"""Small deliberately broken WebSocket servers, to prove that wsprobe test-server catches each
defect in the case that names it, with evidence, and never hangs.

    /usr/bin/python3 broken_servers.py MODE

Binds 127.0.0.1 on a free port and prints "listening on ws://127.0.0.1:PORT/" when ready.
Standard library only. Modes:

  invalid-utf8     echoes binary as it should, but answers every text message with invalid UTF-8
  accept-unmasked  a correct echo server except that it accepts unmasked client frames
  no-close-reply   echoes, but never answers a close frame and never closes TCP first (it keeps
                   reading, echoing and answering pings until the peer closes TCP)
  slow-close       a correct echo server, except that it answers a close frame after 0.8 s
                   (slow, yet inside Autobahn's 1 s close timer: 280 cases one by one took minutes)
  silent           accepts TCP connections and never sends a byte
  random-bytes     completes the handshake, then sends random bytes
  huge-frame       completes the handshake, then claims a 2^63-1 byte frame and dribbles it
  dribble          echoes, one byte every 0.3 s
  close-midframe   completes the handshake, sends half a frame, closes TCP
  crash            serves one connection correctly, then the process exits

Hostile modes, to measure the tester's own time and memory. Each connection floods until the peer
goes away, for at most FLOOD_SECONDS or FLOOD_BYTES, so the server always stops by itself:

  ping-flood       after the handshake sends 125-byte pings as fast as it can, while a second
                   thread echoes what arrives (its close included: the flood goes on regardless)
  fragment-flood   after the handshake starts a text message (FIN=0) and sends small continuation
                   frames forever: one endless message made of many frames
  endless-message  one binary frame that claims 2^62 bytes, its payload streamed at full speed
"""
import base64
import hashlib
import os
import socket
import struct
import sys
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# Per connection. Each of the catalogue's cases gets a connection that floods anew (16 at a time),
# so the bound sets the run's length: 120 s made the ping flood's run take 120-200 s; 15 s of
# flood at loopback speed is still gigabytes against a tester that would buffer them.
FLOOD_SECONDS = 15
FLOOD_BYTES = 8 << 30  # per connection
SLOW_CLOSE_SECONDS = 0.8


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk or len(data) > 65536:
            return None, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def handshake(conn, extensions=lambda offered: "", read=read_head):
    """Answers the upgrade; returns the bytes after the head, or None if refused. `extensions`
    maps the client's Sec-WebSocket-Extensions to the server's answer ("" for none); `read` reads
    the head (read_head: at most 64 KiB, closing without an answer past it)."""
    head, rest = read(conn)
    if head is None:
        return None
    headers = {}
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("sec-websocket-version") != "13":
        conn.sendall(b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n")
        return None
    key = headers.get("sec-websocket-key", "").encode()
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
    answer = extensions(headers.get("sec-websocket-extensions", ""))
    answer = f"Sec-WebSocket-Extensions: {answer}\r\n" if answer else ""
    conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Accept: {accept}\r\n{answer}\r\n").encode())
    return rest


class Reader:
    def __init__(self, conn, rest):
        self.conn, self.buf = conn, rest

    def take(self, n):
        while len(self.buf) < n:
            chunk = self.conn.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def frame(self, require_mask=True):
        b0, b1 = self.take(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.take(8))[0]
        masked = b1 & 0x80
        if require_mask and not masked:
            raise ValueError("unmasked")
        key = self.take(4) if masked else b"\0\0\0\0"
        data = self.take(n)
        mask = int.from_bytes((key * (n // 4 + 1))[:n], "big")
        payload = (int.from_bytes(data, "big") ^ mask).to_bytes(n, "big")
        return b0 & 0x80, b0 & 0x0F, payload


def frame(opcode, payload):
    n = len(payload)
    if n < 126:
        header = bytes([0x80 | opcode, n])
    elif n < 65536:
        header = bytes([0x80 | opcode, 126]) + struct.pack("!H", n)
    else:
        header = bytes([0x80 | opcode, 127]) + struct.pack("!Q", n)
    return header + payload


def echo_loop(conn, rest, mode, send=None):
    """A minimal echo server: joins fragments, answers pings, echoes closes. `send` writes whole
    frames (a flooding thread may share the socket)."""
    reader = Reader(conn, rest)
    message, message_op = b"", 0
    send = send or conn.sendall
    if mode == "dribble":
        def send(data):
            for b in data:
                conn.sendall(bytes([b]))
                time.sleep(0.3)
    while True:
        try:
            fin, op, payload = reader.frame(require_mask=(mode != "accept-unmasked"))
        except ValueError:
            send(frame(8, struct.pack("!H", 1002)))
            return
        if op == 8:
            if mode == "no-close-reply":
                continue
            if mode == "slow-close":
                time.sleep(SLOW_CLOSE_SECONDS)
            send(frame(8, payload[:2]))
            return
        if op == 9:
            send(frame(10, payload))
            continue
        if op == 10:
            continue
        if op in (1, 2):
            message, message_op = payload, op
        elif op == 0:
            message += payload
        if fin:
            if mode == "invalid-utf8" and message_op == 1:
                message = b"\xed\xa0\x80" + message
            send(frame(message_op, message))


def drain(conn):
    """Reads and drops what the peer sends, so it never blocks writing to us."""
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def flood(conn, first, batch, send=None):
    """Sends `first` then `batch` over and over until the peer goes away or the bounds are met."""
    send = send or conn.sendall
    deadline = time.monotonic() + FLOOD_SECONDS
    sent = 0
    try:
        send(first)
        while sent < FLOOD_BYTES and time.monotonic() < deadline:
            send(batch)
            sent += len(batch)
    except OSError:
        pass


def serve_flood(conn, rest, mode):
    # A watchdog bounds the connection whatever the peer does: shutdown wakes a blocked send or recv.
    def cut():
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    watchdog = threading.Timer(FLOOD_SECONDS + 5, cut)
    watchdog.daemon = True
    watchdog.start()
    if mode == "ping-flood":
        lock = threading.Lock()

        def send(data):  # whole frames only: the echo thread and the flood never interleave
            with lock:
                conn.sendall(data)

        flooder = threading.Thread(target=flood, args=(conn, b"", frame(9, b"p" * 125) * 512, send), daemon=True)
        flooder.start()
        try:
            echo_loop(conn, rest, mode, send)
        except (EOFError, OSError):
            pass
        flooder.join()
    else:
        threading.Thread(target=drain, args=(conn,), daemon=True).start()
        if mode == "fragment-flood":  # RFC 6455 5.4: a text frame with FIN=0, then continuations
            flood(conn, b"\x01\x10" + b"a" * 16, (b"\x00\x10" + b"a" * 16) * 3640)
        else:  # endless-message: RFC 6455 5.2, a 64-bit length of 2^62
            flood(conn, b"\x82\x7f" + struct.pack("!Q", 1 << 62), b"\x00" * (1 << 20))
    watchdog.cancel()


def serve(conn, mode, done):
    try:
        if mode == "silent":
            time.sleep(60)
            return
        rest = handshake(conn)
        if rest is None:
            return
        if mode == "random-bytes":
            conn.sendall(os.urandom(4096))
            time.sleep(5)
        elif mode == "huge-frame":
            conn.sendall(b"\x82\x7f\x7f\xff\xff\xff\xff\xff\xff\xff")
            for _ in range(100):
                conn.sendall(b"\x00" * 65536)
                time.sleep(0.05)
        elif mode == "close-midframe":
            conn.sendall(b"\x81\x0aHello")
        elif mode in ("ping-flood", "fragment-flood", "endless-message"):
            serve_flood(conn, rest, mode)
        else:
            echo_loop(conn, rest, mode)
            if mode == "no-close-reply":
                time.sleep(60)
    except (EOFError, OSError):
        pass
    finally:
        conn.close()
        done.set()


def listen():
    """A loopback listener on a free port, announced with the readiness line the tests wait on."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(f"listening on ws://127.0.0.1:{listener.getsockname()[1]}/", flush=True)
    return listener


def serve_forever(serve, *args):
    """Serves every connection on its own thread with serve(conn, *args)."""
    listener = listen()
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, *args), daemon=True).start()


def main():
    mode = sys.argv[1]
    listener = listen()
    count = 0
    while True:
        conn, _ = listener.accept()
        count += 1
        done = threading.Event()
        threading.Thread(target=serve, args=(conn, mode, done), daemon=True).start()
        if mode == "crash" and count == 2:
            # The probe connection is the first; the first real case is served, then we die.
            # Accepting nothing more until then keeps it exact however fast the cases run.
            done.wait()
            os._exit(3)


if __name__ == "__main__":
    main()
