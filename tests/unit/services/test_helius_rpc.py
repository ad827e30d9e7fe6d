"""Helius JSON-RPC getSignaturesForAddress and getBalance (respx); the key never leaks."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from tests.unit.services.conftest import FAST_RATE, TEST_RETRY, RecordingSleep
from walltrack.services.errors import (
    AuthError,
    BadRequestError,
    InvalidResponseError,
    RateLimitedError,
    ServiceNotFoundError,
    TemporaryServiceError,
)
from walltrack.services.helius.rpc import HeliusRpcClient

pytestmark = pytest.mark.anyio

RPC = "https://mainnet.helius-rpc.com"
KEY = "helius-test-key-3b8e"
W1 = "47rZu3FeRkNuC4GiNUKzazSiWk6H69oFFrNj8E2jaMCz"
S6 = "4DhqtMstk3G5r7fxT25xMneRDEkyzS7WSTCqRqziUbsHCJYTWoAFqbD2nSrTBaqBz7STFCr6QRy9NqU6ZAp9wQdq"
S4 = "5bVhvx3FVtMiUjup4DbUg8szo7iPaCXdKpgsufF5ta9Rzt5ZXKtcYQFB8yYnvhzXNFH3ir7R11EyHyx81gAAwAnW"
S5 = "56kfFYC25RoL1vcS58JjxhPq4JVAtYdk9zbp6nbSZmfWEMpkjB7nfgoWQ4S3F6BSUZ6uqLC7MdLNA4vbFy7zctBs"

Load = Callable[[str], Any]
Answer = Callable[[httpx.Request], httpx.Response]


def make_client(sleep: RecordingSleep) -> HeliusRpcClient:
    return HeliusRpcClient(
        RPC, api_key=SecretStr(KEY), rpc_rate=FAST_RATE, retry=TEST_RETRY, sleep=sleep
    )


def in_turn(*answers: httpx.Response | Answer) -> Answer:
    """One answer per request, in order (a response as it is, or an answer built per request)."""
    queue = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0)
        return item if isinstance(item, httpx.Response) else item(request)

    return answer


def rpc_answer(body: dict[str, Any], status: int = 200) -> Answer:
    """Answer with `body`, echoing the request's JSON-RPC id as a real server does."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={**body, "id": json.loads(request.content)["id"]})

    return answer


def balance(value: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "result": {"context": {"slot": 405301650}, "value": value}}


def rpc_route(mock_api: respx.MockRouter) -> respx.Route:
    return mock_api.post(f"{RPC}/", params={"api-key": KEY})


