"""Step 3 as recipes over ports: what the wallet_discovery and wallet_profile functions run.

Discover: 1. bring the token's trade tape up to date (its history, parsed to swaps, stored)
          2. candidates from the tape (wallet_scanner)  3. store them with their reasons
          4. one profile request per wallet that is new or whose profile is stale
Profile:  1. the wallet's own recent history → its swaps (stored)  2. the tape of every token
          it traded, brought up to date  3. prices now  4. profiler  5. store the profile
Ports are small Protocols; data/ and services/ implement them. A malformed transaction is
skipped and counted; the rest of the history is used.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Context, Decimal
from typing import Any, Protocol

from cachetools import LRUCache

from walltrack.core.discovery.profiler import MarketContext, TokenHistory, profile_wallet
from walltrack.core.discovery.wallet_scanner import market_events, select_candidates
from walltrack.core.swaps import normalize_many
from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_discovery import TokenTape, WalletCandidate
from walltrack.data.models.wallet_discovery_settings import WalletDiscoverySettings
from walltrack.data.models.wallet_settings import WalletProfileSettings

Progress = Callable[[dict[str, object]], None]


@dataclass(frozen=True)
class History:
    """Enhanced transactions of one address, newest first; `partial` when a cap cut it."""

    transactions: Sequence[Mapping[str, Any]]
    partial: bool


@dataclass(frozen=True)
class SolPrices:
    """SOL per USDC and current SOL prices of tokens (missing = unknown, never guessed)."""

    sol_per_usdc: Decimal | None
    tokens_sol: Mapping[str, Decimal] = field(default_factory=dict)


class HistorySource(Protocol):
    async def history(
        self,
        address: str,
        *,
        max_transactions: int,
        until_time: datetime | None = None,
        stop_at_signature: str | None = None,
    ) -> History: ...


class PriceSource(Protocol):
    async def sol_prices(self, mints: Sequence[str]) -> SolPrices: ...


class WalletStore(Protocol):
    def add_swaps(self, swaps: Sequence[Swap]) -> int: ...

    def token_swaps(self, mint: str, *, since: datetime | None, limit: int) -> list[Swap]: ...

    def wallet_swaps(
        self, wallet: str, *, since: datetime | None, until: datetime | None = None
    ) -> list[Swap]: ...

    def tape(self, mint: str) -> TokenTape | None: ...

    def save_tape(self, tape: TokenTape) -> None: ...

    def add_candidates(
        self, candidates: Sequence[WalletCandidate], *, at: datetime, profiled_before: datetime
    ) -> list[str]: ...

    def save_profile(self, profile: WalletProfile, *, malformed_transactions: int) -> None: ...


class ProfileOutbox(Protocol):
    def profiles_requested(self, wallets: Sequence[str]) -> None: ...


@dataclass
class TapeReport:
    fetched: bool = False
    transactions: int = 0
    swaps: int = 0
    malformed: int = 0
    partial: bool = False


async def refresh_tape(
    mint: str,
    *,
    history: HistorySource,
    store: WalletStore,
    max_transactions: int,
    max_age: timedelta,
    now: datetime,
) -> TapeReport:
    """Bring a token's stored trades up to date: only transactions newer than the last
    fetch are read (newest first, up to the cap); a fresh enough tape is left as it is."""
    tape = store.tape(mint)
    if tape is not None and now - tape.fetched_at <= max_age:
        return TapeReport(partial=tape.partial)
    got = await history.history(
        mint,
        max_transactions=max_transactions,
        stop_at_signature=tape.newest_signature if tape else None,
    )
    swaps, errors = normalize_many(got.transactions)
    stored = store.add_swaps([s for s in swaps if s.token_mint == mint])
    newest = got.transactions[0]["signature"] if got.transactions else None
    # A cap hit on an incremental read leaves a gap between old and new: partial as well.
    partial = got.partial or (tape is not None and tape.partial)
    store.save_tape(
        TokenTape(
            mint=mint,
            fetched_at=now,
            newest_signature=newest or (tape.newest_signature if tape else None),
            transactions=(tape.transactions if tape else 0) + len(got.transactions),
            swaps=(tape.swaps if tape else 0) + stored,
            partial=partial,
        )
    )
    return TapeReport(
        fetched=True,
        transactions=len(got.transactions),
        swaps=stored,
        malformed=len(errors),
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
    history: HistorySource,
    prices: PriceSource,
    store: WalletStore,
    outbox: ProfileOutbox,
    now: datetime,
    exclude: Collection[str] = (),
) -> DiscoveryReport:
    """One token → its candidate wallets stored and their profiles requested."""
    tape = await refresh_tape(
        mint,
        history=history,
        store=store,
        max_transactions=settings.token_history_max_transactions,
        max_age=timedelta(0),
        now=now,
    )
    swaps = store.token_swaps(mint, since=None, limit=settings.token_history_max_transactions)
    complete = not tape.partial and len(swaps) < settings.token_history_max_transactions
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
    queued = store.add_candidates(selection.candidates, at=now, profiled_before=now - reprofile)
    if queued:
        outbox.profiles_requested(queued)
    return DiscoveryReport(
        mint=mint,
        transactions=tape.transactions,
        swaps=tape.swaps,
        malformed=tape.malformed,
        partial=tape.partial,
        traders=selection.traders,
        candidates=len(selection.candidates),
        queued_profiles=len(queued),
        excluded=dict(selection.excluded),
    )


USDC_PRICE_DIGITS = 4
"""SOL per USDC is rounded to this many significant digits for a whole profile: a 0.01 % price
step is far below the replay's slippage and fees, and it lets one price tape serve many
profiles while the live SOL price ticks."""


class TapeCache:
    """Price tapes shared by the profiles one process makes (a Lambda container profiles many
    wallets that trade the same tokens): a token's tape is rebuilt only when its stored trades
    change. Least recently used first out, bounded by the prints held (memory)."""

    def __init__(self, max_prints: int = 400_000) -> None:
        self._cache: LRUCache[Hashable, TokenHistory] = LRUCache(
            maxsize=max_prints, getsizeof=lambda tape: max(1, len(tape.times))
        )
        self._lock = threading.Lock()  # cachetools caches are not thread-safe

    def get(self, key: Hashable) -> TokenHistory | None:
        with self._lock:
            return self._cache.get(key)

    def put(self, key: Hashable, tape: TokenHistory) -> None:
        with self._lock:
            if max(1, len(tape.times)) <= self._cache.maxsize:
                self._cache[key] = tape


def _round_price(price: Decimal | None) -> Decimal | None:
    return None if price is None else Context(prec=USDC_PRICE_DIGITS).plus(price)


def _tape_for(
    mint: str,
    *,
    store: WalletStore,
    cache: TapeCache,
    limit: int,
    sol_per_usdc: Decimal | None,
) -> TokenHistory:
    """The token's price tape without a current price (the caller adds today's quote)."""
    stored = store.tape(mint)
    key = (
        mint,
        stored.fetched_at if stored else None,
        stored.swaps if stored else None,
        limit,
        sol_per_usdc,
    )
    if stored is not None and (hit := cache.get(key)) is not None:
        return hit
    swaps = store.token_swaps(mint, since=None, limit=limit)
    complete = stored is not None and not stored.partial and len(swaps) < limit
    events = market_events(swaps, complete=complete)
    tape = TokenHistory.from_swaps(
        mint,
        swaps,
        sol_per_usdc=sol_per_usdc,
        launch_slot=events.launch_slot,
        pool_event_slots=events.pool_event_slots,
    )
    if stored is not None:
        cache.put(key, tape)
    return tape


@dataclass
class ProfileReport:
    profile: WalletProfile
    transactions: int
    malformed: int
    tapes_refreshed: int


async def profile_address(
    wallet: str,
    *,
    settings: WalletProfileSettings,
    discovery: WalletDiscoverySettings,
    history: HistorySource,
    prices: PriceSource,
    store: WalletStore,
    now: datetime,
    cache: TapeCache | None = None,
) -> ProfileReport:
    """One wallet's profile from its own recent history and the tapes of what it traded."""
    cache = cache if cache is not None else TapeCache()
    since = now - timedelta(days=settings.lookback_days)
    own = await history.history(
        wallet, max_transactions=settings.history_max_transactions, until_time=since
    )
    parsed, errors = normalize_many(own.transactions, wallets={wallet})
    store.add_swaps(parsed)
    swaps = [s for s in parsed if s.timestamp >= since]
    # Most recently traded first: they matter most and the refresh budget is per profile.
    recent_first = sorted(swaps, key=lambda s: s.timestamp, reverse=True)
    mints = list(dict.fromkeys(s.token_mint for s in recent_first if s.side != "swap"))
    refreshed = 0
    for mint in mints[: discovery.max_tapes_per_profile]:
        report = await refresh_tape(
            mint,
            history=history,
            store=store,
            max_transactions=settings.market_max_swaps_per_token,
            max_age=timedelta(minutes=discovery.market_tape_max_age_minutes),
            now=now,
        )
        refreshed += report.fetched
    quotes = await prices.sol_prices(mints)
    sol_per_usdc = _round_price(quotes.sol_per_usdc)
    tapes = {}
    for mint in mints:
        tape = _tape_for(
            mint,
            store=store,
            cache=cache,
            limit=settings.market_max_swaps_per_token,
            sol_per_usdc=sol_per_usdc,
        )
        if not tape.times:  # nothing stored for it: the wallet's own trades are all we know
            mine = [s for s in swaps if s.token_mint == mint]
            tape = TokenHistory.from_swaps(mint, mine, sol_per_usdc=sol_per_usdc)
        tapes[mint] = replace(tape, current_price_sol=quotes.tokens_sol.get(mint))
    profile = profile_wallet(
        wallet=wallet,
        swaps=swaps,
        market=MarketContext(tokens=tapes, sol_per_usdc=sol_per_usdc),
        settings=settings,
        now=now,
        partial=own.partial,
    )
    store.save_profile(profile, malformed_transactions=len(errors))
    return ProfileReport(
        profile=profile,
        transactions=len(own.transactions),
        malformed=len(errors),
        tapes_refreshed=refreshed,
    )
