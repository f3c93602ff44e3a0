"""HTTP/2 at the frame level against an rt server, with Python's h2 and
hyperframe: WebSockets over HTTP/2 (RFC 8441), and frames a well-behaved
client never sends. Each check prints one line; the Rust test compares them.

usage: h2_frames.py websocket PORT | abuse PORT
"""
import os
import socket
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings
import hyperframe.frame

TIMEOUT = 10


class Client:
    """One h2c connection (prior knowledge) driven by hand."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.initiate_connection()
        self.flush()
        self.events = []

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def read(self):
        """Reads once; returns False when the server closed the socket."""
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            return False
        if not data:
            return False
        for event in self.conn.receive_data(data):
            if isinstance(event, h2.events.DataReceived):
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            self.events.append(event)
        self.flush()
        return True

    def wait(self, match):
        """Reads until an event satisfies `match`; returns it (None at EOF)."""
        while True:
            for i, event in enumerate(self.events):
                if match(event):
                    return self.events.pop(i)
            if not self.read():
                return None


def ws_frame(opcode, payload):
    """A masked client frame (RFC 6455 §5.2), payload under 126 bytes."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


class Frames:
    """Server frames (unmasked) arriving in DATA on one stream."""

    def __init__(self, client, stream):
        self.client, self.stream, self.buf = client, stream, b""

    def next(self):
        while True:
            if len(self.buf) >= 2 and len(self.buf) >= 2 + (self.buf[1] & 0x7F):
                opcode, size = self.buf[0] & 0x0F, self.buf[1] & 0x7F
                payload, self.buf = self.buf[2:2 + size], self.buf[2 + size:]
                return opcode, payload
            event = self.client.wait(lambda e: getattr(e, "stream_id", None) == self.stream
                                     and isinstance(e, (h2.events.DataReceived, h2.events.StreamEnded,
                                                        h2.events.StreamReset)))
            if not isinstance(event, h2.events.DataReceived):
                return None, b""
            self.buf += event.data


def open_websocket(client, path):
    stream = client.conn.get_next_available_stream_id()
    client.conn.send_headers(stream, [
        (":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"),
        (":path", path), (":authority", "localhost"), ("sec-websocket-version", "13"),
    ])
    client.flush()
    response = client.wait(lambda e: isinstance(e, h2.events.ResponseReceived) and e.stream_id == stream)
    status = dict(response.headers)[":status"]
    return stream, status


def websocket(port):
    client = Client(port)
    # The server must announce SETTINGS_ENABLE_CONNECT_PROTOCOL (§3).
    client.wait(lambda e: isinstance(e, h2.events.RemoteSettingsChanged))
    enabled = client.conn.remote_settings.get(h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL)
    print(f"enable_connect_protocol {enabled}")
    a, status_a = open_websocket(client, "/a")
    b, status_b = open_websocket(client, "/b")
    print(f"status {status_a} {status_b}")
    frames_a, frames_b = Frames(client, a), Frames(client, b)
    print(f"a got {frames_a.next()[1].decode()}")
    print(f"b got {frames_b.next()[1].decode()}")
    client.conn.send_data(a, ws_frame(0x1, b"hi"))
    client.flush()
    print(f"a got {frames_a.next()[1].decode()}")
    print(f"b got {frames_b.next()[1].decode()}")
    # A plain request shares the connection with the two sockets.
    get = client.conn.get_next_available_stream_id()
    client.conn.send_headers(get, [(":method", "GET"), (":scheme", "http"), (":path", "/plain"),
                                   (":authority", "localhost")], end_stream=True)
    client.flush()
    body = client.wait(lambda e: isinstance(e, h2.events.DataReceived) and e.stream_id == get)
    print(f"get {body.data.decode()}")
    client.conn.send_data(a, ws_frame(0x8, (1000).to_bytes(2, "big") + b"bye"))
    client.flush()
    opcode, payload = frames_a.next()
    print(f"a close {opcode} {int.from_bytes(payload[:2], 'big')}")
    client.conn.send_data(b, ws_frame(0x1, b"still here"))
    client.flush()
    print(f"b got {frames_b.next()[1].decode()}")


PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
ERRORS = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 3: "FLOW_CONTROL_ERROR", 6: "FRAME_SIZE_ERROR",
          7: "REFUSED_STREAM", 8: "CANCEL", 9: "COMPRESSION_ERROR", 11: "ENHANCE_YOUR_CALM"}


def raw_frame(kind, flags, stream, payload):
    """Frame bytes as given, for frames hyperframe will not build."""
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


