"""Step 3 as recipes over ports: what the wallet_discovery and wallet_profile functions run.

Discover: 1. bring the token's stored trades up to date (its transactions, parsed to swaps)
          2. candidates from those trades (wallet_scanner)  3. store them with their reasons
          4. one profile request per wallet that is new or whose profile is stale, in the same
             transaction as the candidates (the outbox), so none is stamped and never sent
Profile:  1. the wallet's own recent transactions → its swaps (stored)  2. the stored trades of
          every token it traded, brought up to date  3. prices now  4. each token's price tape
          5. profiler  6. store the profile
Ports are small Protocols; data/, services/ and the application layer implement them. A
malformed transaction is skipped and counted; the rest of the history is used.

Words: an address's *transactions* are what Helius returns; a token's *trades* are its swaps
we stored (`TokenTradeSync` says how far they were read); a *price tape* is the series of SOL
prices the profiler builds from a token's trades.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Collection, Coroutine, Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Context, Decimal
from typing import Any, Protocol, TypeVar

from cachetools import LRUCache

from walltrack.core.discovery.profiler import MarketContext, PriceTape, profile_wallet
from walltrack.core.discovery.wallet_scanner import market_events, select_candidates
from walltrack.core.ports import Atomic
from walltrack.core.swaps import normalize_many
from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_discovery import (
    AddressTransactions,
    SolPrices,
    TokenTradeSync,
    WalletCandidate,
)
from walltrack.data.models.wallet_discovery_settings import WalletDiscoverySettings
from walltrack.data.models.wallet_settings import WalletProfileSettings


class TransactionSource(Protocol):
    async def transactions(
        self,
        address: str,
        *,
        max_transactions: int,
        until_time: datetime | None = None,
        stop_at_signature: str | None = None,
    ) -> AddressTransactions: ...


class PriceSource(Protocol):
    async def sol_prices(self, mints: Sequence[str]) -> SolPrices: ...


class WalletStore(Protocol):
    def add_swaps(self, swaps: Sequence[Swap]) -> int: ...

    def token_swaps(self, mint: str, *, since: datetime | None, limit: int) -> list[Swap]: ...

    def wallet_swaps(
        self, wallet: str, *, since: datetime | None, until: datetime | None = None
    ) -> list[Swap]: ...

    def trade_sync(self, mint: str) -> TokenTradeSync | None: ...

    def save_trade_sync(self, sync: TokenTradeSync) -> None: ...

    def add_candidates(
        self, candidates: Sequence[WalletCandidate], *, at: datetime, profiled_before: datetime
    ) -> list[str]: ...

    def save_profile(self, profile: WalletProfile, *, malformed_transactions: int) -> None: ...


class ProfileOutbox(Protocol):
    def profiles_requested(self, wallets: Sequence[str]) -> None: ...


@dataclass
class TradesReport:
    fetched: bool = False
    transactions: int = 0
    swaps: int = 0
    malformed: int = 0
    partial: bool = False


async def refresh_token_trades(
    mint: str,
    *,
    source: TransactionSource,
    store: WalletStore,
    max_transactions: int,
    max_age: timedelta,
    now: datetime,
) -> TradesReport:
    """Bring a token's stored trades up to date: only transactions newer than the last read
    are fetched (newest first, up to the cap); trades read recently enough are left as they
    are."""
    sync = store.trade_sync(mint)
    if sync is not None and now - sync.fetched_at <= max_age:
        return TradesReport(partial=sync.partial)
    got = await source.transactions(
        mint,
        max_transactions=max_transactions,
        stop_at_signature=sync.newest_signature if sync else None,
    )
    swaps = normalize_many(got.transactions)
    stored = store.add_swaps([s for s in swaps if s.token_mint == mint])
    # A cap hit on an incremental read leaves a gap between old and new: partial as well.
    partial = got.partial or (sync is not None and sync.partial)
    store.save_trade_sync(
        TokenTradeSync(
            mint=mint,
            fetched_at=now,
            newest_signature=got.newest_signature or (sync.newest_signature if sync else None),
            transactions=(sync.transactions if sync else 0) + got.fetched,
            swaps=(sync.swaps if sync else 0) + stored,
            partial=partial,
        )
    )
    return TradesReport(
        fetched=True,
        transactions=got.fetched,
        swaps=stored,
        malformed=len(got.malformed),
        partial=partial,
    )


@dataclass
class DiscoveryReport:
    mint: str
    transactions: int = 0
    swaps: int = 0
    malformed: int = 0
    partial: bool = False
    traders: int = 0
    candidates: int = 0
    queued_profiles: int = 0
    excluded: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "transactions": self.transactions,
            "swaps": self.swaps,
            "malformed": self.malformed,
            "traders": self.traders,
            "candidates": self.candidates,
            "queued_profiles": self.queued_profiles,
        } | {f"excluded_{k}": v for k, v in self.excluded.items()}


async def discover_wallets(
    mint: str,
    *,
    settings: WalletDiscoverySettings,
    source: TransactionSource,
    prices: PriceSource,
    store: WalletStore,
    outbox: ProfileOutbox,
    atomic: Atomic,
    now: datetime,
    exclude: Collection[str] = (),
) -> DiscoveryReport:
    """One token → its candidate wallets stored and their profiles requested."""
    trades = await refresh_token_trades(
        mint,
        source=source,
        store=store,
        max_transactions=settings.token_history_max_transactions,
        max_age=timedelta(0),
        now=now,
    )
    swaps = store.token_swaps(mint, since=None, limit=settings.token_history_max_transactions)
    complete = not trades.partial and len(swaps) < settings.token_history_max_transactions
    events = market_events(swaps, complete=complete)
    quotes = await prices.sol_prices([])
    selection = select_candidates(
        swaps,
        mint=mint,
        settings=settings,
        launch_at=events.launch_at,
        exclude=exclude,
        sol_per_usdc=quotes.sol_per_usdc,
    )
    reprofile = timedelta(hours=settings.reprofile_after_hours)
    with atomic():  # stamped "requested" only together with the requests themselves
        queued = store.add_candidates(selection.candidates, at=now, profiled_before=now - reprofile)
        if queued:
            outbox.profiles_requested(queued)
    return DiscoveryReport(
        mint=mint,
        transactions=trades.transactions,
        swaps=trades.swaps,
        malformed=trades.malformed,
        partial=trades.partial,
        traders=selection.traders,
        candidates=len(selection.candidates),
        queued_profiles=len(queued),
        excluded=dict(selection.excluded),
    )


USDC_PRICE_DIGITS = 4
"""SOL per USDC is rounded to this many significant digits for a whole profile: a 0.01 % price
step is far below the replay's slippage and fees, and it lets one price tape serve many
profiles while the live SOL price ticks."""


class PriceTapeCache:
    """Price tapes shared by the profiles one process makes (a Lambda container profiles many
    wallets that trade the same tokens): a token's tape is rebuilt only when its stored trades
    change. Least recently used first out, bounded by the prints held (memory)."""

    def __init__(self, max_prints: int = 400_000) -> None:
        self._cache: LRUCache[Hashable, PriceTape] = LRUCache(
            maxsize=max_prints, getsizeof=lambda tape: max(1, len(tape.times))
        )
        self._lock = threading.Lock()  # cachetools caches are not thread-safe

    def get(self, key: Hashable) -> PriceTape | None:
        with self._lock:
            return self._cache.get(key)

    def put(self, key: Hashable, tape: PriceTape) -> None:
        with self._lock:
            if max(1, len(tape.times)) <= self._cache.maxsize:
                self._cache[key] = tape


def _round_price(price: Decimal | None) -> Decimal | None:
    return None if price is None else Context(prec=USDC_PRICE_DIGITS).plus(price)


def _price_tape(
    mint: str,
    *,
    store: WalletStore,
    cache: PriceTapeCache,
    limit: int,
    sol_per_usdc: Decimal | None,
) -> PriceTape:
    """The token's price tape without a current price (the caller adds today's quote)."""
    sync = store.trade_sync(mint)
    key = (
        mint,
        sync.fetched_at if sync else None,
        sync.swaps if sync else None,
        limit,
        sol_per_usdc,
    )
    if sync is not None and (hit := cache.get(key)) is not None:
        return hit
    swaps = store.token_swaps(mint, since=None, limit=limit)
    complete = sync is not None and not sync.partial and len(swaps) < limit
    events = market_events(swaps, complete=complete)
    tape = PriceTape.from_swaps(
        mint,
        swaps,
        sol_per_usdc=sol_per_usdc,
        launch_slot=events.launch_slot,
        pool_event_slots=events.pool_event_slots,
    )
    if sync is not None:
        cache.put(key, tape)
    return tape


T = TypeVar("T")

TAPE_REFRESH_CONCURRENCY = 4
"""Token trade reads one profile keeps in flight. A cold profile reads hundreds of pages, and
one read at a time left the event loop idle while the market rendered a page and Postgres
stored one, and the plan's rate unused (bench/profiling.py). The upstream rate limiter still
admits each request; a few reads are enough to keep one Python thread busy."""


async def _bounded_gather(work: Sequence[Coroutine[Any, Any, T]], *, limit: int) -> list[T]:
    """Results in input order, at most `limit` running at once. The first failure cancels the
    rest and is raised as it is (not wrapped in an ExceptionGroup as TaskGroup would), so
    callers tell an outage from a bad input exactly as with sequential calls; no task is left
    running on the caller's long-lived loop."""
    if limit < 1:
        for step in work:
            step.close()  # never started: no "never awaited" warning
        raise ValueError("limit must be at least 1")
    gate = asyncio.Semaphore(limit)

    async def one(step: Coroutine[Any, Any, T]) -> T:
        async with gate:
            return await step

    tasks = [asyncio.ensure_future(one(step)) for step in work]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


