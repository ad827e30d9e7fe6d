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
    PriceTapeCache,
    discover_wallets,
    profile_address,
    refresh_token_trades,
)
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

    async def transactions(
        self,
        address: str,
        *,
        max_transactions: int,
        until_time: datetime | None = None,
        stop_at_signature: str | None = None,
    ) -> AddressTransactions:
        self.calls.append((address, stop_at_signature))
        out = []
        for item in self.by_address.get(address, []):
            if stop_at_signature is not None and item.get("signature") == stop_at_signature:
                break
            out.append(item)
        partial = self.cap_hit or len(out) > max_transactions
        raw = out[:max_transactions]
        views, errors = read_transactions(raw)
        return AddressTransactions(
            transactions=views,
            malformed=[reason for _, reason in errors],
            fetched=len(raw),
            newest_signature=raw[0]["signature"] if raw else None,
            partial=partial,
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

    def wallet_swaps(
        self, wallet: str, *, since: datetime | None, until: datetime | None = None
    ) -> list[Swap]:
        return sorted((s for s in self.swaps.values() if s.wallet == wallet), key=_when)

    def trade_sync(self, mint: str) -> TokenTradeSync | None:
        return self.syncs.get(mint)

    def save_trade_sync(self, sync: TokenTradeSync) -> None:
        self.syncs[sync.mint] = sync

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


def test_a_tokens_trades_are_read_incrementally_and_not_again_while_recent() -> None:
    store = MemoryStore()
    source = FakeTransactions({TOKEN: [tx(2), tx(1)]})
    # Given a token's trades read once
    first = asyncio.run(
        refresh_token_trades(TOKEN, source=source, store=store, max_transactions=100,
                             max_age=timedelta(minutes=5), now=NOW)
    )  # fmt: skip
    assert (first.transactions, first.swaps) == (2, 2)
    # When newer trades arrive and the last read is old
    source.by_address = {TOKEN: [tx(4), tx(3), tx(2), tx(1)]}
    later = NOW + timedelta(minutes=10)
    second = asyncio.run(
        refresh_token_trades(TOKEN, source=source, store=store, max_transactions=100,
                             max_age=timedelta(minutes=5), now=later)
    )  # fmt: skip
    # Then only the new ones are read (the walk stops at the newest known signature)
    assert source.calls[-1] == (TOKEN, "sig002")
    assert (second.transactions, second.swaps) == (2, 2)
    assert store.syncs[TOKEN].newest_signature == "sig004"
    assert store.syncs[TOKEN].swaps == 4
    # And trades read recently are not read at all
    third = asyncio.run(
        refresh_token_trades(TOKEN, source=source, store=store, max_transactions=100,
                             max_age=timedelta(minutes=5), now=later + timedelta(minutes=1))
    )  # fmt: skip
    assert not third.fetched
    assert len(source.calls) == 2


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
    # And once the trades are read again (old, new fetch), the tape is rebuilt
    profile(NOW + timedelta(hours=1))
    assert store.trade_reads == [TOKEN, TOKEN]
