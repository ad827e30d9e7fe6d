"""Helius DAS getAsset client against the reference fixture (respx); the key never leaks."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from decimal import Decimal
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
from walltrack.services.helius import HeliusDasClient

pytestmark = pytest.mark.anyio

RPC = "https://mainnet.helius-rpc.com"
KEY = "helius-test-key-5f2a"
ORBT = "5kPxHhTpBUNU2RxZ6b6RoggtCDru2Z9kvoRs5Uyy4BJm"
ORBT_CREATOR = "FYHTzYVmHbMSgJiY38nwAb7FQkmmDJZg2dXSyz6NsrUa"

Load = Callable[[str], Any]


def make_client(sleep: RecordingSleep) -> HeliusDasClient:
    return HeliusDasClient(
        RPC, api_key=SecretStr(KEY), das_rate=FAST_RATE, retry=TEST_RETRY, sleep=sleep
    )


Answer = Callable[[httpx.Request], httpx.Response]


def rpc_answer(body: dict[str, Any], status: int = 200) -> Answer:
    """Answer with `body`, echoing the request's JSON-RPC id as a real server does."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={**body, "id": json.loads(request.content)["id"]})

    return answer


def in_turn(*answers: Answer | httpx.Response) -> Answer:
    """One answer per call, in order (a response as is, a callable applied to the request)."""
    pending = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        next_answer = pending.pop(0)
        return next_answer if isinstance(next_answer, httpx.Response) else next_answer(request)

    return answer


