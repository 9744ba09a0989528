"""WebSocket clients, each broken on purpose in one way, following Autobahn's client URL protocol
(/getCaseCount, /runCase?case=N&agent=A, /updateReports?agent=A) against `wsprobe test-client`.
Each echoes every message back, answers pings and echoes close frames, as Autobahn's test clients
do; `correct` keeps every rule the client cases judge, the others break one:

  correct            validates the 101 (RFC 6455 4.1), fresh random masking keys (5.3), limits
  any-response       takes any response as an upgrade (status, Upgrade, Connection, Accept, ...)
  no-accept-check    validates the 101 but never looks at Sec-WebSocket-Accept
  zero-key           masks every frame with the key 00 00 00 00
  one-key            masks every frame with one key drawn once per connection
  counter-key        masking keys count up by one, frame after frame
  seeded-key         random keys from a generator seeded alike on every connection: fine within
                     one case, the same keys again in the next (only the whole run shows it)
  no-limits          no message limit, and takes a 64-bit length with its top bit set as a length
  one-read-head      takes the first read after the request as the whole response head
  closes-first       closes TCP right after its close frame, not waiting for the server's
  pong-mid-frame     once it has answered a ping, writes its echoes of 64 KiB or more in two halves
                     with an unsolicited pong between them, inside the data frame (a ping handler
                     on another thread racing the message writer, without a lock)
  ignores-eof        does not notice the server closing TCP mid-conversation: it keeps its side
                     open (for HANG seconds, then gives up), as a client that hangs there would

The deflate clients offer `permessage-deflate; client_max_window_bits` (RFC 7692), inflate what
the server compresses and compress their echoes with the agreed parameters; the others offer no
extension:
  deflate                   keeps every rule (RSV1 only on a data message's first frame, the
                            limit counted on inflated bytes, the agreed window)
  deflate-ignores-window    compresses with a 32 KiB window whatever client_max_window_bits says
                            (RFC 7692 7.1.2.2), keeping its context across messages
  deflate-rsv1-continuation takes RSV1 on a continuation frame as part of the message (RFC 7692 6)
  deflate-unoffered-window  offers `permessage-deflate` alone and takes a client_max_window_bits the
                            server answers all the same (RFC 7692 7.1.2.2: it may not)

usage: flawed_clients.py FLAW URL AGENT   (URL: the tester's, e.g. ws://127.0.0.1:9001/)
Every read is bounded in time: the client never hangs on a silent tester."""
import base64
import hashlib
import os
import random
import socket
import struct
import sys
import time
import urllib.parse
import zlib

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LIMIT = 16 << 20  # as the reference client's: 16 MiB
READ_TIMEOUT = 10.0
HANG = 4.0  # ignores-eof: longer than the case's timeout (33.2: 2 s), shorter than a test's patience
DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"
PLAIN_OFFER = "permessage-deflate"  # deflate-unoffered-window's
TAIL = b"\x00\x00\xff\xff"  # RFC 7692 7.2.1: removed after compressing, 7.2.2: restored to inflate


