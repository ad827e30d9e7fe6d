"""Step 3's recipes over in-memory ports: a token's trades are read incrementally, a malformed
transaction is skipped and counted while the rest is used, and a capped history is partial.
(Postgres and Helius are exercised in tests/integration/discovery/test_wallet_functions.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.unit.swaps.builders import T0, TOKEN, TRADER, TradeSpec, trade_tx
from walltrack.core.discovery.wallets import (
    SETTLE,
    PriceTapeCache,
    TapeReads,
    TradesReport,
    covers,
    discover_wallets,
    merge_spans,
    missing_spans,
    profile_address,
    read_token_trades,
)
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
from walltrack.services.helius.enhanced import read_transactions

NOW = datetime.fromtimestamp(T0, tz=UTC) + timedelta(hours=1)


def tx(n: int, side: str = "buy") -> dict[str, Any]:
    spec = TradeSpec(side=side)  # type: ignore[arg-type]
    return trade_tx(spec, signature=f"sig{n:03d}", timestamp=T0 + n, slot=1000 + n)


class FakeTransactions:
    """Newest first, like Helius, read as the Helius adapter reads them; records what was
    asked."""

    def __init__(self, by_address: Mapping[str, list[dict[str, Any]]], cap_hit: bool = False):
        self.by_address = by_address
        self.cap_hit = cap_hit
        self.calls: list[tuple[str, str | None]] = []
        self.windows: list[tuple[str, int | None, int | None]] = []
        """(address, gte-time, lt-time) of each read, in block-time seconds."""

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
        self.calls.append((address, stop_at_signature))
        gte = int(start.timestamp()) if start else None
        lt = int(end.timestamp()) if end else None
        self.windows.append((address, gte, lt))
        out = []
        below = before_signature is None
        history = self.by_address.get(address, [])
        for item in reversed(history) if ascending else history:
            if not below:
                below = item.get("signature") == before_signature
                continue
            if stop_at_signature is not None and item.get("signature") == stop_at_signature:
                break
            ts = item.get("timestamp")
            if isinstance(ts, int) and (
                (gte is not None and ts < gte) or (lt is not None and ts >= lt)
            ):
                continue
            if source is not None and item.get("source") != source:
                continue
            out.append(item)
        partial = self.cap_hit or len(out) > max_transactions
        raw = out[:max_transactions]
        views, errors = read_transactions(raw)
        oldest = raw[-1] if raw else None
        return AddressTransactions(
            transactions=views,
            malformed=[reason for _, reason in errors],
            fetched=len(raw),
            newest_signature=raw[0]["signature"] if raw else None,
            partial=partial,
            last_signature=oldest["signature"] if oldest else None,
            last_time=datetime.fromtimestamp(oldest["timestamp"], tz=UTC)
            if oldest and isinstance(oldest.get("timestamp"), int)
            else None,
        )


class NoPrices:
    async def sol_prices(self, mints: Sequence[str]) -> SolPrices:
        return SolPrices(sol_per_usdc=None)


class MemoryStore:
    def __init__(self) -> None:
        self.swaps: dict[tuple[str, str, str], Swap] = {}
        self.syncs: dict[str, TokenTradeSync] = {}
        self.candidates: list[WalletCandidate] = []
        self.profiles: list[tuple[WalletProfile, int]] = []

    def add_swaps(self, swaps: Sequence[Swap]) -> int:
        new = 0
        for s in swaps:
            key = (s.signature, s.wallet, s.token_mint)
            new += key not in self.swaps
            self.swaps[key] = s
        return new

    def token_swaps(self, mint: str, *, since: datetime | None, limit: int) -> list[Swap]:
        own = sorted((s for s in self.swaps.values() if s.token_mint == mint), key=_when)
        return own[-limit:]

    def token_swap_count(self, mint: str) -> int:
        return sum(1 for s in self.swaps.values() if s.token_mint == mint)

    def wallet_swaps(
        self, wallet: str, *, since: datetime | None, until: datetime | None = None
    ) -> list[Swap]:
        return sorted((s for s in self.swaps.values() if s.wallet == wallet), key=_when)

    def trade_sync(self, mint: str) -> TokenTradeSync | None:
        return self.syncs.get(mint)

    def save_trade_sync(self, sync: TokenTradeSync) -> None:
        """Adds, as the Postgres repository does: counts summed, ranges united."""
        old = self.syncs.get(sync.mint)
        if old is None:
            self.syncs[sync.mint] = sync.model_copy(
                update={"covered": tuple(merge_spans(sync.covered))}
            )
            return
        self.syncs[sync.mint] = sync.model_copy(
            update={
                "fetched_at": max(old.fetched_at, sync.fetched_at),
                "transactions": old.transactions + sync.transactions,
                "swaps": old.swaps + sync.swaps,
                "covered": tuple(merge_spans([*old.covered, *sync.covered])),
            }
        )

    def add_candidates(
        self, candidates: Sequence[WalletCandidate], *, at: datetime, profiled_before: datetime
    ) -> list[str]:
        known = {c.wallet for c in self.candidates}
        self.candidates.extend(candidates)
        return [c.wallet for c in candidates if c.wallet not in known]

    def save_profile(self, profile: WalletProfile, *, malformed_transactions: int) -> None:
        self.profiles.append((profile, malformed_transactions))


class Outbox:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def profiles_requested(self, wallets: Sequence[str]) -> None:
        self.sent.extend(wallets)


def _when(s: Swap) -> tuple[datetime, int]:
    return (s.timestamp, s.slot)


def read(store: MemoryStore, source: FakeTransactions, wanted: list[TimeSpan], now: datetime,
         max_age: timedelta = timedelta(minutes=5)) -> TradesReport:  # fmt: skip
    return asyncio.run(
        read_token_trades(TOKEN, wanted=wanted, source=source, store=store,
                          max_transactions=100, max_age=max_age, now=now)
    )  # fmt: skip


def at(n: int) -> datetime:
    return datetime.fromtimestamp(T0 + n, tz=UTC)


def test_a_tokens_trades_are_read_incrementally_and_not_again_while_recent() -> None:
    store = MemoryStore()
    source = FakeTransactions({TOKEN: [tx(2), tx(1)]})
    # Given a token's trades read once, up to now
    first = read(store, source, [TimeSpan(None, NOW)], NOW)
    assert (first.transactions, first.swaps) == (2, 2)
    assert store.syncs[TOKEN].covered == (TimeSpan(None, NOW - SETTLE),)
    # When newer trades arrive and the last read is old
    source.by_address = {TOKEN: [tx(5000), tx(4000), tx(2), tx(1)]}
    later = at(5000) + timedelta(minutes=10)
    second = read(store, source, [TimeSpan(None, later)], later)
    # Then only what was not read is read: from where the last read's coverage ends
    assert source.windows[-1] == (TOKEN, int((NOW - SETTLE).timestamp()), int(later.timestamp()))
    assert (second.transactions, second.swaps) == (2, 2)
    assert store.syncs[TOKEN].swaps == 4
    assert store.syncs[TOKEN].covered == (TimeSpan(None, later - SETTLE),)
    # And trades read recently are not read after that read (only its unsettled last minute is
    # read again, up to the time of that read, not up to now)
    third = read(store, source, [TimeSpan(None, later + timedelta(minutes=1))],
                 later + timedelta(minutes=1))  # fmt: skip
    assert third.swaps == 0
    end = int(later.timestamp()) + 1
    assert source.windows[-1] == (TOKEN, int((later - SETTLE).timestamp()), end)
    # And once it is no longer recent, up to now
    read(store, source, [TimeSpan(None, later + timedelta(hours=1))], later + timedelta(hours=1))
    assert source.windows[-1][2] == int((later + timedelta(hours=1)).timestamp())


def test_a_gap_between_two_read_windows_is_never_taken_for_read() -> None:
    store = MemoryStore()
    source = FakeTransactions({TOKEN: [tx(300), tx(200), tx(100)]})
    # Given two windows of a token's trades read, with a gap between them holding a trade
    read(store, source, [TimeSpan(at(90), at(110)), TimeSpan(at(290), at(310))], NOW)
    assert store.syncs[TOKEN].covered == (
        TimeSpan(at(90), at(110)),
        TimeSpan(at(290), at(310)),
    )
    assert store.syncs[TOKEN].swaps == 2
    # When a read wants the whole stretch across both
    report = read(store, source, [TimeSpan(at(90), at(310))], NOW + timedelta(hours=1))
    # Then exactly the gap is read (its trade found), and the stretch is covered as one
    assert source.windows[-1] == (TOKEN, T0 + 110, T0 + 290)
    assert report.swaps == 1
    assert store.syncs[TOKEN].covered == (TimeSpan(at(90), at(310)),)


def test_missing_spans_keep_every_unread_stretch() -> None:
    covered = [TimeSpan(at(10), at(20)), TimeSpan(at(30), at(40))]
    # Given two covered ranges: the gap between them, and both open ends, are missing
    assert missing_spans([TimeSpan(None, at(50))], covered) == [
        TimeSpan(None, at(10)),
        TimeSpan(at(20), at(30)),
        TimeSpan(at(40), at(50)),
    ]
    # And a range inside one covered range is not; one across the gap is, by its gap only
    assert missing_spans([TimeSpan(at(12), at(18))], covered) == []
    assert missing_spans([TimeSpan(at(15), at(35))], covered) == [TimeSpan(at(20), at(30))]
    assert not covers(covered, TimeSpan(at(15), at(35)))
    assert covers([TimeSpan(None, at(20)), TimeSpan(at(20), at(30))], TimeSpan(None, at(30)))
    # And touching ranges merge; a one-second gap does not
    assert merge_spans([TimeSpan(at(1), at(2)), TimeSpan(at(2), at(3))]) == [TimeSpan(at(1), at(3))]
    assert len(merge_spans([TimeSpan(at(1), at(2)), TimeSpan(at(3), at(4))])) == 2


def test_discovery_after_windowed_reads_reads_the_rest_and_sees_the_launch() -> None:
    store, outbox = MemoryStore(), Outbox()
    source = FakeTransactions({TOKEN: [tx(300), tx(200), tx(100)]})
    # Given a window of a token's trades read by a profile (not its first trade)
    read(store, source, [TimeSpan(at(290), at(310))], NOW)
    # When wallets are discovered on the token
    settings = WalletDiscoverySettings(min_wallet_volume_sol=Decimal(0))
    report = asyncio.run(
        discover_wallets(TOKEN, settings=settings, source=source, prices=NoPrices(),
                         store=store, outbox=outbox, atomic=nullcontext, now=NOW)
    )  # fmt: skip
    # Then the unread history around the window is read, and all of it is covered
    assert report.swaps == 2
    assert covers(store.syncs[TOKEN].covered, TimeSpan(None, NOW - SETTLE))


def test_a_malformed_transaction_is_skipped_and_counted_in_discovery() -> None:
    # Given a token history with one malformed item between good ones
    store, outbox = MemoryStore(), Outbox()
    source = FakeTransactions({TOKEN: [tx(3), {"signature": "bad", "timestamp": "x"}, tx(1)]})
    settings = WalletDiscoverySettings(min_wallet_volume_sol=Decimal(0))
    # When wallets are discovered
    report = asyncio.run(
        discover_wallets(TOKEN, settings=settings, source=source, prices=NoPrices(),
                         store=store, outbox=outbox, atomic=nullcontext, now=NOW)
    )  # fmt: skip
    # Then the bad item is counted, the good ones are used, and the trader is a candidate
    assert report.malformed == 1
    assert report.swaps == 2
    assert report.counts()["candidates"] == 1
    assert outbox.sent == [TRADER]


def test_a_capped_wallet_history_gives_a_partial_profile_with_malformed_counted() -> None:
    store = MemoryStore()
    own = [tx(5, "sell"), {"signature": "bad"}, tx(3), tx(2, "sell"), tx(1)]
    source = FakeTransactions({TRADER: own, TOKEN: own}, cap_hit=True)
    settings, discovery = WalletProfileSettings(), WalletDiscoverySettings()
    # Given a wallet whose history hit the cap, with one malformed transaction in it
    # When it is profiled
    report = asyncio.run(
        profile_address(TRADER, settings=settings, discovery=discovery, source=source,
                        prices=NoPrices(), store=store, now=NOW)
    )  # fmt: skip
    # Then the profile is partial, the bad item counted, the four trades used
    assert report.profile.partial is True
    assert report.malformed == 1
    assert report.profile.trades == 4
    assert store.profiles == [(report.profile, 1)]


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.trade_reads: list[str] = []

    def token_swaps(self, mint: str, *, since: datetime | None, limit: int) -> list[Swap]:
        self.trade_reads.append(mint)
        return super().token_swaps(mint, since=since, limit=limit)


def test_profiles_in_one_process_share_a_price_tape_until_the_trades_change() -> None:
    store, cache = CountingStore(), PriceTapeCache()
    own = [tx(2, "sell"), tx(1)]
    source = FakeTransactions({TRADER: own, TOKEN: own})
    settings, discovery = WalletProfileSettings(), WalletDiscoverySettings()

    def profile(now: datetime) -> None:
        asyncio.run(
            profile_address(TRADER, settings=settings, discovery=discovery, source=source,
                            prices=NoPrices(), store=store, now=now, cache=cache)
        )  # fmt: skip

    # Given a profile that built the token's price tape
    profile(NOW)
    assert store.trade_reads == [TOKEN]
    # When another profile needs it while the stored trades are unchanged: no rebuild
    profile(NOW + timedelta(minutes=1))
    assert store.trade_reads == [TOKEN]
    # And once a trade more is stored (the wallet traded again), the tape is rebuilt
    source.by_address = {TRADER: [tx(3700), *own], TOKEN: [tx(3700), *own]}
    profile(NOW + timedelta(hours=1))
    assert store.trade_reads == [TOKEN, TOKEN]


class QuotedPrices:
    """A quote for the token: its newest trades are not read for a mark."""

    async def sol_prices(self, mints: Sequence[str]) -> SolPrices:
        return SolPrices(sol_per_usdc=Decimal("0.01"), tokens_sol={TOKEN: Decimal("0.0001")})


def launch_share(history: list[dict[str, Any]], tape_reads: TapeReads) -> float | None:
    own = [tx(500, "sell"), tx(1)]
    source = FakeTransactions({TRADER: own, TOKEN: history})
    report = asyncio.run(
        profile_address(TRADER, settings=WalletProfileSettings(),
                        discovery=WalletDiscoverySettings(), source=source,
                        prices=QuotedPrices(), store=MemoryStore(), now=NOW,
                        tape_reads=tape_reads)
    )  # fmt: skip
    if tape_reads == "windows":  # the token's first read is a window after the early trade
        _, start, _ = next(w for w in source.windows if w[0] == TOKEN)
        assert start is not None
        assert start > T0 - 400
    return report.profile.launch_buy_share


def test_a_buy_at_the_launch_is_a_snipe_with_windowed_reads_as_with_the_whole_history() -> None:
    # Given a wallet whose buy is its token's first trade, and the token's later trades
    history = [tx(3000), tx(2000), tx(500, "sell"), tx(1)]
    # When it is profiled reading only the windows around its trades, and the whole history
    # Then its buy is a launch buy either way (nothing was read before it: checked, not assumed)
    assert launch_share(history, "windows") == launch_share(history, "full") == 1.0


def test_a_buy_after_an_unread_earlier_trade_is_no_snipe_with_windowed_reads() -> None:
    # Given the same wallet, but its token traded long before its buy (outside every window)
    history = [tx(3000), tx(2000), tx(500, "sell"), tx(1), tx(-400)]
    # When it is profiled reading only the windows, and the whole history
    # Then its buy is no launch buy either way: the earlier trade is found, not taken as absent
    assert launch_share(history, "windows") == launch_share(history, "full") == 0.0
