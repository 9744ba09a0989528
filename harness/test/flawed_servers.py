"""Small WebSocket servers with the resource-accounting flaws of the 2020-2026 advisories, to prove
that the robustness family (conformance/cases/robustness.json), its health check and the server
watch (--server-pid, --server-cmd) catch each one, naming the case.

    /usr/bin/python3 flawed_servers.py MODE [--port N]

Binds 127.0.0.1 (on N, or a free port) and prints "listening on ws://127.0.0.1:PORT/" when ready.
Standard library only. Otherwise a correct echo server (masking, RSV bits, opcodes, closes, a
16 MiB message limit checked at the frame header), except for its mode's flaw:

  crash-on-64bit-length  the process exits (status 3) on a 64-bit length above 2^31 instead of
                         failing the connection with 1009 (as Tomcat CVE-2020-13935, undici
                         CVE-2026-1528)
  preallocate            on a length above the limit, allocates the claimed length before failing
                         the connection with 1009, as it should: only its memory shows the flaw.
                         The allocation is capped at PREALLOC_CAP (128 MiB) and held HOLD_SECONDS,
                         so the test machine stays safe and a 10 ms sampler sees it
  stall-after-bad-frame  after one protocol violation (an unmasked frame, RSV bits, a reserved
                         opcode), every connection stalls: no handshake answer, no echo, for at
                         most STALL_SECONDS (one thread per connection, one shared lock held)
  unbounded-output       replies (pongs, echoes) go to a queue without bound that a writer thread
                         empties: a peer that does not read makes it hold all of them (20.5.x;
                         only its memory shows it)
  answers-after-close    answers the close, then goes on with the frames behind it in the same
                         read: echoes the text, answers the ping (RFC 6455 5.5.1, 20.3.4)
  per-frame-limit        checks each frame against the limit (--limit), never the message: a
                         message over it in small fragments is echoed (20.1.1, 20.1.5)
  reads-claimed-payload  on a length above the limit, reads (and drops) the payload the header
                         claims, up to the limit, before failing the connection with 1009: what
                         it says is right, what it read is not (20.2.7, 20.2.8)
  no-header-limit        reads the opening handshake's head whatever its size, holding all of it
                         (no cap on handshake headers): 64 MiB of header lines are read and
                         accepted (20.7.4)
  fragment-count-limit   limits a message's fragment count (more than MAX_FRAGMENTS fails it with
                         1009), not its bytes: a message over the limit in a few large fragments is
                         echoed (20.1.1), one under it in 131,073 1-byte fragments refused (20.1.4)
  limit-after-buffering  checks the limit only once a message is whole (at its FIN frame), after
                         buffering all of it, and never at a frame header: over the limit it
                         still ends with 1009, but a message that never ends (20.1.3) or a frame
                         that claims 2^63-1 bytes (20.2.1) is read and held until the peer gives up
  thread-pool            connections are served by a pool of POOL_THREADS threads, each blocked
                         on its connection until it ends: POOL_THREADS slow or silent handshakes
                         leave a fresh client unserved (20.6.x)
"""
import argparse
import concurrent.futures
import os
import queue
import socket
import struct
import threading
import time

from broken_servers import frame, handshake, read_head  # the same upgrade and frame writer as the other test peers

LIMIT = 16 << 20
PREALLOC_CAP = 128 << 20
HOLD_SECONDS = 0.3
STALL_SECONDS = 60
IDLE_SECONDS = 30  # a connection that sends nothing for this long is closed
POOL_THREADS = 64
MAX_FRAGMENTS = 131072  # the fragment-count-limit flaw's only limit on a message


def read_whole_head(conn):
    """The head, however large (the no-header-limit flaw): every byte read is held."""
    data = bytearray()
    while True:
        chunk = conn.recv(1 << 20)
        if not chunk:
            return None, b""
        start = max(0, len(data) - 3)
        data += chunk
        end = data.find(b"\r\n\r\n", start)
        if end >= 0:
            return data[:end].decode("latin-1"), bytes(data[end + 4:])


