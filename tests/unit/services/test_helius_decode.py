"""A history page is decoded with msgspec for speed (bench/profiling.py); its values must be
exactly those `json.loads(parse_float=Decimal)` gives: every float as the Decimal of its text,
every integer exact at any size."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from tests.unit.services.conftest import FAST_RATE
from walltrack.services.errors import InvalidResponseError
from walltrack.services.helius.transactions import HeliusTransactionsClient

PAGE = (
    b'[{"signature": "s1", "slot": 12, "fee": 5000, "timestamp": 1773151200,'
    b' "tokenTransfers": [{"tokenAmount": 0.100000000000000000001},'
    b' {"tokenAmount": 99501.867218623}, {"tokenAmount": 1e-9}, {"tokenAmount": 2.50E3}],'
    b' "raw": 340282366920938463463374607431768211455, "note": "caf\\u00e9", "none": null}]'
)


def client() -> HeliusTransactionsClient:
    return HeliusTransactionsClient(
        "https://helius.test", api_key=SecretStr("k" * 20), enhanced_rate=FAST_RATE
    )


def test_a_page_decodes_to_exactly_what_json_with_decimal_floats_gives() -> None:
    # Given a page with floats beyond a double's precision and an integer beyond u64
    response = httpx.Response(200, content=PAGE)
    # When the client decodes it
    decoded = client().decode_json(response, "GET /v0/addresses/x/transactions")
    # Then every value equals json.loads(parse_float=Decimal)'s, Decimal for Decimal
    assert decoded == json.loads(PAGE, parse_float=Decimal)
    amounts = [t["tokenAmount"] for t in decoded[0]["tokenTransfers"]]
    assert amounts[0] == Decimal("0.100000000000000000001")
    assert all(type(a) is Decimal for a in amounts)
    assert decoded[0]["raw"] == 2**128 - 1
    assert type(decoded[0]["fee"]) is int


@pytest.mark.parametrize("body", [b"<html>busy</html>", b'[{"a": NaN}]', b"[1,", b"\xff\xfe"])
def test_a_body_that_is_not_json_is_an_invalid_response(body: bytes) -> None:
    # Given a body that is not JSON (or has a NaN, which JSON does not have)
    # When it is decoded / Then the error is the client's typed one, naming the endpoint
    with pytest.raises(InvalidResponseError, match="GET /x returned a body that is not JSON"):
        client().decode_json(httpx.Response(200, content=body), "GET /x")
