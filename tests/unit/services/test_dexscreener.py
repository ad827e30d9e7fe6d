"""DexScreener client against the reference fixtures (respx), success and failure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from tests.unit.services.conftest import FAST_RATE, TEST_RETRY, RecordingSleep
from walltrack.services.base import RateLimit
from walltrack.services.dexscreener import DexScreenerClient
from walltrack.services.errors import InvalidResponseError, RateLimitedError, TemporaryServiceError

pytestmark = pytest.mark.anyio

BASE = "https://api.dexscreener.com"
GCAT = "3BibvHyi1o5Y7eHfzfbxyq6DdnnEchwBCJWyyoKdpump"
ORBT = "5kPxHhTpBUNU2RxZ6b6RoggtCDru2Z9kvoRs5Uyy4BJm"
BC_A = "41rP2SFTimFse8nHzVckiWGeEefur1viYKkkVjzExv8m"
ORBT_POOL = "DoGeGGrhArnPpP7BqXRXbS4hewhHzkea354ieqdH9TYu"

Load = Callable[[str], Any]


def make_client(
    sleep: RecordingSleep, *, profiles_rate: RateLimit = FAST_RATE
) -> DexScreenerClient:
    return DexScreenerClient(
        BASE, profiles_rate=profiles_rate, pairs_rate=FAST_RATE, retry=TEST_RETRY, sleep=sleep
    )


# --- discovery feeds ---------------------------------------------------------------------------


async def test_latest_profiles_parse_every_chain_with_links(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the latest-profiles feed
    mock_api.get(f"{BASE}/token-profiles/latest/v1").respond(
        200, json=load_fixture("dexscreener/profiles_latest.json")
    )
    # When read
    async with make_client(sleep) as client:
        parsed = await client.latest_token_profiles()
    # Then all three profiles come back; the base one with null links as an empty list
    assert [p.token_address for p in parsed.items] == [
        GCAT,
        "0x2C4e6a8b0D1f3E5a7C9b1D3f5E7a9C0b2D4f6A81",
        ORBT,
    ]
    assert [p.is_solana for p in parsed.items] == [True, False, True]
    assert parsed.items[1].links == []
    assert {link.type for link in parsed.items[0].links} == {None, "twitter", "telegram"}


async def test_latest_boosts_carry_amounts_as_decimals(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the latest-boosts feed
    mock_api.get(f"{BASE}/token-boosts/latest/v1").respond(
        200, json=load_fixture("dexscreener/boosts_latest.json")
    )
    # When read
    async with make_client(sleep) as client:
        parsed = await client.latest_boosts()
    # Then each boost has its own and total amount
    amounts = {b.token_address: (b.amount, b.total_amount) for b in parsed.items}
    assert amounts == {GCAT: (Decimal(10), Decimal(10)), ORBT: (Decimal(100), Decimal(500))}


async def test_top_boosts_keep_the_service_order(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the top-boosts feed (highest total first)
    mock_api.get(f"{BASE}/token-boosts/top/v1").respond(
        200, json=load_fixture("dexscreener/boosts_top.json")
    )
    # When read
    async with make_client(sleep) as client:
        parsed = await client.top_boosts()
    # Then ORBT (500) precedes GCAT (10)
    assert [b.token_address for b in parsed.items] == [ORBT, GCAT]


# --- pairs -------------------------------------------------------------------------------------


async def test_search_sends_the_query_and_returns_pairs_of_every_chain(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given a search for GCAT answered by the fixture
    route = mock_api.get(f"{BASE}/latest/dex/search", params={"q": "GCAT"}).respond(
        200, json=load_fixture("dexscreener/search.json")
    )
    # When searched
    async with make_client(sleep) as client:
        parsed = await client.search("GCAT")
    # Then both pairs come back, and only the Solana one trades the GCAT mint
    assert route.called
    assert [p.chain_id for p in parsed.items] == ["solana", "base"]
    assert [p.trades_token(GCAT) for p in parsed.items] == [True, False]


async def test_search_with_null_pairs_is_empty(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a search that matched nothing
    mock_api.get(f"{BASE}/latest/dex/search").respond(
        200, json={"schemaVersion": "1.0.0", "pairs": None}
    )
    # When searched
    async with make_client(sleep) as client:
        parsed = await client.search("nothing-like-this")
    # Then no pairs and nothing skipped
    assert parsed.items == []
    assert parsed.skipped == 0


async def test_pair_reads_one_pool_with_prices_as_decimals_and_ms_creation(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the ORBT CPMM pool
    mock_api.get(f"{BASE}/latest/dex/pairs/solana/{ORBT_POOL}").respond(
        200, json=load_fixture("dexscreener/pair.json")
    )
    # When read
    async with make_client(sleep) as client:
        parsed = await client.pair(ORBT_POOL)
    # Then its price is the exact string's Decimal and its creation time stays in ms
    (pair,) = parsed.items
    assert pair.price_usd == Decimal("0.003015")
    assert pair.pair_created_at == 1772892000000
    assert pair.info is not None
    assert [s.type for s in pair.info.socials] == ["twitter"]


async def test_token_pairs_return_every_pool_of_the_token(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given ORBT's two pools
    mock_api.get(f"{BASE}/token-pairs/v1/solana/{ORBT}").respond(
        200, json=load_fixture("dexscreener/token_pairs.json")
    )
    # When read
    async with make_client(sleep) as client:
        parsed = await client.token_pairs(ORBT)
    # Then the CPMM and DLMM pools with their liquidity
    assert [(p.labels, p.liquidity_usd) for p in parsed.items] == [
        (["CPMM"], Decimal("240600.0")),
        (["DLMM"], Decimal("18242.26")),
    ]


async def test_tokens_requests_the_mints_comma_separated(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given the two-token batch of the fixture
    route = mock_api.get(f"{BASE}/tokens/v1/solana/{GCAT},{ORBT}").respond(
        200, json=load_fixture("dexscreener/tokens_v1.json")
    )
    # When both tokens are refreshed
    async with make_client(sleep) as client:
        parsed = await client.tokens([GCAT, ORBT])
    # Then one call returns each token's main pair
    assert route.call_count == 1
    assert [p.pair_address for p in parsed.items] == [BC_A, ORBT_POOL]


async def test_tokens_splits_many_mints_into_batches_of_at_most_30(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given 65 distinct mints (one repeated) and a service that answers every batch
    sizes: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sizes.append(len(request.url.path.rsplit("/", 1)[1].split(",")))
        return httpx.Response(200, json=[])

    mock_api.get(url__regex=rf"^{BASE}/tokens/v1/solana/[^/]+$").mock(side_effect=answer)
    mints = [f"Mint{i:040d}" for i in range(65)] + ["Mint" + "0" * 40]
    # When refreshed
    async with make_client(sleep) as client:
        await client.tokens(mints)
    # Then three calls of 30, 30 and 5 addresses
    assert sizes == [30, 30, 5]


async def test_tokens_with_no_mints_makes_no_call(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given no mints / When refreshed
    async with make_client(sleep) as client:
        parsed = await client.tokens([])
    # Then nothing was asked and nothing returned
    assert parsed.items == []
    assert not mock_api.calls


async def test_a_malformed_pair_is_skipped_and_counted_while_the_rest_return(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given three items: a good pool, one without pairAddress, and a bare string
    good, broken = load_fixture("dexscreener/token_pairs.json")
    del broken["pairAddress"]
    mock_api.get(f"{BASE}/token-pairs/v1/solana/{ORBT}").respond(
        200, json=[good, broken, "garbage"]
    )
    # When read
    async with make_client(sleep) as client:
        parsed = await client.token_pairs(ORBT)
    # Then the good one comes back, two are skipped, each with a reason
    assert [p.pair_address for p in parsed.items] == [ORBT_POOL]
    assert parsed.skipped == 2
    assert parsed.errors[0].startswith("item 1: pairAddress")
    assert parsed.errors[1].startswith("item 2:")


async def test_an_object_where_an_array_is_expected_is_an_invalid_response(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given tokens/v1 answering an object instead of a bare array
    mock_api.get(f"{BASE}/tokens/v1/solana/{GCAT}").respond(200, json={"pairs": []})
    # When refreshed / Then the response is rejected as invalid
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError, match="expected a JSON array"):
            await client.tokens([GCAT])


async def test_search_without_a_pairs_key_is_an_invalid_response(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a search answer without `pairs`
    mock_api.get(f"{BASE}/latest/dex/search").respond(200, json={"schemaVersion": "1.0.0"})
    # When searched / Then invalid
    async with make_client(sleep) as client:
        with pytest.raises(InvalidResponseError):
            await client.search("GCAT")


# --- faults ------------------------------------------------------------------------------------


async def test_a_429_is_retried_after_the_requested_pause(
    mock_api: respx.MockRouter, sleep: RecordingSleep, load_fixture: Load
) -> None:
    # Given tokens/v1 rate-limited once with Retry-After: 12
    route = mock_api.get(f"{BASE}/tokens/v1/solana/{GCAT},{ORBT}")
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "12"}),
        httpx.Response(200, json=load_fixture("dexscreener/tokens_v1.json")),
    ]
    # When refreshed
    async with make_client(sleep) as client:
        parsed = await client.tokens([GCAT, ORBT])
    # Then it paused 12 s and returned the pairs
    assert sleep.waits == [12.0]
    assert len(parsed.items) == 2


async def test_a_429_that_persists_surfaces_as_rate_limited(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given the boosts feed always over its limit
    mock_api.get(f"{BASE}/token-boosts/top/v1").respond(429, headers={"Retry-After": "1"})
    # When read / Then the rate-limit error reaches the caller
    async with make_client(sleep) as client:
        with pytest.raises(RateLimitedError):
            await client.top_boosts()


async def test_repeated_5xx_surface_an_error(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given the profiles feed failing every time
    route = mock_api.get(f"{BASE}/token-profiles/latest/v1").respond(502)
    # When read / Then a temporary error surfaces after every attempt was used
    async with make_client(sleep) as client:
        with pytest.raises(TemporaryServiceError):
            await client.latest_token_profiles()
    assert route.call_count == TEST_RETRY.attempts


# --- rate-limit groups -------------------------------------------------------------------------


def test_default_limits_are_the_documented_ones() -> None:
    # Given a client with defaults / Then profiles are 60/min and pairs 300/min
    client = DexScreenerClient()
    assert client.rate_limits == {
        "profiles": RateLimit(60, 60.0),
        "pairs": RateLimit(300, 60.0),
    }


async def test_the_profiles_limit_does_not_slow_pair_calls(
    mock_api: respx.MockRouter, sleep: RecordingSleep
) -> None:
    # Given a profiles group allowing one call per 10 s, just used
    mock_api.get(f"{BASE}/token-profiles/latest/v1").respond(200, json=[])
    mock_api.get(f"{BASE}/token-pairs/v1/solana/{ORBT}").respond(200, json=[])
    async with make_client(sleep, profiles_rate=RateLimit(1, 10.0)) as client:
        await client.latest_token_profiles()
        # When a pairs call follows at once
        # Then it is not held back by the other group's limiter
        await asyncio.wait_for(client.token_pairs(ORBT), timeout=1.0)