class ProtocolError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def unmask(data, key):
    n = len(data)
    mask = int.from_bytes((key * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(data, "big") ^ mask).to_bytes(n, "big")


class Server:
    def __init__(self, mode, limit=LIMIT):
        self.mode = mode
        self.limit = limit
        self.stalled = threading.Event()

    def stall(self):
        """Everyone waits: the connection that broke it and every later one."""
        self.stalled.set()
        time.sleep(STALL_SECONDS)

    def take(self, conn, state, n):
        buf = state["buf"]  # a bytearray read from state["at"]: amortized O(n), a flood of pings is fast
        while len(buf) - state["at"] < n:
            if state["at"] > 1 << 20:
                del buf[: state["at"]]
                state["at"] = 0
            if self.mode == "answers-after-close" and state.get("closed"):
                raise EOFError  # what came with the close is answered; nothing more is read
            chunk = conn.recv(65536)
            if not chunk:
                raise EOFError
            buf += chunk
        at = state["at"]
        state["at"] = at + n
        return bytes(buf[at:at + n])

    def drop(self, conn, state, n):
        """Reads n bytes and keeps none of them."""
        buf = state["buf"]
        held = len(buf) - state["at"]
        del buf[:]
        state["at"] = 0
        n -= min(n, held)
        while n > 0:
            chunk = conn.recv(min(n, 1 << 20))
            if not chunk:
                raise EOFError
            n -= len(chunk)

    def send(self, conn, state, data):
        if self.mode == "unbounded-output":
            state["out"].put(data)  # no bound: the flaw
        else:
            conn.sendall(data)

    @staticmethod
    def writer(conn, out):
        while (data := out.get()) is not None:
            try:
                conn.sendall(data)
            except OSError:
                return

    def read_frame(self, conn, state):
        b0, b1 = self.take(conn, state, 2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.take(conn, state, 2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.take(conn, state, 8))[0]
            if self.mode == "crash-on-64bit-length" and n > 1 << 31:
                os._exit(3)
        opcode = b0 & 0x0F
        if b0 & 0x70 or not b1 & 0x80 or opcode in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):
            raise ProtocolError(1002)  # RFC 6455 5.1, 5.2
        if opcode >= 8 and (n > 125 or not b0 & 0x80):
            raise ProtocolError(1002)  # RFC 6455 5.5
        if n > self.limit and self.mode != "limit-after-buffering":
            if self.mode == "preallocate":
                claimed = b"\x01" * min(n, PREALLOC_CAP)  # written, so resident
                time.sleep(HOLD_SECONDS)
                del claimed
            if self.mode == "reads-claimed-payload":
                self.drop(conn, state, min(n, self.limit))
            raise ProtocolError(1009)  # RFC 6455 7.4.1, at the header
        key = self.take(conn, state, 4)
        return b0 & 0x80, opcode, unmask(self.take(conn, state, n), key)

    def serve(self, conn):
        conn.settimeout(IDLE_SECONDS)
        if self.stalled.is_set():
            self.stall()
            return
        rest = handshake(conn, read=read_whole_head if self.mode == "no-header-limit" else read_head)
        if rest is None:
            return
        state = {"buf": bytearray(rest), "at": 0}
        if self.mode == "unbounded-output":
            state["out"] = queue.Queue()
            writer = threading.Thread(target=self.writer, args=(conn, state["out"]), daemon=True)
            writer.start()
        try:
            self.converse(conn, state)
        finally:
            if "out" in state:
                state["out"].put(None)
                writer.join()

    def converse(self, conn, state):
        message, message_op, fragments = bytearray(), 0, 0
        while True:
            try:
                fin, op, payload = self.read_frame(conn, state)
            except ProtocolError as e:
                if self.mode == "stall-after-bad-frame" and e.code == 1002:
                    self.stall()
                    return
                self.send(conn, state, frame(8, struct.pack("!H", e.code)))
                return
            if self.stalled.is_set():
                self.stall()
                return
            if op == 8:
                self.send(conn, state, frame(8, payload[:2]))
                if self.mode != "answers-after-close":
                    return
                state["closed"] = True  # the flaw: the frames behind it are still answered
            elif op == 9:
                self.send(conn, state, frame(10, payload))
            elif op in (1, 2, 0):
                if op:
                    message, message_op, fragments = bytearray(payload), op, 1
                else:
                    message += payload
                    fragments += 1
                if self.mode == "fragment-count-limit":
                    if fragments > MAX_FRAGMENTS:
                        self.send(conn, state, frame(8, struct.pack("!H", 1009)))
                        return
                elif self.mode == "limit-after-buffering":
                    if fin and len(message) > self.limit:  # the flaw: only once it is all held
                        self.send(conn, state, frame(8, struct.pack("!H", 1009)))
                        return
                elif len(message) > self.limit and self.mode != "per-frame-limit":
                    self.send(conn, state, frame(8, struct.pack("!H", 1009)))
                    return
                if fin:
                    self.send(conn, state, frame(message_op, bytes(message)))
                    message = bytearray()

    def handle(self, conn):
        try:
            self.serve(conn)
        except (EOFError, OSError):
            pass
        finally:
            conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["crash-on-64bit-length", "preallocate", "stall-after-bad-frame",
                                         "unbounded-output", "answers-after-close", "per-frame-limit",
                                         "reads-claimed-payload", "no-header-limit", "fragment-count-limit",
                                         "limit-after-buffering", "thread-pool"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--limit", type=int, default=LIMIT, help="the message limit, bytes")
    args = parser.parse_args()
    server = Server(args.mode, args.limit)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(64)
    print(f"listening on ws://127.0.0.1:{listener.getsockname()[1]}/", flush=True)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=POOL_THREADS)
    while True:
        conn, _ = listener.accept()
        if args.mode == "thread-pool":
            pool.submit(server.handle, conn)  # the flaw: a slow handshake holds a pool thread
        else:
            threading.Thread(target=server.handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