def sent(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


# --- getSignaturesForAddress -------------------------------------------------------------------


async def test_signatures_are_read_newest_first_with_failures_flagged(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given W1's five signatures
    route = rpc_route(mock_api).mock(
        side_effect=rpc_answer(load_fixture("helius/rpc_get_signatures_for_address.json"))
    )
    # When read
    async with make_client(sleep) as client:
        signatures = await client.get_signatures_for_address(W1)
    # Then the documented call was made (default limit 1000) and the order kept
    assert sent(route)["method"] == "getSignaturesForAddress"
    assert sent(route)["params"] == [W1, {"limit": 1000}]
    assert (signatures[0].signature, signatures[-1].signature) == (S6, S5)
    assert [s.failed for s in signatures] == [False, False, True, False, False]
    assert signatures[2].signature == S4
    assert signatures[0].block_time == 1773152100
    assert signatures[0].confirmation_status == "finalized"


async def test_before_until_and_limit_are_sent_in_the_config(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = rpc_route(mock_api).mock(side_effect=rpc_answer({"jsonrpc": "2.0", "result": []}))
    async with make_client(sleep) as client:
        assert (
            await client.get_signatures_for_address(
                W1, before=S6, until=S5, limit=50, commitment="confirmed"
            )
            == []
        )
    assert sent(route)["params"] == [
        W1,
        {"limit": 50, "before": S6, "until": S5, "commitment": "confirmed"},
    ]


@pytest.mark.parametrize("limit", [0, 1001])
async def test_a_limit_outside_1_to_1000_is_refused(
    mock_api: respx.MockRouter, sleep: RecordingSleep, limit: int
) -> None:
    async with make_client(sleep) as client:
        with pytest.raises(ValueError, match="limit"):
            await client.get_signatures_for_address(W1, limit=limit)
    assert not mock_api.calls


@pytest.mark.parametrize(
    "result",
    [
        {"value": []},
        None,
        [{"slot": 1}],
    ],
)
async def test_a_malformed_signature_result_is_invalid(
    mock_api: respx.MockRouter, sleep: RecordingSleep, result: Any
) -> None:
    rpc_route(mock_api).mock(side_effect=rpc_answer({"jsonrpc": "2.0", "result": result}))
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError):
            await client.get_signatures_for_address(W1)


async def test_an_invalid_address_is_a_bad_request(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    error = {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid param: WrongSize"}}
    route = rpc_route(mock_api).mock(side_effect=rpc_answer(error))
    async with make_client(sleep) as client:
        with pytest.raises(BadRequestError):
            await client.get_signatures_for_address("short")
    assert route.call_count == 1


# --- getBalance --------------------------------------------------------------------------------


async def test_balance_is_lamports_as_an_exact_int(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a balance above 2^53 lamports (no float may touch it)
    route = rpc_route(mock_api).mock(side_effect=rpc_answer(balance(2**60 + 1)))
    # When read
    async with make_client(sleep) as client:
        lamports = await client.get_balance(W1)
    # Then the exact int, from the documented call
    assert lamports == 2**60 + 1
    assert sent(route)["method"] == "getBalance"
    assert sent(route)["params"] == [W1]


async def test_balance_commitment_is_sent_when_asked(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = rpc_route(mock_api).mock(side_effect=rpc_answer(balance(0)))
    async with make_client(sleep) as client:
        assert await client.get_balance(W1, commitment="confirmed") == 0
    assert sent(route)["params"] == [W1, {"commitment": "confirmed"}]


@pytest.mark.parametrize("value", [1.5, "100", True, -1, None])
async def test_a_balance_that_is_not_whole_lamports_is_invalid(
    mock_api: respx.MockRouter, sleep: RecordingSleep, value: Any
) -> None:
    rpc_route(mock_api).mock(side_effect=rpc_answer(balance(value)))
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError, match="lamport"):
            await client.get_balance(W1)


# --- faults ------------------------------------------------------------------------------------


async def test_a_wrong_key_is_an_auth_error_without_the_key(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    error = {"jsonrpc": "2.0", "error": {"code": -32401, "message": f"invalid api key {KEY}"}}
    route = rpc_route(mock_api).respond(401, json={**error, "id": None})
    async with make_client(sleep) as client:
        with pytest.raises(AuthError) as caught:
            await client.get_balance(W1)
    assert route.call_count == 1
    assert KEY not in str(caught.value)


async def test_a_404_endpoint_is_not_retried(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = rpc_route(mock_api).respond(404, text="no such path")
    async with make_client(sleep) as client:
        with pytest.raises(ServiceNotFoundError, match="HTTP 404"):
            await client.get_balance(W1)
    assert route.call_count == 1


async def test_a_429_waits_the_requested_retry_after(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = rpc_route(mock_api)
    route.side_effect = in_turn(
        httpx.Response(429, headers={"Retry-After": "2"}), rpc_answer(balance(5))
    )
    async with make_client(sleep) as client:
        assert await client.get_balance(W1) == 5
    assert sleep.waits == [2.0]


async def test_a_persistent_429_surfaces_as_rate_limited(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    rpc_route(mock_api).respond(429, headers={"Retry-After": "1"})
    async with make_client(sleep) as client:
        with pytest.raises(RateLimitedError):
            await client.get_signatures_for_address(W1)


async def test_repeated_5xx_are_retried_then_surface(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = rpc_route(mock_api).respond(503)
    async with make_client(sleep) as client:
        with pytest.raises(TemporaryServiceError):
            await client.get_signatures_for_address(W1)
    assert route.call_count == TEST_RETRY.attempts


async def test_a_body_that_is_not_json_is_invalid(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    rpc_route(mock_api).respond(200, text="<html>gateway</html>")
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError, match="not JSON"):
            await client.get_balance(W1)


async def test_retry_log_lines_never_carry_the_key(
    mock_api: respx.MockRouter, sleep: RecordingSleep, captured_logs: io.StringIO
) -> None:
    route = rpc_route(mock_api)
    route.side_effect = in_turn(
        httpx.Response(502, text=f"upstream https://x/?api-key={KEY} down"),
        rpc_answer(balance(1)),
    )
    async with make_client(sleep) as client:
        await client.get_balance(W1)
    assert "service call retried" in captured_logs.getvalue()
    assert KEY not in captured_logs.getvalue()
