"""Step 3 as recipes over ports: what the wallet_discovery and wallet_profile functions run.

Discover: 1. bring the token's stored trades up to date (what is missing of its whole history,
             parsed to swaps)  2. candidates from those trades (wallet_scanner)  3. store them
             with their reasons  4. one profile request per wallet that is new or whose
             profile is stale, in the same transaction as the candidates (the outbox), so none
             is stamped and never sent
Profile:  1. the wallet's own recent transactions → its swaps (stored)  2. prices now  3. of
          every token it traded, the windows of its trades the profiler looks at (`_needs`),
          read where not read before, and its newest trades if no quote has it  4. each
          token's price tape, with its launch and new venues where they matter
          5. profiler  6. store the profile
Ports are small Protocols; data/, services/ and the application layer implement them. A
malformed transaction is skipped and counted; the rest of the history is used.

Words: an address's *transactions* are what Helius returns; a token's *trades* are its swaps
we stored (`TokenTradeSync.covered` says which block-time ranges of its history were read in
full: outside them nothing is known); a *price tape* is the series of SOL prices the profiler
builds from a token's trades.
"""

from __future__ import annotations

import asyncio
import math
import threading
from bisect import bisect_left
from collections.abc import Collection, Coroutine, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal
from typing import Any, Literal, Protocol, TypeVar

from cachetools import LRUCache

from walltrack.core.discovery.fifo import sol_trades
from walltrack.core.discovery.profiler import MarketContext, PriceTape, profile_wallet
from walltrack.core.discovery.wallet_scanner import (
    AGGREGATOR_SOURCES,
    market_events,
    select_candidates,
)
from walltrack.core.ports import Atomic
from walltrack.core.swaps import normalize_many
from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_discovery import (
    AddressTransactions,
    SolPrices,
    TimeSpan,
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
        start: datetime | None = None,
        end: datetime | None = None,
        source: str | None = None,
        before_signature: str | None = None,
        ascending: bool = False,
    ) -> AddressTransactions:
        """Newest first (oldest first if `ascending`); `start`/`end`: one block-time window
        [start, end); `source`: one venue's transactions; `before_signature`: past a
        transaction already read, in the order read."""
        ...


class PriceSource(Protocol):
    async def sol_prices(self, mints: Sequence[str]) -> SolPrices: ...


class WalletStore(Protocol):
    def add_swaps(self, swaps: Sequence[Swap]) -> int: ...

    def token_swaps(self, mint: str, *, since: datetime | None, limit: int) -> list[Swap]: ...

    def token_swap_count(self, mint: str) -> int: ...

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


SLOT_SECONDS_BOUND = 1.0
"""Seconds per slot used to turn a rule's window in slots into block time. A slot lasts 0.4 s
on average and rarely much more, so 1 s per slot always holds the slots the rule looks at."""
SETTLE = timedelta(seconds=60)
"""How long after its block time a transaction may still be missing from Helius (the default
commitment is finalized, ~13-30 s behind): a read reaching closer to now than this is used,
but that last stretch is not recorded as covered, so it is read again later."""
PROBE_PAGE = 100
"""Transactions per call of a windowed read (Helius's page maximum): one call answers most
needs, launch and first-venue checks and newest-trade reads."""
PROBE_MAX_TRANSACTIONS = 2_000
"""A launch or first-venue check gives up after this many transactions: "unknown", taken as
"not a launch / not a new venue", as a read cut by its cap does."""
TAIL_MAX_TRANSACTIONS = 1_000
"""The newest trades read to find a token's last price when no quote has it."""


ONE_SECOND = timedelta(seconds=1)


def _second(at: datetime) -> datetime:
    """Block times are whole seconds: a range's bounds are too."""
    return at.replace(microsecond=0)


def _start_key(span: TimeSpan) -> tuple[bool, datetime]:
    return (span.start is not None, span.start or span.end)


