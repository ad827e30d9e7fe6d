"""Step 1/2 orchestrators over the real token repository, with in-memory market sources.
(Transactions are not what these tests look at: `atomic` opens none here; the outbox tests
check that a token and its announcement commit together.)"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walltrack.core.discovery.scan import (
    add_token_manually,
    run_token_refresh,
    run_token_scan,
)
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.step_settings import TokenDiscoverySettings, TokenRefreshSettings
from walltrack.data.models.token import (
    PairCandidate,
    SafetyFacts,
    SourceBatch,
    TokenMarket,
    TokenQuery,
)
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.tokens import TokenRepository

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def _cand(mint: str, liquidity: str, *, source: str = "profiles", txns: int = 40) -> PairCandidate:
    return PairCandidate(
        mint=mint,
        chain="solana",
        symbol=mint[-6:].upper(),
        pair_address=f"pair-{mint}",
        quote_mint=SOL_MINT,
        pair_created_at=T0 - timedelta(hours=1),
        market=TokenMarket(
            liquidity_usd=Decimal(liquidity),
            volume_h24_usd=Decimal("90000"),
            txns_h1_buys=txns,
            txns_h1_sells=txns,
        ),
        sources=[source],
    )


class Market:
    """An in-memory market whose pairs a test can change between calls."""

    def __init__(self, pairs: list[PairCandidate], *, malformed: int = 0) -> None:
        self.pairs = {p.mint: p for p in pairs}
        self.malformed = malformed

    async def discover(self, settings: TokenDiscoverySettings) -> SourceBatch:
        return SourceBatch(list(self.pairs.values()), skipped=self.malformed)

    async def pairs_for(self, mints: Sequence[str]) -> SourceBatch:
        return SourceBatch([self.pairs[m] for m in mints if m in self.pairs])


class Safety:
    def __init__(self, frozen: set[str]) -> None:
        self.frozen = frozen
        self.calls = 0

    async def facts(self, candidate: PairCandidate) -> SafetyFacts:
        self.calls += 1
        return SafetyFacts(
            authorities_known=True,
            freeze_authority="Freezer1111" if candidate.mint in self.frozen else None,
            top10_holder_pct=Decimal(20),
            rugcheck_score_normalised=1,
        )


class Outbox:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def token_discovered(self, mint: str) -> None:
        self.sent.append(mint)


@pytest.fixture
def store(clean_db: Database) -> TokenRepository:
    return TokenRepository(clean_db)


def test_scan_stores_passing_tokens_and_announces_only_new_ones(store: TokenRepository) -> None:
    # Given two healthy tokens, one thin one, one frozen, and a malformed item
    market = Market(
        [
            _cand("scan-ok-1", "50000"),
            _cand("scan-ok-2", "80000"),
            _cand("scan-thin", "10"),
            _cand("scan-frozen", "60000"),
        ],
        malformed=1,
    )
    outbox, settings = Outbox(), TokenDiscoverySettings()
    # When scanned twice
    first = asyncio.run(
        run_token_scan(settings=settings, source=market, safety=Safety({"scan-frozen"}),
                       store=store, outbox=outbox, atomic=nullcontext, now=T0)
    )  # fmt: skip
    second = asyncio.run(
        run_token_scan(settings=settings, source=market, safety=Safety({"scan-frozen"}),
                       store=store, outbox=outbox, atomic=nullcontext,
                       now=T0 + timedelta(minutes=1))
    )  # fmt: skip
    # Then the thin token is rejected with its reason, the malformed item counted,
    # the frozen one stored with a failing verdict, and each new token announced once
    assert first.passed_filters == 3
    assert first.skipped_malformed == 1
    assert "liquidity USD 10 < 10000" in first.rejected["scan-thin"][0]
    assert first.new_tokens == 3
    assert second.new_tokens == 0
    assert second.updated_tokens == 3
    assert sorted(outbox.sent) == ["scan-frozen", "scan-ok-1", "scan-ok-2"]
    frozen = store.get("scan-frozen")
    assert frozen is not None
    assert frozen.safety is not None
    assert frozen.safety.verdict == "fail"
    assert "freeze authority still enabled" in frozen.safety.reasons[0]
    thin = store.get("scan-thin")
    assert thin is not None
    assert not thin.filters_passed
    assert thin.safety is None


def test_a_first_seen_rejected_candidate_is_stored_but_nothing_works_on_it(
    store: TokenRepository,
) -> None:
    # Given a thin token never seen before, a hand-added thin one and a blocked thin one
    market = Market([_cand("seen-thin", "10"), _cand("seen-manual", "10"),
                     _cand("seen-blocked", "10")])  # fmt: skip
    asyncio.run(add_token_manually("seen-manual", settings=TokenDiscoverySettings(),
                                   source=market, safety=Safety(set()), store=store,
                                   outbox=Outbox(), atomic=nullcontext, now=T0))  # fmt: skip
    store.upsert_discovered(_cand("seen-blocked", "10").as_token(), at=T0)
    store.set_status("seen-blocked", "blocked", reason="user", at=T0)
    outbox, safety = Outbox(), Safety(set())
    # When a scan's filters reject all three
    report = asyncio.run(
        run_token_scan(settings=TokenDiscoverySettings(), source=market, safety=safety,
                       store=store, outbox=outbox, atomic=nullcontext,
                       now=T0 + timedelta(minutes=1))
    )  # fmt: skip
    # Then the new one is stored as rejected with its reasons, the user's two untouched
    assert (report.rejected_new, report.now_rejected) == (1, 0)
    thin = store.get("seen-thin")
    assert thin is not None
    assert not thin.filters_passed
    assert "liquidity USD 10 < 10000" in thin.filter_reasons[0]
    assert thin.market.liquidity_usd == Decimal("10")
    for mint in ("seen-manual", "seen-blocked"):
        kept = store.get(mint)
        assert kept is not None
        assert kept.filters_passed
    rejected, total = store.page(TokenQuery(filters="rejected"))
    assert (total, [t.mint for t in rejected]) == (1, ["seen-thin"])
    # And nothing works on it: no safety call, no snapshot, no announcement, not active
    assert safety.calls == 0
    assert store.snapshots("seen-thin") == []
    assert outbox.sent == []
    assert "seen-thin" not in store.active_mints()
    refresh = asyncio.run(
        run_token_refresh(settings=TokenRefreshSettings(),
                          discovery_settings=TokenDiscoverySettings(), source=market,
                          safety=safety, store=store, now=T0 + timedelta(minutes=2))
    )  # fmt: skip
    assert refresh.active == 1  # the hand-added one
    assert store.snapshots("seen-thin") == []

    # When its pool deepens and a later scan passes it
    market.pairs["seen-thin"] = _cand("seen-thin", "50000")
    later = asyncio.run(
        run_token_scan(settings=TokenDiscoverySettings(), source=market, safety=safety,
                       store=store, outbox=outbox, atomic=nullcontext,
                       now=T0 + timedelta(minutes=3))
    )  # fmt: skip
    # Then it is a normal new passing token: checked, snapshotted, announced once, active
    assert later.new_tokens == 1
    assert outbox.sent == ["seen-thin"]
    passing = store.get("seen-thin")
    assert passing is not None
    assert passing.filters_passed
    assert passing.safety is not None
    assert len(store.snapshots("seen-thin")) == 1
    assert "seen-thin" in store.active_mints()


class Countdown:
    """An invocation's remaining time that drops by `per_check` seconds per safety check."""

    def __init__(self, safety: Safety, *, start: float, per_check: float) -> None:
        self.safety, self.start, self.per_check = safety, start, per_check

    def __call__(self) -> float:
        return self.start - self.safety.calls * self.per_check


