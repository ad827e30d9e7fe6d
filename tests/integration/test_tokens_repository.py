"""tokens / token_snapshots on real Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walltrack.data.models.token import (
    SafetyCheck,
    SafetyVerdict,
    Token,
    TokenMarket,
    TokenQuery,
    TokenSnapshot,
)
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.tokens import TokenRepository

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def repo(clean_db: Database) -> TokenRepository:
    return TokenRepository(clean_db)


def _token(mint: str, *, liquidity: str = "1000", source: str = "profiles") -> Token:
    return Token(
        mint=mint,
        symbol=mint[:4].upper(),
        pair_address=f"pair-{mint}",
        dex_id="raydium",
        sources=[source],
        market=TokenMarket(
            price_usd=Decimal("0.000007546"),
            liquidity_usd=Decimal(liquidity),
            txns_h1_buys=12,
            txns_h1_sells=5,
        ),
    )


def test_first_upsert_is_new_second_merges_sources(repo: TokenRepository) -> None:
    assert repo.upsert_discovered(_token("repo-mint-a"), at=T0) is True
    assert repo.upsert_discovered(_token("repo-mint-a", source="boosts"), at=T0) is False
    stored = repo.get("repo-mint-a")
    assert stored is not None
    assert sorted(stored.sources) == ["boosts", "profiles"]
    assert stored.market.price_usd == Decimal("0.000007546")
    assert stored.market.txns_h1 == 17


def test_a_blocked_token_is_not_revived_by_discovery(repo: TokenRepository) -> None:
    repo.upsert_discovered(_token("repo-mint-blocked", liquidity="5"), at=T0)
    repo.set_status("repo-mint-blocked", "blocked", reason="user", at=T0)
    repo.upsert_discovered(_token("repo-mint-blocked", liquidity="999999"), at=T0)
    stored = repo.get("repo-mint-blocked")
    assert stored is not None
    assert stored.status == "blocked"
    assert stored.market.liquidity_usd == Decimal("5")


def test_snapshots_append_history_and_mirror_the_latest(repo: TokenRepository) -> None:
    repo.upsert_discovered(_token("repo-mint-snap"), at=T0)
    snaps = [
        TokenSnapshot(
            mint="repo-mint-snap",
            taken_at=T0 + timedelta(minutes=i),
            market=TokenMarket(liquidity_usd=Decimal(1000 + i), price_native=Decimal("2E-8")),
        )
        for i in range(3)
    ]
    assert repo.add_snapshots(snaps) == 3
    assert repo.add_snapshots(snaps[-1:]) == 0  # same instant again: no duplicate
    history = repo.snapshots("repo-mint-snap")
    assert [s.market.liquidity_usd for s in history] == [Decimal(n) for n in (1000, 1001, 1002)]
    latest = repo.get("repo-mint-snap")
    assert latest is not None
    assert latest.market.liquidity_usd == Decimal(1002)


def test_safety_verdict_round_trips_with_its_reasons(repo: TokenRepository) -> None:
    repo.upsert_discovered(_token("repo-mint-safety"), at=T0)
    verdict = SafetyVerdict(
        verdict="fail",
        checks=[
            SafetyCheck(name="freeze_authority", outcome="fail", detail="freeze authority live"),
            SafetyCheck(name="mint_authority", outcome="pass", detail="revoked"),
        ],
        checked_at=T0,
    )
    repo.set_safety("repo-mint-safety", verdict)
    stored = repo.get("repo-mint-safety")
    assert stored is not None
    assert stored.safety == verdict
    assert stored.safety.reasons == ["freeze authority live"]


def test_page_filters_sorts_and_counts(repo: TokenRepository) -> None:
    for i, liquidity in enumerate(("10", "30", "20")):
        repo.upsert_discovered(_token(f"page-mint-{i}", liquidity=liquidity), at=T0)
    tokens, total = repo.page(TokenQuery(search="PAGE", sort="liquidity_usd", limit=2))
    assert total == 3
    assert [t.market.liquidity_usd for t in tokens] == [Decimal(30), Decimal(20)]


def test_a_page_reads_each_token_as_get_does(repo: TokenRepository) -> None:
    # Given a token with a safety verdict and market figures, and one never checked
    checked = _token("page-read-checked", source="boosts")
    repo.upsert_discovered(checked, at=T0)
    verdict = SafetyVerdict(
        verdict="warn",
        checks=[
            SafetyCheck(
                name="top_holders", outcome="warn", detail="top 10 hold 41%", threshold="40"
            ),
            SafetyCheck(
                name="lp_burned", outcome="pending", detail="no answer", upstream="rugcheck"
            ),
        ],
        checked_at=T0,
    )
    repo.set_safety("page-read-checked", verdict)
    repo.upsert_discovered(_token("page-read-unchecked"), at=T0)
    # When they are read as a page (validated in one call)
    tokens, total = repo.page(TokenQuery(sort="first_seen_at", limit=5))
    # Then each reads exactly as `get` reads it, verdict, checks and market included
    assert total == 2
    assert sorted(tokens, key=lambda t: t.mint) == [
        repo.get("page-read-checked"),
        repo.get("page-read-unchecked"),
    ]
    paged = {t.mint: t for t in tokens}
    assert paged["page-read-checked"].safety == verdict
    assert paged["page-read-checked"].market == checked.market
    assert paged["page-read-checked"].sources == ["boosts"]
    assert paged["page-read-unchecked"].safety is None