class Failed(Exception):
    """The client fails the connection (RFC 6455 7.1.7) with this close code (None: drop TCP)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class Client:
    def __init__(self, flaw, host, port, target):
        self.flaw = flaw
        self.sock = socket.create_connection((host, port), timeout=READ_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.key_counter = int.from_bytes(os.urandom(4), "big")
        self.one_key = os.urandom(4)
        self.seeded = random.Random(6455)  # the flaw: the same seed on every connection
        self.pongs_sent = 0
        self.deflate = None  # the agreement (RFC 7692 7.1), once the server accepted the offer
        self.open = self.handshake(host, port, target)

    # --- the opening handshake (RFC 6455 4.1) ---

    def handshake(self, host, port, target):
        key = base64.b64encode(os.urandom(16)).decode()
        element = PLAIN_OFFER if self.flaw == "deflate-unoffered-window" else DEFLATE_OFFER
        offer = f"Sec-WebSocket-Extensions: {element}\r\n" if self.flaw.startswith("deflate") else ""
        request = (f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{offer}\r\n")
        self.sock.sendall(request.encode())
        head = self.read_head()
        if head is None:
            return False
        if self.flaw == "any-response":
            return True
        lines = head.decode("latin-1").split("\r\n")
        status = lines[0].split(" ", 2)
        fields = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                fields.setdefault(name.strip().lower(), []).append(value.strip())
        expected = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        tokens = [t.strip().lower() for v in fields.get("connection", []) for t in v.split(",")]
        ok = (len(status) >= 2 and status[0] == "HTTP/1.1" and status[1] == "101"
              and fields.get("upgrade", [""])[-1].lower() == "websocket" and len(fields.get("upgrade", [])) == 1
              and "upgrade" in tokens
              and (self.flaw == "no-accept-check" or fields.get("sec-websocket-accept") == [expected])
              and "sec-websocket-protocol" not in fields
              and self.agree(offer, fields.get("sec-websocket-extensions")))
        if not ok:
            self.sock.close()  # not established: failing it is closing TCP, no close frame
        return ok

    def agree(self, offer, answers):
        """RFC 7692 7.1: the server's permessage-deflate response to our offer, read; False when
        it answers anything our offer does not allow."""
        if answers is None:
            return True
        if not offer or len(answers) != 1:
            return False
        name, *params = [p.strip() for p in answers[0].split(";")]
        agreed = {"server_no_context_takeover": False, "client_no_context_takeover": False,
                  "server_max_window_bits": 15, "client_max_window_bits": 15}
        seen = set()
        for param in params:
            key, _, value = param.partition("=")
            if name != "permessage-deflate" or key in seen or key not in agreed:
                return False
            # RFC 7692 7.1.2.2: answered only to an offer that carries it (the flaw: taken anyway)
            if key == "client_max_window_bits" and key not in offer and self.flaw != "deflate-unoffered-window":
                return False
            seen.add(key)
            if key.endswith("no_context_takeover"):
                if value:
                    return False
                agreed[key] = True
            elif not (value.isdigit() and value[0] != "0" and 8 <= int(value) <= 15):
                return False
            else:
                agreed[key] = int(value)
        if self.flaw == "deflate-ignores-window":
            agreed["client_max_window_bits"] = 15  # the flaw
        bits = max(9, agreed["client_max_window_bits"])  # zlib cannot deflate with 8 (RFC 7692 7.1.2.2)
        self.deflate = {"compressor": lambda: zlib.compressobj(6, zlib.DEFLATED, -bits),
                        "reset": agreed["client_no_context_takeover"], "inflater": zlib.decompressobj(-15)}
        self.deflate["deflater"] = self.deflate["compressor"]()
        return True

    def compress(self, message):
        """RFC 7692 7.2.1: deflated, flushed, the trailing 00 00 ff ff removed."""
        d = self.deflate
        data = d["deflater"].compress(message) + d["deflater"].flush(zlib.Z_SYNC_FLUSH)
        if d["reset"]:
            d["deflater"] = d["compressor"]()
        return data[:-4] if data.endswith(TAIL) else data

    def inflate(self, data):
        """RFC 7692 7.2.2, the limit counted on the inflated bytes (RFC 6455 10.4)."""
        try:
            out = self.deflate["inflater"].decompress(bytes(data) + TAIL, LIMIT + 1)
        except zlib.error:
            raise Failed(1007)  # the data is not what its RSV1 says
        if len(out) > LIMIT:
            raise Failed(1009)
        return out

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            data = self.recv()
            if not data:
                return None
            self.buf += data
            if self.flaw == "one-read-head":
                break  # the flaw: whatever the first read gave is the head
        head, _, rest = bytes(self.buf).partition(b"\r\n\r\n")
        self.buf = bytearray(rest)
        return head

    def recv(self):
        try:
            return self.sock.recv(1 << 20)
        except OSError:
            return b""

    # --- frames (RFC 6455 5) ---

    def mask_key(self):
        if self.flaw == "zero-key":
            return b"\0\0\0\0"
        if self.flaw == "one-key":
            return self.one_key
        if self.flaw == "counter-key":
            self.key_counter = (self.key_counter + 1) & 0xFFFFFFFF
            return self.key_counter.to_bytes(4, "big")
        if self.flaw == "seeded-key":
            return self.seeded.getrandbits(32).to_bytes(4, "big")
        return os.urandom(4)

    def send(self, opcode, payload):
        rsv1 = 0
        if self.deflate and opcode in (1, 2):
            payload, rsv1 = self.compress(payload), 0x40  # RFC 7692 6: RSV1 on the first frame
        key = self.mask_key()
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | rsv1 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | rsv1 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | rsv1 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        frame = head + key + masked
        try:
            if self.flaw == "pong-mid-frame" and self.pongs_sent and n >= 65536:
                self.sock.sendall(frame[:len(frame) // 2])
                self.sock.sendall(bytes([0x8A, 0x80]) + os.urandom(4))  # the flaw: a pong inside
                self.sock.sendall(frame[len(frame) // 2:])
            else:
                self.sock.sendall(frame)
        except OSError:
            pass
        if opcode == 10:
            self.pongs_sent += 1

    def need(self, n):
        while len(self.buf) < n:
            data = self.recv()
            if not data:
                if self.flaw == "ignores-eof":
                    time.sleep(HANG)  # the flaw: the server is gone, the client has not noticed
                raise Failed(None)  # RFC 6455 7.1.1, 7.1.5: the connection is closed (1006)
            self.buf += data
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def frame(self, pending=0):
        """The next frame; `pending`: bytes of the message it continues, for the limit."""
        b0, b1 = self.need(2)
        fin, rsv, opcode, masked, n = b0 >> 7, (b0 >> 4) & 7, b0 & 15, b1 >> 7, b1 & 127
        if n == 126:
            n = struct.unpack("!H", self.need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.need(8))[0]
            if n >> 63 and self.flaw != "no-limits":
                raise Failed(1002)  # RFC 6455 5.2: the most significant bit MUST be 0
        # RFC 7692 6: with deflate agreed, RSV1 on a data message's first frame only
        rsv1_ok = self.deflate and (opcode in (1, 2) or opcode == 0 and self.flaw == "deflate-rsv1-continuation")
        if masked or rsv & 3 or rsv and not rsv1_ok or opcode in (3, 4, 5, 6, 7) or opcode > 10:
            raise Failed(1002)  # RFC 6455 5.1, 5.2
        if opcode >= 8 and (n > 125 or not fin):
            raise Failed(1002)  # RFC 6455 5.5
        if (0 if opcode >= 8 else pending) + n > LIMIT and self.flaw != "no-limits":
            raise Failed(1009)  # RFC 6455 10.4: at the header, before the payload
        return fin, opcode, self.need(n), rsv

    def run(self):
        """Echoes until the closing handshake; returns the first text message received."""
        first, message, kind, compressed = None, bytearray(), None, False
        try:
            while True:
                fin, opcode, payload, rsv = self.frame(len(message))
                if opcode == 8:
                    self.send(8, payload[:2])  # echo the code (RFC 6455 5.5.1)
                    self.wait_for_server_close()
                    return first
                if opcode == 9:
                    self.send(10, payload)
                    continue
                if opcode == 10:
                    continue
                if opcode == 0 and kind is None or opcode in (1, 2) and kind is not None:
                    raise Failed(1002)  # RFC 6455 5.4
                if opcode in (1, 2):
                    kind, compressed = opcode, bool(rsv)
                message += payload
                if fin:
                    if compressed:
                        message = self.inflate(message)
                    if kind == 1:
                        try:
                            message.decode("utf-8")
                        except UnicodeDecodeError:
                            raise Failed(1007)
                        if first is None:
                            first = bytes(message).decode()
                    self.send(kind, message)
                    message, kind = bytearray(), None
        except Failed as f:
            if f.code is not None:
                self.send(8, struct.pack("!H", f.code))
                self.wait_for_server_close()
            self.sock.close()
            return first

    def wait_for_server_close(self):
        # RFC 6455 7.1.1: the server closes TCP first; the client waits for it.
        while self.flaw != "closes-first" and self.recv():
            pass
        self.sock.close()


def session(flaw, url, target):
    parsed = urllib.parse.urlparse(url)
    client = Client(flaw, parsed.hostname, parsed.port, target)
    return client.run() if client.open else None


def main():
    flaw, url, agent = sys.argv[1:4]
    count = int(session("correct", url, "/getCaseCount"))
    for n in range(1, count + 1):
        session(flaw, url, f"/runCase?case={n}&agent={agent}")
    session("correct", url, f"/updateReports?agent={agent}")


if __name__ == "__main__":
    main()
