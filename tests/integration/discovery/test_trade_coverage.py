"""What of a token's trades was read is kept in Postgres as block-time ranges: reads add to it
(a multirange union), a gap between two read windows stays a gap, and reading it closes it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.discovery.test_wallet_flows import FakeTransactions, tx
from tests.unit.swaps.builders import T0, TOKEN
from walltrack.core.discovery.wallets import SETTLE, covers, missing_spans, read_token_trades
from walltrack.data.models.wallet_discovery import TimeSpan, TokenTradeSync
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.wallets import WalletRepository

NOW = datetime.fromtimestamp(T0, tz=UTC) + timedelta(hours=1)


def at(n: int) -> datetime:
    return datetime.fromtimestamp(T0 + n, tz=UTC)


@pytest.fixture
def repo(clean_db: Database) -> WalletRepository:
    return WalletRepository(clean_db)


def read(repo: WalletRepository, source: FakeTransactions, wanted: list[TimeSpan]) -> None:
    asyncio.run(
        read_token_trades(TOKEN, wanted=wanted, source=source, store=repo,
                          max_transactions=100, max_age=timedelta(0), now=NOW)
    )  # fmt: skip


def sync(mint: str, *spans: TimeSpan, swaps: int = 0) -> TokenTradeSync:
    return TokenTradeSync(
        mint=mint, fetched_at=NOW, newest_signature=None, transactions=swaps, swaps=swaps,
        partial=False, covered=spans,
    )  # fmt: skip


def test_reads_add_their_ranges_and_a_gap_between_them_stays_unread(
    repo: WalletRepository,
) -> None:
    # Given two reads of one token, of two windows with a gap between them (saved one after
    # the other, as two profiles would)
    repo.save_trade_sync(sync(TOKEN, TimeSpan(at(10), at(20)), swaps=2))
    repo.save_trade_sync(sync(TOKEN, TimeSpan(at(30), at(40)), swaps=3))
    # When the token's sync is read back
    stored = repo.trade_sync(TOKEN)
    # Then both windows are kept, apart, and counts add up
    assert stored is not None
    assert stored.covered == (TimeSpan(at(10), at(20)), TimeSpan(at(30), at(40)))
    assert (stored.swaps, stored.transactions) == (5, 5)
    # And the stretch across them is not read: its gap is missing
    assert not covers(stored.covered, TimeSpan(at(10), at(40)))
    assert missing_spans([TimeSpan(at(10), at(40))], stored.covered) == [TimeSpan(at(20), at(30))]
    # And a read of the gap joins them into one range
    repo.save_trade_sync(sync(TOKEN, TimeSpan(at(20), at(30))))
    joined = repo.trade_sync(TOKEN)
    assert joined is not None
    assert joined.covered == (TimeSpan(at(10), at(40)),)


def test_a_read_from_the_start_is_kept_open_ended(repo: WalletRepository) -> None:
    # Given a read of a token's whole history up to a time
    repo.save_trade_sync(sync(TOKEN, TimeSpan(None, at(50))))
    # Then its range has no lower bound, and anything before that time counts as read
    stored = repo.trade_sync(TOKEN)
    assert stored is not None
    assert stored.covered == (TimeSpan(None, at(50)),)
    assert covers(stored.covered, TimeSpan(None, at(50)))
    assert not covers(stored.covered, TimeSpan(None, at(51)))


def test_only_the_gap_between_two_read_windows_is_read_again(repo: WalletRepository) -> None:
    source = FakeTransactions({TOKEN: [tx(300), tx(200), tx(100)]})
    # Given two windows of a token's trades read and stored in Postgres
    read(repo, source, [TimeSpan(at(90), at(110)), TimeSpan(at(290), at(310))])
    assert len(repo.token_swaps(TOKEN, since=None, limit=100)) == 2
    # When a read wants the whole stretch across them
    read(repo, source, [TimeSpan(at(90), at(310))])
    # Then exactly the gap was asked for, its trade is stored, and the stretch is one range
    assert source.windows[-1] == (TOKEN, T0 + 110, T0 + 290)
    assert len(repo.token_swaps(TOKEN, since=None, limit=100)) == 3
    stored = repo.trade_sync(TOKEN)
    assert stored is not None
    assert stored.covered == (TimeSpan(at(90), at(310)),)
    assert at(310) < NOW - SETTLE  # the windows were settled when read
