"""swaps / wallets / wallet_discoveries / wallet_profiles on real Postgres."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.unit.profiling.builders import NOW, T0, swap
from walltrack.core.discovery.profiler import MarketContext, profile_wallet
from walltrack.core.signal.scorer import buy_sizes, usual_buy_of, usual_buy_sol
from walltrack.data.models.wallet_discovery import WalletCandidate, WalletQuery
from walltrack.data.models.wallet_settings import WalletProfileSettings
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.wallets import WalletRepository

MINT = "Mint111111111111111111111111111111111111111"
OTHER = "Other11111111111111111111111111111111111111"


@pytest.fixture
def repo(clean_db: Database) -> WalletRepository:
    return WalletRepository(clean_db)


def _candidate(wallet: str, mint: str = MINT) -> WalletCandidate:
    return WalletCandidate(
        wallet=wallet,
        mint=mint,
        reasons=("early_buyer",),
        first_buy_at=T0,
        bought_sol=Decimal("1.5"),
        realised_pnl_sol=Decimal("0.25"),
        trades=2,
    )


def test_swaps_are_stored_once_with_exact_amounts(repo: WalletRepository) -> None:
    trades = [swap("w1", "buy", MINT, "123.456789", "0.000000001", 1)]
    # Given a swap stored once, When it is stored again with a new one
    assert repo.add_swaps(trades) == 1
    assert repo.add_swaps([*trades, swap("w1", "sell", MINT, "1", "2", 5)]) == 1
    # Then each is kept once, oldest first, amounts exact
    stored = repo.wallet_swaps("w1", since=None)
    assert [s.side for s in stored] == ["buy", "sell"]
    assert stored[0].token_amount == Decimal("123.456789")
    assert stored[0].quote_amount == Decimal("0.000000001")
    # And the newest N of a token come back oldest first
    assert [s.side for s in repo.token_swaps(MINT, since=None, limit=1)] == ["sell"]
    # And a window cuts the wallet's swaps at both ends (a profile's window_start..end)
    first, second = stored
    assert repo.wallet_swaps("w1", since=None, until=first.timestamp) == [first]
    assert repo.wallet_swaps("w1", since=second.timestamp, until=second.timestamp) == [second]


def test_candidates_are_queued_once_until_their_profile_is_stale(repo: WalletRepository) -> None:
    # Given two new candidates: both are due
    due = repo.add_candidates(
        [_candidate("w1"), _candidate("w2")], at=T0, profiled_before=T0 - timedelta(hours=24)
    )
    assert due == ["w1", "w2"]
    # When a second token finds w1 again an hour later: it was just requested, not due
    again = repo.add_candidates(
        [_candidate("w1", OTHER)],
        at=T0 + timedelta(hours=1),
        profiled_before=T0 + timedelta(hours=1) - timedelta(hours=24),
    )
    assert again == []
    # Then it is listed under both tokens, with its reasons
    summary = repo.get("w1")
    assert summary is not None
    assert [d.mint for d in summary.discovered_from] == [MINT, OTHER]
    assert summary.status == "candidate"
    # And a day later it is due again
    later = T0 + timedelta(hours=30)
    assert repo.add_candidates(
        [_candidate("w1")], at=later, profiled_before=later - timedelta(hours=24)
    ) == ["w1"]


def test_profiles_fill_the_list_and_filters_count_pending(repo: WalletRepository) -> None:
    repo.add_candidates(
        [_candidate("w1"), _candidate("w2")], at=T0, profiled_before=T0 - timedelta(days=1)
    )
    trades = [swap("w1", "buy", MINT, "100", "1", 10), swap("w1", "sell", MINT, "100", "2", 900)]
    profile = profile_wallet(
        wallet="w1",
        swaps=trades,
        market=MarketContext(),
        settings=WalletProfileSettings(),
        now=NOW,
    )
    # When one of two candidates is profiled
    repo.save_profile(profile, malformed_transactions=3)
    # Then the list shows it profiled with its headline figures, the other pending
    items, total, pending = repo.page(WalletQuery(token=MINT))
    assert (total, pending) == (2, 1)
    assert items[0].address == "w1"
    assert items[0].status == "profiled"
    assert items[0].realised_pnl_sol == Decimal(1)
    assert items[0].malformed_transactions == 3
    assert items[1].score is None
    # And the whole profile is kept for the detail view
    assert repo.latest_profile("w1") == profile
    # And filters narrow the list; a failure keeps status but shows the error
    assert repo.page(WalletQuery(status="candidate"))[1] == 1
    assert repo.page(WalletQuery(flags="clean"))[1] == 1
    repo.mark_failed("w2", "ServiceError: helius down")
    failed = repo.get("w2")
    assert failed is not None
    assert (failed.status, failed.error) == ("failed", "ServiceError: helius down")


def test_a_page_reads_each_wallet_as_get_does(repo: WalletRepository) -> None:
    # Given a profiled wallet found through two tokens, and a candidate found through one
    repo.add_candidates(
        [_candidate("w1"), _candidate("w1", OTHER), _candidate("w2")],
        at=T0,
        profiled_before=T0 - timedelta(days=1),
    )
    trades = [swap("w1", "buy", MINT, "100", "1", 10), swap("w1", "sell", MINT, "100", "3", 900)]
    repo.save_profile(
        profile_wallet(
            wallet="w1",
            swaps=trades,
            market=MarketContext(),
            settings=WalletProfileSettings(),
            now=NOW,
        ),
        malformed_transactions=0,
    )
    # When they are read as a page (validated in one call, discoveries on the same connection)
    items, total, _ = repo.page(WalletQuery())
    # Then each reads exactly as `get` reads it, with every token it was found through
    assert total == 2
    assert sorted(items, key=lambda w: w.address) == [repo.get("w1"), repo.get("w2")]
    w1 = next(w for w in items if w.address == "w1")
    assert [(d.mint, d.reasons, d.realised_pnl_sol) for d in w1.discovered_from] == [
        (MINT, ("early_buyer",), Decimal("0.25")),
        (OTHER, ("early_buyer",), Decimal("0.25")),
    ]
    assert w1.realised_pnl_sol == Decimal(2)


def test_the_buy_sizes_summed_in_sql_are_those_of_the_whole_profile(
    repo: WalletRepository,
) -> None:
    # Given a profile with a buy sold in two parts, a buy sold whole, and a buy still held
    repo.add_candidates([_candidate("w1")], at=T0, profiled_before=T0 - timedelta(days=1))
    trades = [
        swap("w1", "buy", MINT, "100", "1.5", 10),
        swap("w1", "sell", MINT, "40", "1", 100),
        swap("w1", "sell", MINT, "60", "2", 200),
        swap("w1", "buy", OTHER, "10", "0.25", 300),
        swap("w1", "sell", OTHER, "10", "0.5", 400),
        swap("w1", "buy", MINT, "5", "0.3", 500),
    ]
    profile = profile_wallet(
        wallet="w1", swaps=trades, market=MarketContext(), settings=WalletProfileSettings(), now=NOW
    )
    repo.save_profile(profile, malformed_transactions=0)
    # When only the buy sizes are read / Then they are the whole profile's, split buys summed
    sizes = repo.latest_buy_sizes("w1")
    assert sizes is not None
    expected = buy_sizes(profile)
    assert sorted(sizes.per_buy) == sorted(expected.per_buy) == [Decimal("0.25"), Decimal("1.5")]
    assert sizes.average_buy_sol == expected.average_buy_sol
    assert usual_buy_of(sizes) == usual_buy_sol(profile)
    # And a wallet never profiled has none
    assert repo.latest_buy_sizes("w2") is None