def test_a_scan_short_of_time_checks_new_tokens_first_and_leaves_the_rest(
    store: TokenRepository,
) -> None:
    # Given a stored token, and a feed with it plus three new tokens
    market = Market([_cand("budget-known", "70000")])
    outbox, settings = Outbox(), TokenDiscoverySettings()
    asyncio.run(
        run_token_scan(settings=settings, source=market, safety=Safety(set()), store=store,
                       outbox=outbox, atomic=nullcontext, now=T0)
    )  # fmt: skip
    for mint in ("budget-new-1", "budget-new-2", "budget-new-3"):
        market.pairs[mint] = _cand(mint, "60000")
    # When a scan has time for two safety checks only (100 s left, 40 s per check)
    safety = Safety(set())
    report = asyncio.run(
        run_token_scan(settings=settings, source=market, safety=safety, store=store,
                       outbox=outbox, atomic=nullcontext, now=T0 + timedelta(minutes=5),
                       time_left=Countdown(safety, start=100, per_check=40))
    )  # fmt: skip
    # Then two new tokens were checked, stored and announced before the known one,
    # and the other two passing tokens are left for the next scan
    assert safety.calls == 2
    assert report.new_tokens == 2
    assert report.updated_tokens == 0
    assert report.deferred == 2
    assert report.counts()["deferred"] == 2
    assert outbox.sent == ["budget-known", "budget-new-1", "budget-new-2"]
    assert store.get("budget-new-3") is None
    # And the next scan, with time enough, takes the new token left over
    later = asyncio.run(
        run_token_scan(settings=settings, source=market, safety=Safety(set()), store=store,
                       outbox=outbox, atomic=nullcontext, now=T0 + timedelta(minutes=10),
                       time_left=lambda: 300.0)
    )  # fmt: skip
    assert later.new_tokens == 1
    assert later.deferred == 0
    assert outbox.sent[-1] == "budget-new-3"


