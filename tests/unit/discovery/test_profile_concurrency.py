"""A profile reads its tokens' trades a few at a time (bench/profiling.py measures why), with the
same result and the same failures as one at a time."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import pytest

from tests.unit.discovery.test_wallet_flows import NOW, FakeTransactions, MemoryStore, NoPrices, tx
from tests.unit.swaps.builders import TOKEN, TRADER
from walltrack.core.discovery.wallets import TAPE_REFRESH_CONCURRENCY, profile_address
from walltrack.data.models.wallet_discovery import AddressTransactions
from walltrack.data.models.wallet_discovery_settings import WalletDiscoverySettings
from walltrack.data.models.wallet_settings import WalletProfileSettings

MINTS = [f"Token{i}" + "1" * (39 - len(str(i))) + "pump" for i in range(1, 9)]


def in_token(item: dict[str, Any], mint: str) -> dict[str, Any]:
    """The same trade, of another token."""
    moved: dict[str, Any] = json.loads(json.dumps(item, default=str).replace(TOKEN, mint))
    return moved


def own_history() -> list[dict[str, Any]]:
    """A buy and a sell of each of MINTS, newest first."""
    items = []
    for n, mint in enumerate(MINTS):
        items.append(in_token(tx(100 + 2 * n, "sell"), mint) | {"signature": f"s{n:03d}"})
        items.append(in_token(tx(99 + 2 * n), mint) | {"signature": f"b{n:03d}"})
    return sorted(items, key=lambda item: int(item["timestamp"]), reverse=True)


class SlowTransactions(FakeTransactions):
    """Each read takes a moment; records how many were in flight at once."""

    def __init__(self, by_address: dict[str, list[dict[str, Any]]], fail: str | None = None):
        super().__init__(by_address)
        self.in_flight = 0
        self.most_in_flight = 0
        self.finished: list[str] = []
        self.fail = fail

    async def transactions(
        self,
        address: str,
        *,
        max_transactions: int,
        until_time: datetime | None = None,
        stop_at_signature: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        source: str | None = None,
        before_signature: str | None = None,
        ascending: bool = False,
    ) -> AddressTransactions:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            if address == self.fail:
                raise OutageError(f"{address}: connection refused")
            got = await super().transactions(
                address,
                max_transactions=max_transactions,
                until_time=until_time,
                stop_at_signature=stop_at_signature,
                start=start,
                end=end,
                source=source,
                before_signature=before_signature,
                ascending=ascending,
            )
            self.finished.append(address)
            return got
        finally:
            self.in_flight -= 1


class OutageError(Exception):
    pass


def market() -> dict[str, list[dict[str, Any]]]:
    own = own_history()
    return {TRADER: own} | {mint: [i for i in own if mint in json.dumps(i)] for mint in MINTS}


def profile(source: FakeTransactions, store: MemoryStore, concurrency: int) -> Any:
    return asyncio.run(
        profile_address(TRADER, settings=WalletProfileSettings(),
                        discovery=WalletDiscoverySettings(), source=source, prices=NoPrices(),
                        store=store, now=NOW, tape_concurrency=concurrency)
    )  # fmt: skip


def test_a_profile_reads_its_tokens_trades_a_few_at_a_time_with_the_same_result() -> None:
    # Given a wallet that traded eight tokens, each read taking a moment
    one_by_one, together = SlowTransactions(market()), SlowTransactions(market())
    # When it is profiled reading one token at a time, and with the default concurrency
    alone = profile(one_by_one, MemoryStore(), 1)
    overlapped = profile(together, MemoryStore(), TAPE_REFRESH_CONCURRENCY)
    # Then the reads overlapped, never more than the bound
    assert one_by_one.most_in_flight == 1
    assert together.most_in_flight == TAPE_REFRESH_CONCURRENCY > 1
    # And the same reads were made either way (with no quote, each token's window and its
    # newest trades, for the mark), and the profiles are the same
    assert sorted(a for a, _ in together.calls) == sorted(a for a, _ in one_by_one.calls)
    assert {a for a, _ in together.calls} == {TRADER, *MINTS}
    assert overlapped.profile == alone.profile
    assert overlapped.tokens_refreshed == alone.tokens_refreshed == len(MINTS)
    assert alone.profile.trades == 2 * len(MINTS)


def test_a_failed_token_read_fails_the_profile_as_itself_and_stops_the_other_reads() -> None:
    # Given a market where one token's trades cannot be read (an outage)
    source = SlowTransactions(market(), fail=MINTS[0])
    store = MemoryStore()
    # When the wallet is profiled
    # Then the outage is raised as it is (not wrapped in a group), so the caller tells an
    # outage from the wallet's own failure as before
    with pytest.raises(OutageError, match="connection refused"):
        profile(source, store, TAPE_REFRESH_CONCURRENCY)
    # And the reads still waiting were cancelled, not left running: fewer than all finished,
    # and nothing was saved as a profile
    healthy = SlowTransactions(market())
    profile(healthy, MemoryStore(), TAPE_REFRESH_CONCURRENCY)
    assert len(source.finished) < len(healthy.finished)
    assert source.in_flight == 0
    assert store.profiles == []


def test_a_concurrency_below_one_is_refused() -> None:
    # Given / When a profile asked to read zero tokens at a time / Then it is refused
    with pytest.raises(ValueError, match="at least 1"):
        profile(SlowTransactions(market()), MemoryStore(), 0)