@dataclass
class ProfileReport:
    profile: WalletProfile
    transactions: int
    malformed: int
    tokens_refreshed: int


async def profile_address(
    wallet: str,
    *,
    settings: WalletProfileSettings,
    discovery: WalletDiscoverySettings,
    source: TransactionSource,
    prices: PriceSource,
    store: WalletStore,
    now: datetime,
    cache: PriceTapeCache | None = None,
    tape_concurrency: int = TAPE_REFRESH_CONCURRENCY,
) -> ProfileReport:
    """One wallet's profile from its own recent transactions and the trades of the tokens it
    traded. The tokens' trades are brought up to date `tape_concurrency` at a time: each is
    independent of the others, and the rate limiter, not the order, paces the calls."""
    cache = cache if cache is not None else PriceTapeCache()
    since = now - timedelta(days=settings.lookback_days)
    own = await source.transactions(
        wallet, max_transactions=settings.history_max_transactions, until_time=since
    )
    parsed = normalize_many(own.transactions, wallets={wallet})
    store.add_swaps(parsed)
    swaps = [s for s in parsed if s.timestamp >= since]
    # Most recently traded first: they matter most and the refresh budget is per profile.
    recent_first = sorted(swaps, key=lambda s: s.timestamp, reverse=True)
    mints = list(dict.fromkeys(s.token_mint for s in recent_first if s.side != "swap"))
    reports = await _bounded_gather(
        [
            refresh_token_trades(
                mint,
                source=source,
                store=store,
                max_transactions=settings.market_max_swaps_per_token,
                max_age=timedelta(minutes=discovery.market_tape_max_age_minutes),
                now=now,
            )
            for mint in mints[: discovery.max_tapes_per_profile]
        ],
        limit=tape_concurrency,
    )
    refreshed = sum(report.fetched for report in reports)
    quotes = await prices.sol_prices(mints)
    sol_per_usdc = _round_price(quotes.sol_per_usdc)
    tapes = {}
    for mint in mints:
        tape = _price_tape(
            mint,
            store=store,
            cache=cache,
            limit=settings.market_max_swaps_per_token,
            sol_per_usdc=sol_per_usdc,
        )
        if not tape.times:  # nothing stored for it: the wallet's own trades are all we know
            mine = [s for s in swaps if s.token_mint == mint]
            tape = PriceTape.from_swaps(mint, mine, sol_per_usdc=sol_per_usdc)
        tapes[mint] = replace(tape, current_price_sol=quotes.tokens_sol.get(mint))
    profile = profile_wallet(
        wallet=wallet,
        swaps=swaps,
        market=MarketContext(tokens=tapes, sol_per_usdc=sol_per_usdc),
        settings=settings,
        now=now,
        partial=own.partial,
    )
    store.save_profile(profile, malformed_transactions=len(own.malformed))
    return ProfileReport(
        profile=profile,
        transactions=own.fetched,
        malformed=len(own.malformed),
        tokens_refreshed=refreshed,
    )
