"""Step 1 rules: filters, best pair per token, safety gauntlet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from walltrack.core.discovery.token_scanner import apply_filters, best_pair_per_token, judge_safety
from walltrack.data.models.solana import SOL_MINT as WSOL_MINT
from walltrack.data.models.solana import USDC_MINT
from walltrack.data.models.step_settings import TokenDiscoverySettings
from walltrack.data.models.token import PairCandidate, SafetyFacts, SourceOutage, TokenMarket

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
SETTINGS = TokenDiscoverySettings()


def _pair(**overrides: object) -> PairCandidate:
    base: dict[str, object] = {
        "mint": "GCATmint",
        "chain": "solana",
        "pair_address": "pair-1",
        "quote_mint": WSOL_MINT,
        "pair_created_at": NOW - timedelta(hours=2),
        "market": TokenMarket(
            liquidity_usd=Decimal("50000"),
            volume_h24_usd=Decimal("20000"),
            txns_h1_buys=30,
            txns_h1_sells=20,
            fdv_usd=Decimal("300000"),
        ),
        "sources": ["profiles"],
    }
    return PairCandidate.model_validate({**base, **overrides})


SAFE = SafetyFacts(
    authorities_known=True,
    top10_holder_pct=Decimal("20"),
    lp_locked_pct=Decimal("100"),
    rugcheck_score_normalised=1,
)


def test_a_healthy_solana_pair_passes_every_filter() -> None:
    decision = apply_filters(_pair(), SETTINGS, now=NOW)
    assert decision.passed
    assert decision.reasons == ()


def test_each_failed_filter_is_named() -> None:
    # Given a pair on another chain, quoted in an unknown token, thin and too old
    pair = _pair(
        chain="base",
        quote_mint="SomeOtherQuote1111111111111111111111111111",
        pair_created_at=NOW - timedelta(days=10),
        market=TokenMarket(liquidity_usd=Decimal("10"), volume_h24_usd=None, txns_h1_buys=1),
    )
    # When filtered / Then every reason is reported
    reasons = " | ".join(apply_filters(pair, SETTINGS, now=NOW).reasons)
    for expected in ("not solana", "allowlist", "liquidity USD 10 < 10000", "24 h volume USD",
                     "1 h transactions 1 < 10", "> 72 h"):  # fmt: skip
        assert expected in reasons


def test_a_bonding_curve_is_judged_without_the_pool_liquidity_rule() -> None:
    # Given pump.fun bonding-curve pairs, as DexScreener shows them: liquidity 0 or absent
    busy = {"volume_h24_usd": Decimal("20000"), "txns_h1_buys": 30, "txns_h1_sells": 20}
    zero = _pair(dex_id="pumpfun", market=TokenMarket(liquidity_usd=Decimal(0), **busy))
    absent = _pair(dex_id="pumpfun", market=TokenMarket(**busy))
    # When filtered with the default settings, Then a busy curve passes
    assert apply_filters(zero, SETTINGS, now=NOW).passed
    assert apply_filters(absent, SETTINGS, now=NOW).passed
    # And a quiet curve is still rejected, on what it has (volume, transactions)
    quiet = _pair(
        dex_id="pumpfun",
        market=TokenMarket(liquidity_usd=Decimal(0), volume_h24_usd=Decimal(10), txns_h1_buys=1),
    )
    reasons = apply_filters(quiet, SETTINGS, now=NOW).reasons
    assert reasons == ("24 h volume USD 10 < 5000", "1 h transactions 1 < 10")
    # And a pool with no liquidity is rejected for it, as before
    pool = _pair(dex_id="pumpswap", market=TokenMarket(liquidity_usd=Decimal(0), **busy))
    assert apply_filters(pool, SETTINGS, now=NOW).reasons == ("liquidity USD 0 < 10000",)


def test_market_cap_bounds_fall_back_to_fdv() -> None:
    settings = SETTINGS.model_copy(update={"max_market_cap_usd": Decimal("100000")})
    decision = apply_filters(_pair(), settings, now=NOW)
    assert not decision.passed
    assert decision.reasons == ("market cap 300000 > 100000",)


def test_usdc_quoted_pairs_are_allowed_by_default() -> None:
    assert apply_filters(_pair(quote_mint=USDC_MINT), SETTINGS, now=NOW).passed


def test_best_pair_is_the_most_liquid_and_sources_merge() -> None:
    thin = _pair(pair_address="thin", market=TokenMarket(liquidity_usd=Decimal("5")))
    deep = _pair(
        pair_address="deep", market=TokenMarket(liquidity_usd=Decimal("900")), sources=["boosts"]
    )
    curve = _pair(pair_address="curve", market=TokenMarket(liquidity_usd=None), sources=["search"])
    [best] = best_pair_per_token([thin, curve, deep])
    assert best.pair_address == "deep"
    assert best.sources == ["profiles", "search", "boosts"]


@given(st.lists(st.decimals(min_value=0, max_value=10**9, places=2), min_size=1, max_size=8))
def test_best_pair_never_loses_liquidity(liquidities: list[Decimal]) -> None:
    pairs = [
        _pair(pair_address=f"p{i}", market=TokenMarket(liquidity_usd=liq))
        for i, liq in enumerate(liquidities)
    ]
    [best] = best_pair_per_token(pairs)
    assert best.market.liquidity_usd == max(liquidities)


def test_known_safe_facts_pass() -> None:
    verdict = judge_safety(SAFE, SETTINGS, now=NOW)
    assert verdict.verdict == "pass"
    assert verdict.reasons == []


def test_a_live_freeze_authority_fails_with_that_reason() -> None:
    facts = SAFE.model_copy(update={"freeze_authority": "FreezeAuth1111"})
    verdict = judge_safety(facts, SETTINGS, now=NOW)
    assert verdict.verdict == "fail"
    assert verdict.reasons == ["freeze authority still enabled (FreezeAuth1111)"]


def test_risky_token2022_extensions_fail() -> None:
    facts = SAFE.model_copy(update={"extensions": ["permanent_delegate", "metadata_pointer"]})
    verdict = judge_safety(facts, SETTINGS, now=NOW)
    assert verdict.verdict == "fail"
    assert "permanent_delegate" in verdict.reasons[0]
    assert "metadata_pointer" not in verdict.reasons[0]


def test_unknown_facts_warn_rather_than_pass() -> None:
    verdict = judge_safety(SafetyFacts(), SETTINGS, now=NOW)
    assert verdict.verdict == "warn"
    assert {c.outcome for c in verdict.checks} >= {"unknown"}


def test_rugcheck_score_between_thresholds_warns_and_above_fails() -> None:
    warn = judge_safety(
        SAFE.model_copy(update={"rugcheck_score_normalised": 50}), SETTINGS, now=NOW
    )
    fail = judge_safety(
        SAFE.model_copy(
            update={"rugcheck_score_normalised": 87, "rugcheck_danger_risks": ["LP Withdrawn"]}
        ),
        SETTINGS,
        now=NOW,
    )
    assert warn.verdict == "warn"
    assert fail.verdict == "fail"
    assert fail.reasons == ["RugCheck score 87/100 (LP Withdrawn)"]


def test_concentrated_holders_fail_against_the_threshold() -> None:
    facts = SAFE.model_copy(update={"top10_holder_pct": Decimal("73.5")})
    verdict = judge_safety(facts, SETTINGS, now=NOW)
    check = next(c for c in verdict.checks if c.name == "top10_holders")
    assert check.outcome == "fail"
    assert check.threshold == "≤ 50%"


HELIUS_401 = "helius: getAsset: HTTP 401 (invalid api key provided)"
RUGCHECK_503 = "rugcheck: GET /v1/tokens/…/report/summary: HTTP 503"


def _out(*outages: SourceOutage, **facts: object) -> SafetyFacts:
    return SafetyFacts.model_validate({"outages": list(outages), **facts})


def test_checks_whose_helius_facts_could_not_be_read_are_pending_not_passing() -> None:
    # Given Helius refusing our key: the asset (authorities, extensions, supply) unread, and
    # RugCheck answering a clean report
    facts = _out(
        SourceOutage(source="asset", upstream="helius", reason=HELIUS_401),
        rugcheck_score_normalised=1,
        lp_locked_pct=Decimal("100"),
    )
    # When judged
    verdict = judge_safety(facts, SETTINGS, now=NOW)
    # Then every check that needs the asset is pending, naming Helius and why; so is the verdict
    by_name = {c.name: c for c in verdict.checks}
    for name in ("mint_authority", "freeze_authority", "token2022_extensions", "top10_holders"):
        assert by_name[name].outcome == "pending", name
        assert by_name[name].upstream == "helius"
        assert HELIUS_401 in by_name[name].detail
    assert by_name["rugcheck"].outcome == "pass"
    assert verdict.verdict == "pending"
    assert verdict.unavailable == {"helius": by_name["mint_authority"].detail}
    assert verdict.reasons[0].startswith("mint authority: could not run")


def test_a_rugcheck_that_could_not_run_is_pending_and_one_without_a_report_warns() -> None:
    # Given the same token once with RugCheck down (503) and once with no report yet (404)
    down = _out(
        SourceOutage(source="rugcheck", upstream="rugcheck", reason=RUGCHECK_503),
        authorities_known=True,
        top10_holder_pct=Decimal("20"),
    )
    no_report = SAFE.model_copy(update={"rugcheck_score_normalised": None})
    settings = SETTINGS.model_copy(update={"min_lp_locked_pct": Decimal("50")})
    # When judged
    could_not_run = judge_safety(down, settings, now=NOW)
    inconclusive = judge_safety(no_report, settings, now=NOW)
    # Then the check that could not run is pending (the token does not pass) ...
    assert could_not_run.verdict == "pending"
    pending = {c.name for c in could_not_run.checks if c.outcome == "pending"}
    assert pending == {"rugcheck", "lp_locked"}
    assert set(could_not_run.unavailable) == {"rugcheck"}
    # ... while the check that ran and found nothing conclusive warns, as before
    assert inconclusive.verdict == "warn"
    assert not inconclusive.unavailable


def test_holders_that_could_not_be_read_are_pending() -> None:
    facts = SAFE.model_copy(
        update={
            "top10_holder_pct": None,
            "outages": [SourceOutage(source="holders", upstream="helius", reason="HTTP 504")],
        }
    )
    verdict = judge_safety(facts, SETTINGS, now=NOW)
    assert verdict.verdict == "pending"
    assert [c.name for c in verdict.checks if c.outcome == "pending"] == ["top10_holders"]


def test_a_check_that_failed_outright_beats_one_that_could_not_run() -> None:
    # Given a live freeze authority (read) and RugCheck unavailable
    facts = SAFE.model_copy(
        update={
            "freeze_authority": "FreezeAuth1111",
            "outages": [SourceOutage(source="rugcheck", upstream="rugcheck", reason="HTTP 503")],
        }
    )
    verdict = judge_safety(facts, SETTINGS, now=NOW)
    # Then the token fails (whatever RugCheck would say), and RugCheck is still named
    assert verdict.verdict == "fail"
    assert set(verdict.unavailable) == {"rugcheck"}


def test_an_asset_helius_does_not_know_leaves_extensions_unknown_not_cleared() -> None:
    # Given no asset (DAS answered "not found": nothing unavailable, nothing read)
    facts = SAFE.model_copy(update={"authorities_known": False})
    verdict = judge_safety(facts, SETTINGS, now=NOW)
    check = next(c for c in verdict.checks if c.name == "token2022_extensions")
    assert check.outcome == "unknown"
    assert verdict.verdict == "warn"