def merge_spans(spans: Iterable[TimeSpan]) -> list[TimeSpan]:
    """Overlapping and touching [start, end) ranges joined, in time order; empty ones dropped.

    Hand-written (a dozen lines) rather than an interval library: the stored union is done by
    Postgres (a multirange), and this only needs "None = from the beginning"."""
    merged: list[TimeSpan] = []
    for span in sorted(spans, key=_start_key):
        if span.start is not None and span.start >= span.end:
            continue
        if merged and (span.start is None or span.start <= merged[-1].end):
            last = merged[-1]
            merged[-1] = TimeSpan(last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return merged


def missing_spans(wanted: Iterable[TimeSpan], covered: Iterable[TimeSpan]) -> list[TimeSpan]:
    """The parts of `wanted` that no covered range holds, in time order. A gap between two
    covered ranges is missing, however short: nothing is known of it."""
    have = merge_spans(covered)
    missing: list[TimeSpan] = []
    for span in merge_spans(wanted):
        cursor = span.start
        for got in have:
            if cursor is not None and got.end <= cursor:
                continue  # wholly before what is left to check
            if got.start is not None and got.start >= span.end:
                break  # wholly after the span
            if got.start is not None and (cursor is None or cursor < got.start):
                missing.append(TimeSpan(cursor, got.start))
            cursor = got.end
            if cursor >= span.end:
                break
        if cursor is None or cursor < span.end:
            missing.append(TimeSpan(cursor, span.end))
    return missing


def covers(covered: Iterable[TimeSpan], span: TimeSpan) -> bool:
    """Was all of `span` read?"""
    return not missing_spans([span], covered)


def _horizon(now: datetime, sync: TokenTradeSync | None, max_age: timedelta) -> datetime:
    """Where a read of the token ends: now, or, when the token was read within `max_age`,
    the time of that read (the trades since are left for a later read, as a whole-history
    read left them; the stretch before it that read did not hold is read now)."""
    horizon = _second(now) + ONE_SECOND  # nothing later exists yet
    if sync is not None and now - sync.fetched_at <= max_age:
        horizon = min(horizon, _second(sync.fetched_at) + ONE_SECOND)
    return horizon


@dataclass
class TradesReport:
    fetched: bool = False
    transactions: int = 0
    swaps: int = 0
    malformed: int = 0
    partial: bool = False
    calls: int = 0


async def read_token_trades(
    mint: str,
    *,
    wanted: Sequence[TimeSpan],
    source: TransactionSource,
    store: WalletStore,
    max_transactions: int,
    max_age: timedelta,
    now: datetime,
) -> TradesReport:
    """Bring the `wanted` ranges of a token's stored trades up to date: only the parts never
    read are fetched (newest first, up to the cap), and what was read is recorded as covered
    (`TokenTradeSync.covered`). A token read within `max_age` is not read again for the
    trades that came after that read (they are left for a later read)."""
    sync = store.trade_sync(mint)
    horizon = _horizon(now, sync, max_age)
    settled = _second(now - SETTLE)
    clipped = [TimeSpan(w.start, min(w.end, horizon)) for w in wanted]
    gaps = missing_spans(clipped, sync.covered if sync else ())
    if not gaps:
        return TradesReport(partial=sync.partial if sync else False)
    report = TradesReport(fetched=True)
    read: list[TimeSpan] = []
    for gap in sorted(gaps, key=lambda g: g.end, reverse=True):  # newest first
        remaining = max_transactions - report.transactions
        if remaining <= 0:
            report.partial = True
            break
        got = await source.transactions(
            mint, max_transactions=remaining, start=gap.start, end=gap.end
        )
        report.calls += 1
        report.transactions += got.fetched
        report.malformed += len(got.malformed)
        swaps = normalize_many(got.transactions)
        report.swaps += store.add_swaps([s for s in swaps if s.token_mint == mint])
        start = gap.start
        if got.partial:
            # The oldest second read may hold more transactions than were read.
            report.partial = True
            start = _second(got.last_time) + timedelta(seconds=1) if got.last_time else gap.end
        read.append(TimeSpan(start, min(gap.end, settled)))
        if got.partial:
            break
    _save_coverage(store, mint, now=now, report=report, read=read)
    return report


def _save_coverage(
    store: WalletStore,
    mint: str,
    *,
    now: datetime,
    report: TradesReport,
    read: Sequence[TimeSpan],
) -> None:
    """Record what a read covered: the spans read in full, merged, and its counts."""
    store.save_trade_sync(
        TokenTradeSync(
            mint=mint,
            fetched_at=now,
            newest_signature=None,
            transactions=report.transactions,
            swaps=report.swaps,
            partial=report.partial,
            covered=tuple(merge_spans(read)),
        )
    )


async def _earlier_swap(
    mint: str,
    than: Swap,
    *,
    source: TransactionSource,
    venue: str | None = None,
    venue_only: bool = False,
) -> bool | None:
    """Is there a trade of `mint` before `than` (of venue `venue`; or, with `venue_only`, on
    any venue that is not an aggregator)? None when the check gave up (PROBE_MAX)."""
    end = _second(than.timestamp) + timedelta(seconds=1)  # its own second too, by slot
    cursor: str | None = None
    read = 0
    while read < PROBE_MAX_TRANSACTIONS:
        got = await source.transactions(
            mint, max_transactions=PROBE_PAGE, end=end, source=venue, before_signature=cursor
        )
        read += got.fetched
        for swap in normalize_many(got.transactions):
            if (
                swap.token_mint == mint
                and (swap.slot, swap.timestamp) < (than.slot, than.timestamp)
                and (venue is None or swap.source == venue)
                and not (venue_only and swap.source in AGGREGATOR_SOURCES)
            ):
                return True
        if not got.partial or got.last_signature is None:
            return False
        cursor = got.last_signature
    return None


async def _page_before(
    mint: str, than: Swap, *, source: TransactionSource
) -> tuple[list[Swap], bool]:
    """The token's trades in the page of history just before `than` (newest first, from its
    own second, kept only if before it by slot), and whether that page reached the start."""
    got = await source.transactions(
        mint, max_transactions=PROBE_PAGE, end=_second(than.timestamp) + ONE_SECOND
    )
    earlier = [
        s
        for s in normalize_many(got.transactions)
        if s.token_mint == mint and (s.slot, s.timestamp) < (than.slot, than.timestamp)
    ]
    return earlier, not got.partial


async def _launch_events(
    mint: str,
    stored: StoredTape,
    *,
    buy_slots: Iterable[int],
    window_slots: int,
    covered: Sequence[TimeSpan],
    source: TransactionSource,
    facts: PriceTapeCache | None = None,
) -> tuple[int | None, tuple[int, ...]]:
    """The token's launch slot and new-venue slots as `market_events` finds them on the full
    tape, wherever the launch_sniper rule can see them: within `window_slots` before one of
    the wallet's buys (elsewhere they are left out). A stored trade there is the launch (the
    first trade) or a new venue (the first trade on a non-aggregator venue after another
    venue's) when everything before it was read, else when a check of the earlier history
    (`_earlier_swap`, usually one call) finds no earlier trade."""
    buys = sorted(buy_slots)
    if stored.first is None or not buys:
        return None, ()

    def near(slot: int) -> bool:
        i = bisect_left(buys, slot)
        return i < len(buys) and buys[i] - slot <= window_slots

    def all_before_read(swap: Swap) -> bool:
        end = _second(swap.timestamp) + timedelta(seconds=1)
        return not stored.truncated and covers(covered, TimeSpan(None, end))

    async def earlier(
        swap: Swap, *, venue: str | None = None, venue_only: bool = False, unknown: bool = True
    ) -> bool:
        """Is there a trade before `swap` (on `venue`; on a non-aggregator venue)? One page of
        the history just before it usually says; else a venue-filtered walk. When that gives
        up, `unknown` is the answer: chosen so no launch or new venue is claimed without
        proof."""
        key = (mint, swap.signature, swap.slot)
        known = facts.earlier(key) if facts is not None else None
        if known is None:
            known = await _page_before(mint, swap, source=source)
            if facts is not None:
                facts.put_earlier(key, known)
        trades, complete = known
        if any(
            (venue is None or s.source == venue)
            and not (venue_only and s.source in AGGREGATOR_SOURCES)
            for s in trades
        ):
            return True
        if complete:
            return False
        found = await _earlier_swap(mint, swap, source=source, venue=venue, venue_only=venue_only)
        return unknown if found is None else found

    launch: int | None = None
    first = stored.first
    if near(first.slot) and (all_before_read(first) or not await earlier(first)):
        launch = first.slot
    events: list[int] = []
    for index, swap in enumerate(stored.venue_firsts):
        if not near(swap.slot):
            continue
        if all_before_read(swap):
            if index > 0:  # another venue traded before it
                events.append(swap.slot)
            continue
        if await earlier(swap, venue=swap.source):
            continue  # not its venue's first trade (or unknown)
        if index > 0 or await earlier(swap, venue_only=True, unknown=False):
            events.append(swap.slot)
    return launch, tuple(sorted(events))


async def _read_tail(
    mint: str,
    stored: StoredTape,
    *,
    source: TransactionSource,
    store: WalletStore,
    now: datetime,
    max_age: timedelta,
    sol_per_usdc: Decimal | None,
) -> bool:
    """The token's newest trades, down to its last print, unless they were read (the mark of
    a token no quote has is its last print). True when anything was read."""
    sync = store.trade_sync(mint)
    horizon = _horizon(now, sync, max_age)
    if stored.tape.times:
        # Read up to the last print (the newest stretch may be unsettled: it was read, and
        # is read again once the token is no longer fresh).
        last = _second(datetime.fromtimestamp(stored.tape.times[-1], tz=UTC))
        reach = min(horizon, _second(now - SETTLE))
        if covers(sync.covered if sync else (), TimeSpan(last, reach)):
            return False
    cursor: str | None = None
    oldest: datetime | None = None
    transactions = stored_swaps = 0
    exhausted = found = False
    while transactions < TAIL_MAX_TRANSACTIONS and not found:
        got = await source.transactions(
            mint, max_transactions=PROBE_PAGE, end=horizon, before_signature=cursor
        )
        transactions += got.fetched
        swaps = [s for s in normalize_many(got.transactions) if s.token_mint == mint]
        stored_swaps += store.add_swaps(swaps)
        found = bool(sol_trades(swaps, sol_per_usdc=sol_per_usdc)[0])
        if not got.partial or got.last_signature is None:
            exhausted = True
            break
        cursor, oldest = got.last_signature, got.last_time
    if exhausted:
        start = None
    elif oldest is not None:  # its second may hold more than was read
        start = _second(oldest) + timedelta(seconds=1)
    else:
        start = horizon
    store.save_trade_sync(
        TokenTradeSync(
            mint=mint,
            fetched_at=now,
            newest_signature=None,
            transactions=transactions,
            swaps=stored_swaps,
            partial=not exhausted and not found,
            covered=tuple(merge_spans([TimeSpan(start, min(horizon, _second(now - SETTLE)))])),
        )
    )
    return True


@dataclass(frozen=True)
class _Needs:
    """What the profiler needs of a token's trades around one of the wallet's trades: all of
    `full` read, and the first print at/after `at` (within `until`) known."""

    full: TimeSpan
    at: datetime
    until: datetime


def _needs(
    swaps: Iterable[Swap], settings: WalletProfileSettings, horizon: datetime
) -> list[_Needs]:
    """Around each of the wallet's trades on the token, what the profiler's rules look at
    (walltrack/core/discovery/profiler.py):
    - copy_follower counts the buys `follow_window_slots` before each buy, and launch_sniper
      looks for a launch or new venue `launch_window_slots` before it: the larger, at
      SLOT_SECONDS_BOUND per slot, before t, read in full;
    - the copy replay prices a trade at the first print at or after t + latency if it comes
      within `replay_max_gap_seconds`, else at the last print before, which is at t at the
      earliest (the wallet's own trade is a print): so [t, t + latency] in full, then only as
      far as the first print after it, not the whole gap.
    Whether a trade in those windows is the token's launch or its first on a venue is then
    checked with a few calls (`_launch_events`), not by reading the tape from its start."""
    slots = max(settings.follow_window_slots, settings.launch_window_slots)
    before = timedelta(seconds=math.ceil(slots * SLOT_SECONDS_BOUND) + 1)
    latency = timedelta(seconds=settings.copy_latency_seconds)
    reach = timedelta(seconds=settings.replay_max_gap_seconds)
    needs = []
    for swap in sorted(swaps, key=lambda s: s.timestamp):
        at = swap.timestamp + latency
        start = _second(swap.timestamp) - before
        needs.append(
            _Needs(
                full=TimeSpan(start, min(_second(at) + ONE_SECOND, horizon)),
                at=at,
                until=min(_second(at + reach) + ONE_SECOND, horizon),  # at + gap, inclusive
            )
        )
    return needs


def _first_missing(
    need: _Needs, covered: Sequence[TimeSpan], prints: Sequence[float]
) -> datetime | None:
    """The earliest time still to read for `need`, or None when all it needs is known."""
    gaps = missing_spans([need.full], covered)
    if gaps:
        return gaps[0].start
    i = bisect_left(prints, need.at.timestamp())
    for gap in missing_spans([TimeSpan(_second(need.at), need.until)], covered):
        if i < len(prints) and gap.start is not None and prints[i] < gap.start.timestamp():
            return None  # the first print after it lies in the read stretch before this gap
        return gap.start
    return None


async def _scan_windows(
    mint: str,
    stored: StoredTape,
    mine: Sequence[Swap],
    *,
    settings: WalletProfileSettings,
    source: TransactionSource,
    store: WalletStore,
    now: datetime,
    max_age: timedelta,
    sol_per_usdc: Decimal | None,
) -> TradesReport:
    """Read what the profile needs of a token's trades (`_needs`) and nothing it has: oldest
    first from the earliest point still needed, a page at a time, each page starting where
    the next need is. A page holds 100 transactions whatever their span, so a quiet token
    is read in one call and a busy one only around the wallet's trades. What was read is
    recorded as covered: the stretch up to the second of a page's last transaction (that
    second may hold more than the page did), or to the end of the query when it ran out."""
    sync = store.trade_sync(mint)
    covered = merge_spans(sync.covered) if sync else []
    horizon = _horizon(now, sync, max_age)
    settled = _second(now - SETTLE)
    needs = _needs(mine, settings, horizon)
    if not needs:
        return TradesReport()
    end = max(max(n.full.end, n.until) for n in needs)
    prints = sorted(stored.tape.times)
    report = TradesReport()
    read: list[TimeSpan] = []
    while report.transactions < settings.market_max_swaps_per_token:
        starts = [p for n in needs if (p := _first_missing(n, covered, prints)) is not None]
        if not starts:
            break
        start = min(starts)
        if start >= end:
            break
        got, reached = await _read_from(
            mint, start, end, source=source, store=store, report=report, sol_per_usdc=sol_per_usdc
        )
        prints = sorted([*prints, *got])
        span = TimeSpan(start, reached)
        covered = merge_spans([*covered, span])
        read.append(TimeSpan(start, min(reached, settled)))
    else:
        report.partial = True
    if report.fetched:
        _save_coverage(store, mint, now=now, report=report, read=read)
    return report


async def _read_from(
    mint: str,
    start: datetime,
    end: datetime,
    *,
    source: TransactionSource,
    store: WalletStore,
    report: TradesReport,
    sol_per_usdc: Decimal | None,
) -> tuple[list[float], datetime]:
    """One page of the token's trades from `start` (oldest first; more pages only while they
    stay in one second): the prints read and where the stretch read in full ends."""
    cursor: str | None = None
    prints: list[float] = []
    while True:
        got = await source.transactions(
            mint,
            max_transactions=PROBE_PAGE,
            start=start,
            end=end,
            before_signature=cursor,
            ascending=True,
        )
        report.fetched = True
        report.calls += 1
        report.transactions += got.fetched
        report.malformed += len(got.malformed)
        swaps = [s for s in normalize_many(got.transactions) if s.token_mint == mint]
        report.swaps += store.add_swaps(swaps)
        trades, _ = sol_trades(swaps, sol_per_usdc=sol_per_usdc)
        prints += [t.timestamp.timestamp() for t in trades]
        if not got.partial or got.last_signature is None or got.last_time is None:
            return prints, end  # all of [start, end) was read
        last = _second(got.last_time)
        if last > start:
            return prints, last
        cursor = got.last_signature  # a page all in one second: on through it


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
    trades = await read_token_trades(
        mint,
        wanted=[TimeSpan(None, now + timedelta(seconds=1))],
        source=source,
        store=store,
        max_transactions=settings.token_history_max_transactions,
        max_age=timedelta(0),
        now=now,
    )
    swaps = store.token_swaps(mint, since=None, limit=settings.token_history_max_transactions)
    sync = store.trade_sync(mint)
    complete = (
        sync is not None
        and covers(sync.covered, TimeSpan(None, _second(now - SETTLE)))
        and len(swaps) < settings.token_history_max_transactions
    )
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


@dataclass(frozen=True)
class StoredTape:
    """A token's price tape from its stored trades, without launch or venue events (those
    depend on which trades a profile looks at), with what finding them needs: the first stored
    trade, each non-aggregator venue's first stored trade (in order), and whether the stored
    trades were cut by the read limit (the first stored is then not the first read)."""

    tape: PriceTape
    first: Swap | None = None
    venue_firsts: tuple[Swap, ...] = ()
    truncated: bool = False


class PriceTapeCache:
    """Price tapes shared by the profiles one process makes (a Lambda container profiles many
    wallets that trade the same tokens): a token's tape is rebuilt only when its stored trades
    change. Least recently used first out, bounded by the prints held (memory)."""

    def __init__(self, max_prints: int = 400_000) -> None:
        self._cache: LRUCache[Hashable, StoredTape] = LRUCache(
            maxsize=max_prints, getsizeof=lambda entry: max(1, len(entry.tape.times))
        )
        self._earlier: LRUCache[Hashable, tuple[list[Swap], bool]] = LRUCache(maxsize=20_000)
        self._lock = threading.Lock()  # cachetools caches are not thread-safe

    def get(self, key: Hashable) -> StoredTape | None:
        with self._lock:
            return self._cache.get(key)

    def put(self, key: Hashable, entry: StoredTape) -> None:
        with self._lock:
            if max(1, len(entry.tape.times)) <= self._cache.maxsize:
                self._cache[key] = entry

    def earlier(self, key: Hashable) -> tuple[list[Swap], bool] | None:
        """The trades just before one trade (`_page_before`): history does not change, so
        the answer holds for every later profile."""
        with self._lock:
            return self._earlier.get(key)

    def put_earlier(self, key: Hashable, page: tuple[list[Swap], bool]) -> None:
        with self._lock:
            self._earlier[key] = page


def _round_price(price: Decimal | None) -> Decimal | None:
    return None if price is None else Context(prec=USDC_PRICE_DIGITS).plus(price)


def _stored_tape(
    mint: str,
    *,
    store: WalletStore,
    cache: PriceTapeCache,
    limit: int,
    sol_per_usdc: Decimal | None,
) -> StoredTape:
    """The token's price tape from its stored trades, without a current price (the caller
    adds today's quote) or events (the caller finds those it needs)."""
    # Swaps are only ever added, so their count tells whether the stored trades changed (by a
    # read of the token, or a wallet's own history read by its profile).
    stored = store.token_swap_count(mint)
    key = (mint, stored, limit, sol_per_usdc)
    if stored and (hit := cache.get(key)) is not None:
        return hit
    swaps = store.token_swaps(mint, since=None, limit=limit)
    ordered = sorted(swaps, key=lambda s: (s.slot, s.timestamp))
    venue_firsts: dict[str, Swap] = {}
    for swap in ordered:
        if swap.source not in AGGREGATOR_SOURCES:
            venue_firsts.setdefault(swap.source, swap)
    entry = StoredTape(
        tape=PriceTape.from_swaps(mint, swaps, sol_per_usdc=sol_per_usdc),
        first=ordered[0] if ordered else None,
        venue_firsts=tuple(venue_firsts.values()),
        truncated=len(swaps) >= limit,
    )
    if stored:
        cache.put(key, entry)
    return entry


T = TypeVar("T")

TAPE_REFRESH_CONCURRENCY = 4
"""Tokens one profile reads at once. One read at a time left the event loop idle while the
market rendered a page and Postgres stored one, and the plan's rate unused
(bench/profiling.py). The upstream rate limiter still admits each request; a few reads are
enough to keep one Python thread busy."""


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


TapeReads = Literal["windows", "full"]


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
    tape_reads: TapeReads = "windows",
) -> ProfileReport:
    """One wallet's profile from its own recent transactions and the trades of the tokens it
    traded. Of each token, only the windows the profiler's rules look at are read
    (`_needs`; "full" reads every token's whole history, as profiles did before, kept
    to check both give the same profile). Tokens are read `tape_concurrency` at a time: each
    is independent of the others, and the rate limiter, not the order, paces the calls."""
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
    quotes = await prices.sol_prices(mints)
    sol_per_usdc = _round_price(quotes.sol_per_usdc)
    read_budget = set(mints[: discovery.max_tapes_per_profile])
    max_age = timedelta(minutes=discovery.market_tape_max_age_minutes)

    async def token_tape(mint: str) -> tuple[PriceTape, bool]:
        mine = [s for s in swaps if s.token_mint == mint]
        refreshed = False

        def stored_now() -> StoredTape:
            return _stored_tape(
                mint,
                store=store,
                cache=cache,
                limit=settings.market_max_swaps_per_token,
                sol_per_usdc=sol_per_usdc,
            )

        if mint in read_budget and tape_reads == "full":
            report = await read_token_trades(
                mint,
                wanted=[TimeSpan(None, now + ONE_SECOND)],
                source=source,
                store=store,
                max_transactions=settings.market_max_swaps_per_token,
                max_age=max_age,
                now=now,
            )
            refreshed = report.fetched
        stored = stored_now()
        if mint in read_budget and quotes.tokens_sol.get(mint) is None:
            # No quote: the mark is the last print, so the newest trades are read (first: a
            # token with a short history is then read whole in that one call).
            tail = await _read_tail(
                mint, stored, source=source, store=store, now=now, max_age=max_age,
                sol_per_usdc=sol_per_usdc,
            )  # fmt: skip
            if tail:
                refreshed = True
                stored = stored_now()
        if mint in read_budget and tape_reads == "windows":
            scan = await _scan_windows(
                mint,
                stored,
                mine,
                settings=settings,
                source=source,
                store=store,
                now=now,
                max_age=max_age,
                sol_per_usdc=sol_per_usdc,
            )
            if scan.fetched:
                refreshed = True
                stored = stored_now()
        tape = stored.tape
        if not tape.times:  # nothing stored for it: the wallet's own trades are all we know
            return PriceTape.from_swaps(mint, mine, sol_per_usdc=sol_per_usdc), refreshed
        sync = store.trade_sync(mint)
        launch, events = await _launch_events(
            mint,
            stored,
            buy_slots=(s.slot for s in mine if s.side == "buy"),
            window_slots=settings.launch_window_slots,
            covered=sync.covered if sync else (),
            source=source,
            facts=cache,
        )
        return replace(tape, launch_slot=launch, pool_event_slots=events), refreshed

    built = await _bounded_gather([token_tape(mint) for mint in mints], limit=tape_concurrency)
    tapes = {
        mint: replace(tape, current_price_sol=quotes.tokens_sol.get(mint))
        for mint, (tape, _) in zip(mints, built, strict=True)
    }
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
        tokens_refreshed=sum(refreshed for _, refreshed in built),
    )