def rpc_error(code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": {"code": code, "message": message}}


def das_route(mock_api: respx.MockRouter) -> respx.Route:
    return mock_api.post(f"{RPC}/", params={"api-key": KEY})


async def test_get_asset_reads_supply_decimals_program_and_authorities(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given ORBT's DAS asset
    das_route(mock_api).mock(side_effect=rpc_answer(load_fixture("helius/rpc_get_asset.json")))
    # When read
    async with make_client(sleep) as client:
        asset = await client.get_asset(ORBT)
    # Then the raw supply stays an exact int above 2^53, and the mint authority is live
    info = asset.token_info
    assert info is not None
    assert info.supply == 10**17
    assert info.supply > 2**53
    assert (info.decimals, info.token_program) == (9, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
    assert info.mint_authority == ORBT_CREATOR
    assert not asset.mint_authority_revoked
    assert asset.freeze_authority_revoked  # absent in the fixture
    assert info.price_info is not None
    assert info.price_info.price_per_token == Decimal("0.003015")


async def test_get_asset_posts_a_json_rpc_call_with_the_key_in_the_query(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the DAS endpoint
    route = das_route(mock_api).mock(
        side_effect=rpc_answer(load_fixture("helius/rpc_get_asset.json"))
    )
    # When an asset is read
    async with make_client(sleep) as client:
        await client.get_asset(ORBT)
    # Then one POST to /?api-key=KEY with named params
    request: httpx.Request = route.calls.last.request
    assert request.url.params["api-key"] == KEY
    body = json.loads(request.content)
    assert body["jsonrpc"] == "2.0"
    assert body["method"] == "getAsset"
    assert body["params"] == {"id": ORBT}
    assert isinstance(body["id"], str)


@pytest.mark.parametrize("status", [200, 404])
async def test_an_asset_not_found_error_is_not_found(
    mock_api: respx.MockRouter, sleep: RecordingSleep, status: int
) -> None:
    # Given a JSON-RPC "Asset Not Found" error
    route = das_route(mock_api).mock(
        side_effect=rpc_answer(rpc_error(-32000, "Asset Not Found"), status)
    )
    # When read / Then ServiceNotFoundError, not retried
    async with make_client(sleep) as client:
        with pytest.raises(ServiceNotFoundError):
            await client.get_asset(ORBT)
    assert route.call_count == 1


async def test_a_null_result_is_not_found(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a JSON-RPC success with a null result
    das_route(mock_api).mock(side_effect=rpc_answer({"jsonrpc": "2.0", "result": None}))
    # When read / Then ServiceNotFoundError
    async with make_client(sleep) as client:
        with pytest.raises(ServiceNotFoundError):
            await client.get_asset(ORBT)


async def test_invalid_params_are_a_bad_request_not_retried(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a JSON-RPC invalid-params error
    route = das_route(mock_api).mock(
        side_effect=rpc_answer(rpc_error(-32602, "Invalid params: id"))
    )
    # When read / Then BadRequestError after a single call
    async with make_client(sleep) as client:
        with pytest.raises(BadRequestError):
            await client.get_asset("bad")
    assert route.call_count == 1


async def test_an_internal_json_rpc_error_is_retried(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given one internal error, then the asset
    route = das_route(mock_api)
    route.side_effect = in_turn(
        rpc_answer(rpc_error(-32603, "Internal error")),
        rpc_answer(load_fixture("helius/rpc_get_asset.json")),
    )
    # When read
    async with make_client(sleep) as client:
        asset = await client.get_asset(ORBT)
    # Then the second attempt's asset comes back
    assert asset.id == ORBT
    assert route.call_count == 2


async def test_a_429_honours_retry_after(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given a 429 asking for 1 s (JSON-RPC body), then the asset
    route = das_route(mock_api)
    route.side_effect = in_turn(
        httpx.Response(429, headers={"Retry-After": "1"}, json=rpc_error(-32429, "rate limited")),
        rpc_answer(load_fixture("helius/rpc_get_asset.json")),
    )
    # When read
    async with make_client(sleep) as client:
        await client.get_asset(ORBT)
    # Then it paused exactly 1 s
    assert sleep.waits == [1.0]


async def test_a_rate_limit_error_inside_a_200_is_rate_limited(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a 200 carrying a JSON-RPC rate-limit error every time
    das_route(mock_api).mock(side_effect=rpc_answer(rpc_error(-32429, "Rate limit exceeded")))
    # When read / Then RateLimitedError after the retries
    async with make_client(sleep) as client:
        with pytest.raises(RateLimitedError):
            await client.get_asset(ORBT)


async def test_a_wrong_key_is_an_auth_error_without_the_key_in_it(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a 401 whose body echoes the key
    das_route(mock_api).respond(401, json=rpc_error(-32401, f"invalid api key {KEY}"))
    # When read
    async with make_client(sleep) as client:
        with pytest.raises(AuthError) as caught:
            await client.get_asset(ORBT)
    # Then the error does not carry the key, nor a cause that holds the URL
    assert KEY not in str(caught.value)
    assert caught.value.__cause__ is None


async def test_a_timeout_error_never_carries_the_key(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a DAS endpoint that always times out
    das_route(mock_api).mock(side_effect=httpx.ReadTimeout("timed out"))
    # When read
    async with make_client(sleep) as client:
        with pytest.raises(TemporaryServiceError) as caught:
            await client.get_asset(ORBT)
    # Then neither the error nor its (suppressed) cause shows the key
    assert KEY not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


async def test_retry_log_lines_never_carry_the_key(
    mock_api: respx.MockRouter,
    sleep: RecordingSleep,
    load_fixture: Load,
    captured_logs: io.StringIO,
) -> None:
    # Given JSON logs captured, and a 503 whose body echoes the key, then the asset
    route = das_route(mock_api)
    route.side_effect = in_turn(
        httpx.Response(503, text=f"overloaded, retry ?api-key={KEY}"),
        rpc_answer(load_fixture("helius/rpc_get_asset.json")),
    )
    # When read
    async with make_client(sleep) as client:
        await client.get_asset(ORBT)
    # Then a retry was logged, without the key
    assert "service call retried" in captured_logs.getvalue()
    assert KEY not in captured_logs.getvalue()


async def test_an_answer_to_another_request_id_is_invalid(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given an answer carrying a different JSON-RPC id
    das_route(mock_api).respond(200, json=load_fixture("helius/rpc_get_asset.json"))
    # When read / Then InvalidResponseError
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError, match="request id"):
            await client.get_asset(ORBT)


async def test_largest_accounts_are_parsed_with_exact_raw_amounts() -> None:
    # Given an RPC answer with two accounts, one above 2^53
    body = {
        "jsonrpc": "2.0",
        "id": "walltrack-1",
        "result": {
            "context": {"slot": 405301650},
            "value": [
                {"address": "VaultAcc1", "amount": "90071992547409930", "decimals": 9,
                 "uiAmount": 90071992.54740993, "uiAmountString": "90071992.54740993"},
                {"address": "HolderAcc2", "amount": "1000", "decimals": 9,
                 "uiAmount": 1e-06, "uiAmountString": "0.000001"},
            ],
        },
    }  # fmt: skip
    with respx.mock(assert_all_called=True) as router:
        route = router.post("https://rpc.test/").respond(200, json=body)
        async with HeliusDasClient("https://rpc.test", api_key=None) as client:
            accounts = await client.get_token_largest_accounts("MintX")
    # Then amounts stay exact ints and the request was the documented RPC call
    assert [a.amount for a in accounts] == [90071992547409930, 1000]
    sent = json.loads(route.calls.last.request.content)
    assert sent["method"] == "getTokenLargestAccounts"
    assert sent["params"] == ["MintX"]
