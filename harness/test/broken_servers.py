"""Small deliberately broken WebSocket servers, to prove that wsprobe test-server catches each
defect in the case that names it, with evidence, and never hangs.

    /usr/bin/python3 broken_servers.py MODE

Binds 127.0.0.1 on a free port and prints "listening on ws://127.0.0.1:PORT/" when ready.
Standard library only. Modes:

  invalid-utf8     echoes binary as it should, but answers every text message with invalid UTF-8
  accept-unmasked  a correct echo server except that it accepts unmasked client frames
  no-close-reply   echoes, but never answers a close frame (and never closes TCP)
  silent           accepts TCP connections and never sends a byte
  random-bytes     completes the handshake, then sends random bytes
  huge-frame       completes the handshake, then claims a 2^63-1 byte frame and dribbles it
  dribble          echoes, one byte every 0.3 s
  close-midframe   completes the handshake, sends half a frame, closes TCP
  crash            serves one connection correctly, then the process exits
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


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def handshake(conn):
    """Answers the upgrade; returns the bytes after the head, or None if refused."""
    head, rest = read_head(conn)
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
    conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
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
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(self.take(n)))
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


def echo_loop(conn, rest, mode):
    """A minimal echo server: joins fragments, answers pings, echoes closes."""
    reader = Reader(conn, rest)
    message, message_op = b"", 0
    send = conn.sendall
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
        else:
            echo_loop(conn, rest, mode)
            if mode == "no-close-reply":
                time.sleep(60)
    except (EOFError, OSError):
        pass
    finally:
        conn.close()
        done.set()


def main():
    mode = sys.argv[1]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(f"listening on ws://127.0.0.1:{listener.getsockname()[1]}/", flush=True)
    first_done = threading.Event()
    if mode == "crash":
        # The probe connection is the first; the first real case is served, then we die.
        def die():
            first_done.wait()
            served.wait()
            os._exit(3)
        served = threading.Event()
        threading.Thread(target=die, daemon=True).start()
    count = 0
    while True:
        conn, _ = listener.accept()
        count += 1
        done = threading.Event()
        if mode == "crash" and count == 2:
            done = served
        if mode == "crash" and count == 1:
            done = first_done
        threading.Thread(target=serve, args=(conn, mode, done), daemon=True).start()


if __name__ == "__main__":
    main()