def test_a_tighter_rescan_flags_stored_tokens_it_now_rejects(store: TokenRepository) -> None:
    # Given two stored tokens from a scan, one of them also added by hand
    market = Market([_cand("tight-small", "20000"), _cand("tight-big", "90000")])
    loose, outbox = TokenDiscoverySettings(), Outbox()
    asyncio.run(
        run_token_scan(settings=loose, source=market, safety=Safety(set()), store=store,
                       outbox=outbox, atomic=nullcontext, now=T0)
    )  # fmt: skip
    # When the filters tighten and the scan runs again
    tight = loose.model_copy(update={"min_liquidity_usd": Decimal("50000")})
    report = asyncio.run(
        run_token_scan(settings=tight, source=market, safety=Safety(set()), store=store,
                       outbox=outbox, atomic=nullcontext, now=T0 + timedelta(minutes=5))
    )  # fmt: skip
    # Then the small one is kept but flagged with the reason, and the passing list shrinks
    assert report.passed_filters == 1
    assert report.now_rejected == 1
    small = store.get("tight-small")
    assert small is not None
    assert not small.filters_passed
    assert "liquidity USD 20000 < 50000" in small.filter_reasons[0]
    passing, _ = store.page(TokenQuery(filters="passed", limit=500))
    assert "tight-big" in {t.mint for t in passing}
    assert "tight-small" not in {t.mint for t in passing}
    # And when the loose filters return, it passes again
    asyncio.run(
        run_token_scan(settings=loose, source=market, safety=Safety(set()), store=store,
                       outbox=outbox, atomic=nullcontext, now=T0 + timedelta(minutes=10))
    )  # fmt: skip
    again = store.get("tight-small")
    assert again is not None
    assert again.filters_passed


def test_manual_add_skips_filters_and_unknown_mints_are_none(store: TokenRepository) -> None:
    market = Market([_cand("manual-thin", "10")])
    kwargs = {
        "settings": TokenDiscoverySettings(),
        "source": market,
        "safety": Safety(set()),
        "store": store,
        "outbox": Outbox(),
        "atomic": nullcontext,
        "now": T0,
    }
    added = asyncio.run(add_token_manually("manual-thin", **kwargs))  # type: ignore[arg-type]
    assert added is not None
    assert "manual" in added.sources
    assert asyncio.run(add_token_manually("manual-unknown", **kwargs)) is None  # type: ignore[arg-type]
    assert store.get("manual-unknown") is None


def test_refresh_snapshots_then_marks_a_pulled_pool_rugged(store: TokenRepository) -> None:
    # Given two tracked tokens
    market = Market([_cand("refresh-steady", "50000"), _cand("refresh-rug", "50000")])
    safety = Safety(set())
    settings, discovery = TokenRefreshSettings(), TokenDiscoverySettings()
    asyncio.run(
        run_token_scan(settings=discovery, source=market, safety=safety, store=store,
                       outbox=Outbox(), atomic=nullcontext, now=T0)
    )  # fmt: skip

    def refresh(minutes: int) -> object:
        return asyncio.run(
            run_token_refresh(settings=settings, discovery_settings=discovery, source=market,
                              safety=safety, store=store, now=T0 + timedelta(minutes=minutes))
        )  # fmt: skip

    # When refreshed over time, and one pool's liquidity is pulled
    refresh(5)
    refresh(10)
    market.pairs["refresh-rug"] = _cand("refresh-rug", "900")
    report = refresh(15)
    # Then history grew for both and only the pulled one is rugged, with the reason
    assert len(store.snapshots("refresh-steady")) == 4
    assert report.rugged == 1  # type: ignore[attr-defined]
    rugged = store.get("refresh-rug")
    assert rugged is not None
    assert rugged.status == "rugged"
    assert "liquidity fell" in (rugged.status_reason or "")
    steady = store.get("refresh-steady")
    assert steady is not None
    assert steady.status == "active"
    assert "refresh-rug" not in store.active_mints()


def test_refresh_keeps_a_trading_bonding_curve_alive_and_buries_a_thin_pool(
    store: TokenRepository,
) -> None:
    # Given a pump.fun curve token (no pool: liquidity 0) and a pool with thin liquidity, both
    # trading, tracked by a scan
    curve = _cand("refresh-curve", "0").model_copy(update={"dex_id": "pumpfun"})
    pool = _cand("refresh-thin-pool", "500").model_copy(update={"dex_id": "raydium"})
    market = Market([curve, pool])
    settings = TokenRefreshSettings()
    discovery = TokenDiscoverySettings(min_liquidity_usd=Decimal(0))
    asyncio.run(
        run_token_scan(settings=discovery, source=market, safety=Safety(set()), store=store,
                       outbox=Outbox(), atomic=nullcontext, now=T0)
    )  # fmt: skip
    assert set(store.active_mints()) >= {"refresh-curve", "refresh-thin-pool"}
    # When refreshed for longer than dead_after_minutes
    for minutes in range(30, settings.dead_after_minutes + 61, 30):
        asyncio.run(
            run_token_refresh(settings=settings, discovery_settings=discovery, source=market,
                              safety=Safety(set()), store=store,
                              now=T0 + timedelta(minutes=minutes))
        )  # fmt: skip
    # Then the thin pool is dead and the curve, which never had a pool to be thin, still lives
    thin = store.get("refresh-thin-pool")
    assert thin is not None
    assert thin.status == "dead"
    alive = store.get("refresh-curve")
    assert alive is not None
    assert alive.status == "active"
