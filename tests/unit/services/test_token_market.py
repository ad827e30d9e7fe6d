"""The market adapters behind step 1's ports, on the reference fixtures (respx)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import respx

from tests.unit.services.conftest import FAST_RATE, TEST_RETRY, RecordingSleep
from walltrack.data.models.step_settings import TokenDiscoverySettings
from walltrack.data.models.token import SafetyFacts
from walltrack.services.dexscreener import DexScreenerClient
from walltrack.services.helius import HeliusDasClient
from walltrack.services.rugcheck import RugCheckClient
from walltrack.services.token_market import DexScreenerCandidates, MarketSafetyFacts

pytestmark = pytest.mark.anyio

DEX = "https://dex.test"
RPC = "https://rpc.test"
RUG = "https://rug.test"
GCAT = "3BibvHyi1o5Y7eHfzfbxyq6DdnnEchwBCJWyyoKdpump"
ORBT = "5kPxHhTpBUNU2RxZ6b6RoggtCDru2Z9kvoRs5Uyy4BJm"


def _dex() -> DexScreenerClient:
    return DexScreenerClient(DEX, profiles_rate=FAST_RATE, pairs_rate=FAST_RATE)


def _das_answers_asset_not_found(mock_api: respx.MockRouter) -> None:
    mock_api.post(f"{RPC}/").respond(
        200,
        json={
            "jsonrpc": "2.0",
            "id": "walltrack-1",
            "error": {"code": -32000, "message": "Asset not found"},
        },
    )


async def _gcat_facts(
    mock_api: respx.MockRouter,
    load_fixture: Callable[[str], Any],
    *,
    sleep: RecordingSleep | None = None,
) -> SafetyFacts:
    """GCAT's candidate from the DexScreener fixture, then its safety facts from DAS and
    RugCheck as the test mocked them (waits recorded by `sleep` when given)."""
    mock_api.get(url__startswith=f"{DEX}/tokens/v1/solana/").respond(
        200, json=load_fixture("dexscreener/tokens_v1.json")
    )
    async with _dex() as dex:
        [candidate] = (await DexScreenerCandidates(dex).pairs_for([GCAT])).candidates
    waits: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
    async with (
        HeliusDasClient(RPC, das_rate=FAST_RATE, rpc_rate=FAST_RATE, **waits) as das,
        RugCheckClient(RUG, reports_rate=FAST_RATE, retry=TEST_RETRY, **waits) as rug,
    ):
        return await MarketSafetyFacts(das, rug).facts(candidate)


async def test_discover_turns_profiles_into_solana_candidates(
    mock_api: respx.MockRouter, load_fixture: Callable[[str], Any]
) -> None:
    # Given profiles (one on another chain) and the pairs of their mints
    mock_api.get(f"{DEX}/token-profiles/latest/v1").respond(
        200, json=load_fixture("dexscreener/profiles_latest.json")
    )
    mock_api.get(url__startswith=f"{DEX}/tokens/v1/solana/").respond(
        200, json=load_fixture("dexscreener/tokens_v1.json")
    )
    settings = TokenDiscoverySettings(source_latest_boosts=False, source_top_boosts=False)
    # When discovering
    async with _dex() as dex:
        batch = await DexScreenerCandidates(dex).discover(settings)
    # Then each Solana mint becomes a candidate with exact market figures
    by_mint = {c.mint: c for c in batch.candidates}
    assert set(by_mint) == {GCAT, ORBT}
    orbt = by_mint[ORBT]
    assert orbt.sources == ["profiles"]
    assert orbt.market.price_usd == Decimal("0.003015")
    assert orbt.pair_created_at is not None
    assert orbt.pair_created_at.year == 2026
    assert orbt.pool_base_reserve is not None


async def test_safety_facts_come_from_das_holders_and_rugcheck(
    mock_api: respx.MockRouter, load_fixture: Callable[[str], Any]
) -> None:
    # Given ORBT: a live mint authority (DAS), a risky RugCheck summary, holder accounts
    asset = load_fixture("helius/rpc_get_asset.json")

    def rpc(request: Any) -> Any:
        body = json.loads(request.content)
        if body["method"] == "getAsset":
            return respx.MockResponse(200, json={**asset, "id": body["id"]})
        supply = 10**17
        value = [
            {"address": "Vault", "amount": str(supply // 2), "decimals": 9},
            {"address": "Whale", "amount": str(supply // 10), "decimals": 9},
        ]
        return respx.MockResponse(
            200, json={"jsonrpc": "2.0", "id": body["id"], "result": {"value": value}}
        )

    mock_api.post(f"{RPC}/").mock(side_effect=rpc)
    mock_api.get(f"{RUG}/v1/tokens/{ORBT}/report/summary").respond(
        200, json=load_fixture("rugcheck/summary_risky.json")
    )
    mock_api.get(url__startswith=f"{DEX}/tokens/v1/solana/").respond(
        200, json=load_fixture("dexscreener/tokens_v1.json")
    )
    async with _dex() as dex:
        [candidate] = (await DexScreenerCandidates(dex).pairs_for([ORBT])).candidates
    # The pool's vault holds what DexScreener reports as its base reserve: make it so
    candidate = candidate.model_copy(update={"pool_base_reserve": Decimal(10**8) / 2})
    # When the facts are gathered
    async with (
        HeliusDasClient(RPC, das_rate=FAST_RATE, rpc_rate=FAST_RATE) as das,
        RugCheckClient(RUG, reports_rate=FAST_RATE) as rug,
    ):
        facts = await MarketSafetyFacts(das, rug).facts(candidate)
    # Then authorities, holder share (vault excluded), RugCheck score and risks are known
    assert facts.authorities_known
    assert facts.mint_authority == "FYHTzYVmHbMSgJiY38nwAb7FQkmmDJZg2dXSyz6NsrUa"
    assert facts.top10_holder_pct == Decimal("10.00")
    assert facts.rugcheck_score_normalised == 87
    assert "Mint Authority still enabled" in facts.rugcheck_danger_risks


async def test_a_missing_rugcheck_report_leaves_that_fact_unknown(
    mock_api: respx.MockRouter, load_fixture: Callable[[str], Any]
) -> None:
    _das_answers_asset_not_found(mock_api)
    mock_api.get(url__startswith=f"{RUG}/v1/tokens/").respond(400, json={"error": "not found"})
    facts = await _gcat_facts(mock_api, load_fixture)
    assert not facts.authorities_known
    assert facts.rugcheck_score_normalised is None


async def test_a_refused_helius_and_an_unavailable_rugcheck_are_recorded_as_outages(
    mock_api: respx.MockRouter, load_fixture: Callable[[str], Any], sleep: RecordingSleep
) -> None:
    # Given Helius refusing our key (401) and RugCheck answering 503 to every attempt
    mock_api.post(f"{RPC}/").respond(
        401,
        json={
            "jsonrpc": "2.0",
            "id": "walltrack-1",
            "error": {"code": -32401, "message": "invalid api key provided"},
        },
    )
    rug_route = mock_api.get(url__startswith=f"{RUG}/v1/tokens/").respond(503)
    # When the facts are gathered
    facts = await _gcat_facts(mock_api, load_fixture, sleep=sleep)
    # Then each source that could not be read is an outage naming its upstream and the error
    # (RugCheck after its retries: a temporary failure), not an "unknown" fact
    by_source = {o.source: o for o in facts.outages}
    assert set(by_source) == {"asset", "rugcheck"}
    assert by_source["asset"].upstream == "helius"
    assert "401" in by_source["asset"].reason
    assert by_source["rugcheck"].upstream == "rugcheck"
    assert "503" in by_source["rugcheck"].reason
    assert rug_route.call_count == TEST_RETRY.attempts
    assert not facts.authorities_known


async def test_a_token_the_sources_do_not_know_is_no_outage(
    mock_api: respx.MockRouter, load_fixture: Callable[[str], Any]
) -> None:
    # Given DAS and RugCheck answering "not found" (a young token): they ran, found nothing
    _das_answers_asset_not_found(mock_api)
    mock_api.get(url__startswith=f"{RUG}/v1/tokens/").respond(404, json={"error": "not found"})
    facts = await _gcat_facts(mock_api, load_fixture)
    # Then nothing is unavailable: the checks are unknown (they warn), not pending
    assert facts.outages == []
