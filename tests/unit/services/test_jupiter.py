"""Jupiter quote and price client (respx): fixtures, no-route, limits, the key header."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from tests.unit.services.conftest import FAST_RATE, TEST_RETRY, RecordingSleep
from walltrack.clock import ManualClock
from walltrack.services.base import RateLimit
from walltrack.services.errors import (
    AuthError,
    BadRequestError,
    InvalidResponseError,
    RateLimitedError,
    ServiceNotFoundError,
    TemporaryServiceError,
)
from walltrack.services.jupiter import (
    JupiterClient,
    NoRouteError,
    QuoteRejectedError,
)

pytestmark = pytest.mark.anyio

BASE = "https://api.jup.ag"
QUOTE = f"{BASE}/swap/v1/quote"
PRICE = f"{BASE}/price/v3"
KEY = "jupiter-test-key-1a2b"
SOL = "So11111111111111111111111111111111111111112"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
GCAT = "3BibvHyi1o5Y7eHfzfbxyq6DdnnEchwBCJWyyoKdpump"
ORBT = "5kPxHhTpBUNU2RxZ6b6RoggtCDru2Z9kvoRs5Uyy4BJm"
BC_A = "41rP2SFTimFse8nHzVckiWGeEefur1viYKkkVjzExv8m"
UNPRICED = "Gznd7CkRQNzjoLNQLHsZferT8MjnD2Uat6QRjKaWN3Jb"
NOW = datetime(2026, 3, 10, 14, 10, tzinfo=UTC)

Load = Callable[[str], Any]


def make_client(sleep: RecordingSleep, *, api_key: str | None = KEY) -> JupiterClient:
    return JupiterClient(
        BASE,
        api_key=SecretStr(api_key) if api_key else None,
        rate=FAST_RATE,
        retry=TEST_RETRY,
        sleep=sleep,
        clock=ManualClock(NOW),
    )


# --- quote ---------------------------------------------------------------------------------------


async def test_a_buy_quote_has_exact_amounts_impact_and_route(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the 0.1 SOL → GCAT quote of the fixture
    route = mock_api.get(QUOTE).respond(200, json=load_fixture("jupiter/quote_buy.json"))
    # When quoted
    async with make_client(sleep) as client:
        quote = await client.quote(SOL, GCAT, 100_000_000, 300)
    # Then the documented query and key header were sent
    request = route.calls.last.request
    assert dict(request.url.params) == {
        "inputMint": SOL,
        "outputMint": GCAT,
        "amount": "100000000",
        "slippageBps": "300",
        "swapMode": "ExactIn",
    }
    assert request.headers["x-api-key"] == KEY
    # Then raw amounts are ints, the impact a Decimal fraction, the route keyed by ammKey
    assert (quote.in_amount, quote.out_amount) == (100_000_000, 1_963_251_286_424)
    assert quote.other_amount_threshold == 1_904_353_747_831
    assert quote.price_impact_pct == Decimal("0.0024543305633840")
    assert quote.amm_keys == [BC_A]
    assert quote.route_labels == ["Pump.fun"]
    assert quote.route_plan[0].swap_info.fee_amount == 990_100
    assert quote.context_slot == 405301650
    assert quote.platform_fee is None


async def test_a_sell_quote_without_the_deprecated_fee_fields_parses(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    mock_api.get(QUOTE).respond(200, json=load_fixture("jupiter/quote_sell.json"))
    async with make_client(sleep) as client:
        quote = await client.quote(GCAT, SOL, 1_963_251_286_424, 300)
    step = quote.route_plan[0]
    assert (step.swap_info.fee_amount, step.swap_info.fee_mint) == (None, None)
    assert (step.percent, step.bps) == (100, 10_000)
    assert quote.out_amount == 97_539_833


async def test_no_route_is_a_typed_error_not_retried(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the documented 400 no-route answer
    route = mock_api.get(QUOTE).respond(400, json=load_fixture("jupiter/quote_no_route.json"))
    # When quoted / Then NoRouteError with the code, after one call
    async with make_client(sleep) as client:
        with pytest.raises(NoRouteError) as caught:
            await client.quote(SOL, GCAT, 100_000_000, 300)
    assert caught.value.error_code == "COULD_NOT_FIND_ANY_ROUTE"
    assert caught.value.status_code == 400
    assert route.call_count == 1


@pytest.mark.parametrize("code", ["NO_ROUTES_FOUND", "TOKEN_NOT_TRADABLE"])
async def test_the_other_no_exit_codes_are_no_route_too(
    mock_api: respx.MockRouter, sleep: RecordingSleep, code: str
) -> None:
    mock_api.get(QUOTE).respond(400, json={"error": f"The token {GCAT} ...", "errorCode": code})
    async with make_client(sleep) as client:
        with pytest.raises(NoRouteError) as caught:
            await client.quote(SOL, GCAT, 1, 50)
    assert caught.value.error_code == code


async def test_a_400_with_another_code_is_a_rejected_quote_not_a_market_fact(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    body = {
        "error": "Circular arbitrage is disabled",
        "errorCode": "CIRCULAR_ARBITRAGE_IS_DISABLED",
    }
    mock_api.get(QUOTE).respond(400, json=body)
    async with make_client(sleep) as client:
        with pytest.raises(QuoteRejectedError) as caught:
            await client.quote(SOL, SOL, 1, 50)
    assert caught.value.error_code == "CIRCULAR_ARBITRAGE_IS_DISABLED"
    assert not isinstance(caught.value, NoRouteError)


async def test_a_400_without_a_code_is_a_plain_bad_request(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    mock_api.get(QUOTE).respond(400, json={"error": "Invalid amount"})
    async with make_client(sleep) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.quote(SOL, GCAT, 1, 50)
    assert not isinstance(caught.value, NoRouteError | QuoteRejectedError)


@pytest.mark.parametrize(
    ("amount", "slippage"), [(0, 50), (-1, 50), (2**64, 50), (True, 50), (1, -1), (1, 10_001)]
)
async def test_bad_amounts_and_slippage_are_refused_before_sending(
    mock_api: respx.MockRouter, sleep: RecordingSleep, amount: int, slippage: int
) -> None:
    async with make_client(sleep) as client:
        with pytest.raises(ValueError, match=r"amount|slippage"):
            await client.quote(SOL, GCAT, amount, slippage)
    assert not mock_api.calls


@pytest.mark.parametrize(
    "body",
    [
        {"inputMint": SOL},
        {"error": "nothing"},
        [],
    ],
)
async def test_a_malformed_quote_is_an_invalid_response(
    mock_api: respx.MockRouter, sleep: RecordingSleep, body: Any, load_fixture: Load
) -> None:
    mock_api.get(QUOTE).respond(200, json=body)
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError):
            await client.quote(SOL, GCAT, 1, 50)


async def test_a_float_amount_in_a_quote_is_an_invalid_response(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    body = {**load_fixture("jupiter/quote_buy.json"), "outAmount": 1.9e12}
    mock_api.get(QUOTE).respond(200, json=body)
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError, match="outAmount"):
            await client.quote(SOL, GCAT, 1, 50)


# --- price ---------------------------------------------------------------------------------------


async def test_prices_are_decimals_keyed_by_mint_and_unknown_mints_are_absent(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the Price v3 fixture (four mints), asked for five
    route = mock_api.get(PRICE).respond(200, json=load_fixture("jupiter/price_v3.json"))
    # When priced
    async with make_client(sleep) as client:
        prices = await client.price([SOL, USDC, GCAT, ORBT, UNPRICED])
    # Then one call with the ids comma-separated and the key header
    request = route.calls.last.request
    assert request.url.params["ids"] == ",".join([SOL, USDC, GCAT, ORBT, UNPRICED])
    assert request.headers["x-api-key"] == KEY
    # Then exact Decimals (GCAT from exponent form), the fifth mint missing
    assert prices == {
        SOL: Decimal("150.0"),
        USDC: Decimal("0.99995"),
        GCAT: Decimal("0.0000075461733548"),
        ORBT: Decimal("0.003015"),
    }


async def test_price_entries_keep_the_percent_change_and_liquidity(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    mock_api.get(PRICE).respond(200, json=load_fixture("jupiter/price_v3.json"))
    async with make_client(sleep) as client:
        entries = await client.prices([ORBT])
    orbt = entries[ORBT]
    assert (orbt.price_change_24h, orbt.liquidity) == (Decimal("-12.7"), Decimal("258842.26"))
    assert (orbt.block_id, orbt.decimals) == (405301600, 9)


async def test_more_than_50_ids_are_split_into_calls_of_at_most_50(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    sizes: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"].split(",")
        sizes.append(len(ids))
        return httpx.Response(200, json={mint: {"usdPrice": 1} for mint in ids})

    mock_api.get(PRICE).mock(side_effect=answer)
    mints = [f"Mint{i:040d}" for i in range(120)]
    async with make_client(sleep) as client:
        prices = await client.price([*mints, mints[0]])
    assert sizes == [50, 50, 20]
    assert len(prices) == 120


async def test_no_ids_make_no_call(mock_api: respx.MockRouter, sleep: RecordingSleep) -> None:
    async with make_client(sleep) as client:
        assert await client.price([]) == {}
    assert not mock_api.calls


async def test_a_malformed_price_entry_is_skipped_and_a_null_one_is_absent(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    body = {GCAT: {"usdPrice": "not a number"}, ORBT: None, SOL: {"usdPrice": 150.0}}
    mock_api.get(PRICE).respond(200, json=body)
    async with make_client(sleep) as client:
        assert await client.price([GCAT, ORBT, SOL]) == {SOL: Decimal("150.0")}


async def test_a_price_answer_that_is_not_an_object_is_invalid(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    mock_api.get(PRICE).respond(200, json=[{"id": SOL}])
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError, match="keyed by mint"):
            await client.price([SOL])


# --- faults and limits ---------------------------------------------------------------------------


async def test_a_429_waits_the_requested_retry_after(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    route = mock_api.get(PRICE)
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "4"}, json={"code": 429, "message": "slow"}),
        httpx.Response(200, json=load_fixture("jupiter/price_v3.json")),
    ]
    async with make_client(sleep) as client:
        assert SOL in await client.price([SOL])
    assert sleep.waits == [4.0]


async def test_a_429_without_retry_after_waits_for_the_rate_limit_reset(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given a 429 whose x-ratelimit-reset is 6 s after the client's clock
    reset = str(int(NOW.timestamp()) + 6)
    route = mock_api.get(QUOTE)
    route.side_effect = [
        httpx.Response(429, headers={"x-ratelimit-reset": reset, "x-ratelimit-remaining": "0"}),
        httpx.Response(200, json=load_fixture("jupiter/quote_buy.json")),
    ]
    # When quoted / Then it paused until the reset
    async with make_client(sleep) as client:
        await client.quote(SOL, GCAT, 100_000_000, 300)
    assert sleep.waits == [6.0]


async def test_a_persistent_429_surfaces_as_rate_limited(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    mock_api.get(QUOTE).respond(429, headers={"Retry-After": "1"})
    async with make_client(sleep) as client:
        with pytest.raises(RateLimitedError):
            await client.quote(SOL, GCAT, 1, 50)


async def test_repeated_5xx_are_retried_then_surface(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = mock_api.get(QUOTE).respond(502)
    async with make_client(sleep) as client:
        with pytest.raises(TemporaryServiceError):
            await client.quote(SOL, GCAT, 1, 50)
    assert route.call_count == TEST_RETRY.attempts


async def test_a_401_is_an_auth_error_and_a_404_not_found(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    mock_api.get(QUOTE).respond(401, json={"code": 401, "message": "Unauthorized"})
    mock_api.get(PRICE).respond(404)
    async with make_client(sleep) as client:
        with pytest.raises(AuthError):
            await client.quote(SOL, GCAT, 1, 50)
        with pytest.raises(ServiceNotFoundError):
            await client.price([SOL])


async def test_keyless_calls_send_no_key_header(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    route = mock_api.get(PRICE).respond(200, json=load_fixture("jupiter/price_v3.json"))
    async with make_client(sleep, api_key=None) as client:
        await client.price([SOL])
    assert "x-api-key" not in route.calls.last.request.headers


async def test_the_key_never_reaches_logs_or_errors(
    mock_api: respx.MockRouter, sleep: RecordingSleep, captured_logs: io.StringIO
) -> None:
    # Given a 503 echoing the key (a retry is logged), then a no-route answer echoing it
    route = mock_api.get(QUOTE)
    route.side_effect = [
        httpx.Response(503, text=f"bad gateway for x-api-key {KEY}"),
        httpx.Response(
            400, json={"error": f"no route for {KEY}", "errorCode": "COULD_NOT_FIND_ANY_ROUTE"}
        ),
    ]
    async with make_client(sleep) as client:
        with pytest.raises(NoRouteError) as caught:
            await client.quote(SOL, GCAT, 1, 50)
    logs = captured_logs.getvalue()
    assert "service call retried" in logs
    assert KEY not in logs
    assert KEY not in str(caught.value)


def test_the_limit_is_keyless_without_a_key_and_free_with_one() -> None:
    # Keyless: 0.5 req/s; Free: 1 req/s (apis.md §3); one group shared by quotes and prices
    assert JupiterClient().rate_limits == {"jupiter": RateLimit(30, 60.0)}
    keyed = JupiterClient(api_key=SecretStr(KEY))
    assert keyed.rate_limits == {"jupiter": RateLimit(60, 60.0)}
