"""Step 4's evidence collection and assembly, as recipes over ports (no HTTP, no SQL).

Collect (one wallet, one SQS message): the wallet's first history page oldest first, then its
funder's, up the chain of earliest fundings, `hop_limit` pages at most: exactly what the
analyzer needs to draw `hop_limit` FUNDED_BY hops. A page is reduced to its facts and cached;
a cached page is used instead of a Helius call when it was read during this run or within the
staleness setting. A chain stops at a denylisted funder, one already met (a loop), and one
that more cached wallets name as funder than the infrastructure fan-out (an exchange hot
wallet: its page would never link anybody, so it is not read).

Assemble (once per run, when every wallet is in): the cached pages of the run's wallets and of
their funders up the chains, the wallets' stored buys, and the analyzer over them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from walltrack.core.cluster.analyzer import Evidence, analyze_facts, earliest_inbound_sol, facts_of
from walltrack.data.models.cluster_evidence import TxFacts, WalletPage
from walltrack.data.models.cluster_settings import ClusterSettings
from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet_discovery import AddressTransactions


class FirstPageSource(Protocol):
    async def first_page(self, address: str) -> AddressTransactions: ...


class EvidenceCache(Protocol):
    def pages(self, addresses: Collection[str]) -> dict[str, WalletPage]: ...

    def save_page(self, page: WalletPage) -> None: ...

    def funded_count(self, funder: str) -> int: ...


class BuySource(Protocol):
    def buys(self, wallets: Iterable[str]) -> list[Swap]: ...


@dataclass
class CollectReport:
    """One wallet's collection: the addresses whose pages it used (the wallet, then its
    funders), how many were read from Helius and how many came from the cache."""

    wallet: str
    chain: list[str] = field(default_factory=list)
    helius_calls: int = 0
    cached: int = 0
    malformed: int = 0


def page_of(address: str, got: AddressTransactions, *, at: datetime) -> WalletPage:
    """A fetched first page reduced to the facts kept of it."""
    facts = facts_of(address, got.transactions)
    funding = earliest_inbound_sol(address, facts)
    return WalletPage(
        address=address,
        fetched_at=at,
        funder=funding.funder if funding else None,
        transactions=facts,
        fetched=got.fetched,
        malformed=len(got.malformed),
    )


async def collect_wallet(
    address: str,
    *,
    settings: ClusterSettings,
    source: FirstPageSource,
    cache: EvidenceCache,
    fresh_since: datetime,
    now: datetime,
) -> CollectReport:
    """The pages of `address` and its funding chain, from the cache when read at or after
    `fresh_since`, else from Helius (one call each, cached at `now`)."""
    report = CollectReport(address)
    denied = frozenset(settings.denylist)
    wallet = address
    for hop in range(settings.hop_limit):
        page = cache.pages([wallet]).get(wallet)
        if page is None or page.fetched_at < fresh_since:
            page = page_of(wallet, await source.first_page(wallet), at=now)
            cache.save_page(page)
            report.helius_calls += 1
            report.malformed += page.malformed
        else:
            report.cached += 1
        report.chain.append(wallet)
        funder = page.funder
        if (
            hop + 1 >= settings.hop_limit
            or funder is None
            or funder in denied
            or funder in report.chain
            or cache.funded_count(funder) > settings.infrastructure_fanout
        ):
            break
        wallet = funder
    return report


def chain_pages(
    wallets: Collection[str], *, cache: EvidenceCache, hop_limit: int
) -> dict[str, Sequence[TxFacts]]:
    """The cached pages of `wallets` and of their funders up to `hop_limit` pages per chain
    (a funder whose page was never read ends its chain there, as in the analyzer)."""
    found: dict[str, WalletPage] = {}
    wanted = set(wallets)
    for _ in range(hop_limit):
        wanted -= set(found)
        if not wanted:
            break
        pages = cache.pages(sorted(wanted))
        found.update(pages)
        wanted = {page.funder for page in pages.values() if page.funder is not None}
    return {address: page.transactions for address, page in found.items()}


def assemble_evidence(
    wallets: Collection[str],
    *,
    settings: ClusterSettings,
    cache: EvidenceCache,
    buys: BuySource,
) -> Evidence:
    """The evidence among `wallets` (a run's): money from the cached pages, co-entries from
    the wallets' stored buys."""
    pages = chain_pages(wallets, cache=cache, hop_limit=settings.hop_limit)
    return analyze_facts(pages, buys.buys(sorted(wallets)), wallets, settings)
