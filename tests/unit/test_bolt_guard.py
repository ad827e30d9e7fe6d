"""The Bolt guard in front of the embedded graph engine, fed bytes as the relay feeds it."""

from __future__ import annotations

import struct

import pytest

from walltrack.data.graph.bolt_guard import (
    IGNORED_MESSAGE,
    MAGIC,
    MAX_RENDERED,
    SUCCESS_EMPTY,
    BoltGuard,
    Refused,
    check_run,
)

HANDSHAKE = MAGIC + bytes.fromhex("000001ff000808050002040400000003")
VERSION_5_7 = bytes.fromhex("00000705")


# -- a PackStream encoder for the tests (the driver's own is private API) --------------------
def pack(value: object) -> bytes:
    if value is None:
        return b"\xc0"
    if isinstance(value, bool):
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, int):
        if -16 <= value <= 127:
            return struct.pack(">b", value)
        return b"\xcb" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"\xc1" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode()
        return (
            b"\xd1" + struct.pack(">H", len(data)) if len(data) > 15 else bytes([0x80 + len(data)])
        ) + data
    if isinstance(value, bytes):
        return b"\xcc" + bytes([len(value)]) + value
    if isinstance(value, list):
        return b"\xd5" + struct.pack(">H", len(value)) + b"".join(pack(v) for v in value)
    if isinstance(value, dict):
        out = b"\xd9" + struct.pack(">H", len(value))
        return out + b"".join(pack(k) + pack(v) for k, v in value.items())
    raise TypeError(value)


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def message(signature: int, *fields: object) -> bytes:
    """One request as the driver frames it (payload split over 2 chunks when long)."""
    payload = bytes([0xB0 + len(fields), signature]) + b"".join(pack(f) for f in fields)
    half = len(payload) // 2 or len(payload)
    chunks = [payload[:half], payload[half:]] if len(payload) > 4 else [payload]
    return b"".join(struct.pack(">H", len(c)) + c for c in chunks if c) + b"\x00\x00"


def run(query: str, params: dict[str, object] | None = None) -> bytes:
    return message(0x10, query, params or {}, {})


PULL = message(0x3F, {"n": 1000})
RESET = message(0x0F)
GOODBYE = message(0x02)
SERVER_SUCCESS = struct.pack(">H", 3) + b"\xb1\x70\xa0" + b"\x00\x00"
SERVER_RECORD = struct.pack(">H", 4) + b"\xb1\x71\x91\x01" + b"\x00\x00"


def single_chunk(request: bytes) -> bytes:
    """What the guard forwards for `request`: its payload re-framed as one chunk."""
    payload, pos = b"", 0
    while (size := struct.unpack_from(">H", request, pos)[0]) != 0:
        payload += request[pos + 2 : pos + 2 + size]
        pos += 2 + size
    return struct.pack(">H", len(payload)) + payload + b"\x00\x00"


@pytest.fixture
def guard() -> BoltGuard:
    """A guard past the handshake."""
    opened = BoltGuard()
    assert opened.client_bytes(HANDSHAKE).to_server == HANDSHAKE
    assert opened.server_bytes(VERSION_5_7).to_client == VERSION_5_7
    return opened


