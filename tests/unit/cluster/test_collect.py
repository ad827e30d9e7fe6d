"""Evidence collection's chain rules on hand-built first pages: which pages a wallet's
collection reads (its own, then its funders' up to `hop_limit`), where a chain stops
(denylist, infrastructure, a loop), and when a cached page is used instead of a call."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.cluster.test_analyzer import EXCHANGE, HOP, OWNER, A, address, funding
from walltrack.core.cluster.collect import CollectReport, chain_pages, collect_wallet
from walltrack.data.models.cluster_evidence import WalletPage
from walltrack.data.models.cluster_settings import ClusterSettings
from walltrack.data.models.enhanced_tx import EnhancedTx
from walltrack.data.models.wallet_discovery import AddressTransactions

ROOT = address("root")
T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
"""The freshness bound: pages read at or after it are this run's."""


class Pages:
    """First pages by address, each call counted (what Helius would be asked)."""

    def __init__(self, *txs: EnhancedTx) -> None:
        self.by_address: dict[str, list[EnhancedTx]] = {}
        for tx in txs:
            for transfer in tx.native_transfers:
                for who in (transfer.sender, transfer.receiver):
                    self.by_address.setdefault(who, []).append(tx)
        self.calls: Counter[str] = Counter()

    async def first_page(self, address: str) -> AddressTransactions:
        self.calls[address] += 1
        txs = self.by_address.get(address, [])
        return AddressTransactions(txs, [], len(txs), None, partial=False)


class Cache:
    """The cached pages in memory, as the Postgres table keeps them."""

    def __init__(self) -> None:
        self.saved: dict[str, WalletPage] = {}

    def pages(self, addresses: Collection[str]) -> dict[str, WalletPage]:
        return {a: self.saved[a] for a in addresses if a in self.saved}

    def save_page(self, page: WalletPage) -> None:
        self.saved[page.address] = page

    def funded_count(self, funder: str) -> int:
        return sum(page.funder == funder for page in self.saved.values())


CHAIN = (
    funding(ROOT, OWNER, 90 * 10**9),
    funding(OWNER, HOP, 50 * 10**9, slot=405_300_010),
    funding(HOP, A, 5 * 10**9, slot=405_300_020),
)


def collect(pages: Pages, cache: Cache, **settings: object) -> CollectReport:
    return asyncio.run(
        collect_wallet(
            A,
            settings=ClusterSettings(**settings),  # type: ignore[arg-type]
            source=pages,
            cache=cache,
            fresh_since=T0,
            now=T0 + timedelta(minutes=1),
        )
    )


def test_the_chain_is_read_up_to_hop_limit_pages_one_call_each() -> None:
    # Given A funded by HOP, HOP by OWNER, OWNER by ROOT
    pages, cache = Pages(*CHAIN), Cache()
    # When A's evidence is collected with a hop limit of 2, then 3
    two = collect(pages, cache, hop_limit=2)
    # Then A's page and its funder's are read, one call each
    assert two.chain == [A, HOP]
    assert pages.calls == Counter({A: 1, HOP: 1})
    three = collect(pages, cache, hop_limit=3)
    # And with 3 hops OWNER's page too, the two fresh ones from the cache
    assert three.chain == [A, HOP, OWNER]
    assert (three.helius_calls, three.cached) == (1, 2)
    assert pages.calls == Counter({A: 1, HOP: 1, OWNER: 1})
    # And the assembled pages follow the same chain, from the cache alone
    assert set(chain_pages([A], cache=cache, hop_limit=3)) == {A, HOP, OWNER}


def test_a_page_read_before_the_freshness_bound_is_read_again() -> None:
    # Given A's page cached before the bound (an earlier run, older than the staleness)
    pages, cache = Pages(*CHAIN), Cache()
    collect(pages, cache, hop_limit=1)
    cache.saved[A] = WalletPage(A, T0 - timedelta(hours=1), HOP, (), 0)
    # When collected again
    report = collect(pages, cache, hop_limit=1)
    # Then Helius is asked again
    assert report.helius_calls == 1
    assert pages.calls[A] == 2


@pytest.mark.parametrize("stop", ["denylist", "fanout", "loop"])
def test_a_chain_stops_at_infrastructure_and_loops(stop: str) -> None:
    # Given A funded by an exchange (denylisted, or named by more cached wallets than the
    # fan-out), or funded by HOP that A funded first (a loop)
    txs: list[EnhancedTx] = [funding(EXCHANGE, A, 10**9)]
    settings: dict[str, object] = {"hop_limit": 3}
    cache = Cache()
    if stop == "denylist":
        settings["denylist"] = [EXCHANGE]
    elif stop == "fanout":
        settings["infrastructure_fanout"] = 2
        for i in range(3):
            other = address(f"retail-{i}")
            cache.saved[other] = WalletPage(other, T0, EXCHANGE, (), 0)
    else:
        txs = [funding(HOP, A, 10**9, slot=405_300_001), funding(A, HOP, 10**9)]
    pages = Pages(*txs)
    # When A's evidence is collected
    report = collect(pages, cache, **settings)
    # Then the exchange's page is never read; a loop reads each page once
    assert EXCHANGE not in pages.calls
    assert report.chain == ([A] if stop != "loop" else [A, HOP])
    assert set(pages.calls.values()) == {1}