class Raw:
    """An h2c connection written frame by frame, to send what h2 refuses to."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock.sendall(PREFACE + hyperframe.frame.SettingsFrame(0).serialize())
        self.buf = b""
        self.encoder = __import__("hpack").Encoder()

    def send(self, *frames):
        self.sock.sendall(b"".join(f.serialize() if hasattr(f, "serialize") else f for f in frames))

    def headers(self, stream, path="/", end_stream=True, extra=()):
        block = self.encoder.encode([(":method", "GET"), (":scheme", "http"), (":path", path),
                                     (":authority", "localhost"), *extra])
        frame = hyperframe.frame.HeadersFrame(stream, block)
        frame.flags.add("END_HEADERS")
        if end_stream:
            frame.flags.add("END_STREAM")
        return frame

    def frames(self):
        """Frames until the server closes the connection (or the timeout)."""
        while True:
            while len(self.buf) >= 9:
                length = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) < 9 + length:
                    break
                kind, stream = self.buf[3], int.from_bytes(self.buf[5:9], "big") & 0x7FFFFFFF
                payload, self.buf = self.buf[9:9 + length], self.buf[9 + length:]
                yield kind, stream, payload
            try:
                data = self.sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                return
            if not data:
                return
            self.buf += data

    def goaway(self):
        """The GOAWAY error code the server ends with (None if it never does)."""
        for kind, _, payload in self.frames():
            if kind == 0x7:
                return ERRORS.get(int.from_bytes(payload[4:8], "big"))
        return None


def answered(port):
    """Whether a fresh, well-behaved connection still gets its answer."""
    client = Client(port)
    stream = client.conn.get_next_available_stream_id()
    client.conn.send_headers(stream, [(":method", "GET"), (":scheme", "http"), (":path", "/ok"),
                                      (":authority", "localhost")], end_stream=True)
    client.flush()
    event = client.wait(lambda e: isinstance(e, h2.events.DataReceived) and e.stream_id == stream)
    return event is not None and event.data.startswith(b"plain GET /ok")


def abuse(port):
    # DATA on stream 0 is a connection error (RFC 9113 §6.1).
    raw = Raw(port)
    raw.send(raw_frame(0x0, 0x0, 0, b"x"))
    print(f"data on stream 0: GOAWAY {raw.goaway()}, server answers {answered(port)}")

    # A header block that is not HPACK.
    raw = Raw(port)
    raw.send(raw_frame(0x1, 0x5, 1, b"\xff\xff\xff\xff\xff"))
    print(f"bad hpack: GOAWAY {raw.goaway()}, server answers {answered(port)}")

    # A frame larger than the 16 KiB the server allows.
    raw = Raw(port)
    raw.send(raw_frame(0x0, 0x0, 1, b"\0" * 20000))
    print(f"oversized frame: GOAWAY {raw.goaway()}, server answers {answered(port)}")

    # A zero window increment on a stream (§6.9) resets that stream.
    raw = Raw(port)
    raw.send(raw.headers(1, end_stream=False), raw_frame(0x8, 0x0, 1, (0).to_bytes(4, "big")))
    code = None
    for kind, stream, payload in raw.frames():
        if kind == 0x3 and stream == 1:
            code = ERRORS.get(int.from_bytes(payload[:4], "big"))
            break
        if kind == 0x7:
            code = "GOAWAY " + str(ERRORS.get(int.from_bytes(payload[4:8], "big")))
            break
    print(f"zero window update: {code}, server answers {answered(port)}")

    # Rapid Reset (CVE-2023-44487): streams opened and cancelled at once.
    raw = Raw(port)
    frames = []
    for i in range(1000):
        stream = 1 + 2 * i
        frames += [raw.headers(stream, end_stream=False), hyperframe.frame.RstStreamFrame(stream, 8)]
    raw.send(*frames)
    print(f"rapid reset: GOAWAY {raw.goaway()}, server answers {answered(port)}")

    # PING and SETTINGS floods from a client that never reads: the server
    # must not queue an answer per frame without bound.
    raw = Raw(port)
    raw.sock.settimeout(3)
    flood = [hyperframe.frame.PingFrame(0, os.urandom(8)) for _ in range(20000)]
    flood += [hyperframe.frame.SettingsFrame(0, {0x3: 100}) for _ in range(20000)]
    try:
        raw.send(*flood)
        sent = "sent"
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        sent = "cut off"
    # Whether the server read it all or stopped reading is its choice.
    print(f"flood {sent}", file=sys.stderr)
    print(f"ping and settings flood: server answers {answered(port)}")

    # More streams than SETTINGS_MAX_CONCURRENT_STREAMS: the extra ones are
    # refused, the connection and the server go on.
    raw = Raw(port)
    raw.send(*[raw.headers(1 + 2 * i, end_stream=False) for i in range(200)])
    refused = 0
    for kind, stream, payload in raw.frames():
        if kind == 0x3 and ERRORS.get(int.from_bytes(payload[:4], "big")) == "REFUSED_STREAM":
            refused += 1
        if kind == 0x7 or refused >= 72:
            break
    print(f"200 streams at once: {refused} refused, server answers {answered(port)}")

    # A header list over the 16 KiB limit.
    raw = Raw(port)
    raw.send(raw.headers(1, extra=[("x-big", "a" * 20000)]))
    outcome = None
    for kind, stream, payload in raw.frames():
        if kind == 0x1 and stream == 1:
            status = __import__("hpack").Decoder().decode(payload)
            outcome = f"status {dict(status)[':status']}"
            break
        if kind == 0x3 and stream == 1:
            outcome = ERRORS.get(int.from_bytes(payload[:4], "big"))
            break
        if kind == 0x7:
            outcome = "GOAWAY " + str(ERRORS.get(int.from_bytes(payload[4:8], "big")))
            break
    print(f"20 KB header: {outcome}, server answers {answered(port)}")


if __name__ == "__main__":
    {"websocket": websocket, "abuse": abuse}[sys.argv[1]](int(sys.argv[2]))