def test_the_handshake_passes_and_anything_but_bolt_is_closed() -> None:
    # Given a connection that opens with an HTTP request (the engine would take it for a
    # WebSocket upgrade)
    actions = BoltGuard().client_bytes(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    # Then nothing reaches the engine and the connection closes
    assert actions.to_server == b""
    assert actions.close
    assert actions.refused == ["not a Bolt handshake"]


def test_an_ordinary_query_reaches_the_engine_unchanged(guard: BoltGuard) -> None:
    # Given a small parameterised query and its PULL
    request = run("UNWIND $rows AS r RETURN r", {"rows": [{"address": "W1", "seen_ms": 1}]})
    # When the client sends them
    actions = guard.client_bytes(request + PULL)
    # Then the engine gets both (each as one chunk) and the client nothing from the guard
    assert actions.to_server == single_chunk(request) + single_chunk(PULL)
    assert actions.to_client == b""
    assert not actions.refused


def test_an_8_kib_parameter_is_answered_by_the_guard_not_the_engine(guard: BoltGuard) -> None:
    # Given the query that used to crash the engine (an 8 KiB string parameter) and its PULL
    actions = guard.client_bytes(run("RETURN size($p) AS n", {"p": "x" * 8192}) + PULL)
    # Then the engine sees nothing; the client gets a FAILURE for the RUN and IGNORED for the
    # PULL, as a Bolt server answers a request it rejects
    assert actions.to_server == b""
    assert b"Neo.ClientError.Request.Invalid" in actions.to_client
    assert b"4096-byte buffer" in actions.to_client
    assert actions.to_client.endswith(IGNORED_MESSAGE)
    # And once the client resets, the next query goes through again
    actions = guard.client_bytes(RESET)
    assert actions.to_client == SUCCESS_EMPTY
    assert actions.to_server == b""
    assert guard.client_bytes(run("RETURN 1")).to_server == single_chunk(run("RETURN 1"))


def test_a_refusal_waits_for_the_answers_the_engine_still_owes(guard: BoltGuard) -> None:
    # Given a good RUN+PULL and a refused RUN pipelined in one write
    good = run("RETURN 1 AS x")
    actions = guard.client_bytes(good + PULL + run("RETURN $p", {"p": "it's"}))
    # Then the FAILURE is held back while the engine still owes two answers
    assert actions.to_server == single_chunk(good) + single_chunk(PULL)
    assert actions.to_client == b""
    # When the engine answers the RUN, a record and the PULL
    actions = guard.server_bytes(SERVER_SUCCESS + SERVER_RECORD + SERVER_SUCCESS)
    # Then the client gets those, and only then the FAILURE
    assert actions.to_client.startswith(SERVER_SUCCESS + SERVER_RECORD + SERVER_SUCCESS)
    assert b"quote" in actions.to_client[len(SERVER_SUCCESS) * 2 + len(SERVER_RECORD) :]


def test_an_answer_the_engine_sends_early_counts_for_the_next_request(guard: BoltGuard) -> None:
    # Given the engine answering RUN and PULL when it has read only the RUN
    guard.client_bytes(run("RETURN 1"))
    guard.server_bytes(SERVER_SUCCESS + SERVER_SUCCESS)
    # When the PULL and then a refused RUN arrive
    guard.client_bytes(PULL)
    actions = guard.client_bytes(run("RETURN $p", {"p": 1e-7}))
    # Then the FAILURE goes out at once: the engine owes nothing
    assert b"six decimals" in actions.to_client


def test_goodbye_becomes_a_plain_close(guard: BoltGuard) -> None:
    # When the driver says GOODBYE (the engine then stalls the next connection)
    actions = guard.client_bytes(GOODBYE)
    # Then the engine does not see it; the relay just closes both sides
    assert actions.to_server == b""
    assert actions.close


def test_an_empty_chunk_never_reaches_the_engine(guard: BoltGuard) -> None:
    # Given a keep-alive (an empty chunk) before a query
    actions = guard.client_bytes(b"\x00\x00" + run("RETURN 1"))
    # Then only the query is forwarded
    assert actions.to_server == single_chunk(run("RETURN 1"))


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"p": "x' RETURN 1 //"}, "quote, backslash or NUL"),
        ({"p": "ends with \\"}, "quote, backslash or NUL"),
        ({"p": "nul\x00byte"}, "quote, backslash or NUL"),
        ({"p": [{"bad key": 1}]}, "not a plain identifier"),
        ({"p": 0.1234567}, "six decimals"),
        ({"p": float("nan")}, "NaN or infinite"),
        ({"p": b"\x01\x02"}, "byte-array and structure"),
        ({"p": nested(40)}, "deeper"),
    ],
)
def test_parameters_the_engine_would_print_wrongly_are_refused(
    params: dict[str, object], reason: str
) -> None:
    # Given a RUN whose parameters the engine would splice into its text wrongly
    payload = single_chunk(run("RETURN $p", params))[2:-2]
    # When checked / Then it is refused, saying why
    with pytest.raises(Refused, match=reason):
        check_run(payload)


def test_the_printed_length_is_the_engines_exactly() -> None:
    # Given parameters of every printable kind, and 600 NULLs (short to send, long to print)
    nulls: list[object] = [None] * 600
    params = {"a": 1, "b": "xy", "c": [1, None, True, -300], "d": {"k": 1.5, "m": False}}
    printed = (
        "CYPHER a=1 b='xy' c=[1, NULL, true, -300] d={k: 1.500000, m: false} n=["
        + ", ".join(["NULL"] * len(nulls))
        + "] RETURN 1"
    )
    # When the query is padded to the engine's limit exactly, it passes; one byte more fails
    pad = MAX_RENDERED - len(printed)
    check_run(single_chunk(run("RETURN 1" + " " * pad, {**params, "n": nulls}))[2:-2])
    with pytest.raises(Refused, match="print to 4096 bytes"):
        check_run(single_chunk(run("RETURN 1" + " " * (pad + 1), {**params, "n": nulls}))[2:-2])


def test_an_exact_float_and_plain_values_pass() -> None:
    # Given the values the product sends (identifiers, epoch ms, counts, exact floats)
    params = {
        "rows": [
            {"address": "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", "ms": 1_773_151_200_000}
        ]
    }
    payload = single_chunk(run("UNWIND $rows AS row RETURN row", {**params, "w": 0.25}))[2:-2]
    # Then nothing is refused
    check_run(payload)
