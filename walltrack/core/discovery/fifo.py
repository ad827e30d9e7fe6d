"""FIFO lots per (wallet, token): round trips with realised PnL in SOL, and the open lots.

Pure and exact: amounts are Decimals; when a lot or a sell is split, the portion is rounded
to 1e-18 SOL and the remainder keeps the rest, so realised cost + open cost always equals
what was paid, and matched + unmatched proceeds always equal what was received.

Which swaps count (decided here, documented once):
- `buy`/`sell` quoted in SOL (or WSOL) count as they are.
- `buy`/`sell` quoted in USDC are converted at `sol_per_usdc` (one price for the whole
  history: an approximation that is fine for a profile, never for accounting); without a
  price they are skipped and counted.
- `swap` (token to token) has no SOL leg to value: skipped and counted.
- any other quote mint: skipped and counted.
- A sell of more than the lots hold (tokens bought before the lookback, or received by
  transfer) is matched as far as lots go; the rest is counted with its proceeds and never
  turned into PnL (its cost is unknown).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Literal

from walltrack.data.models.solana import SOL_MINT, USDC_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet import RoundTrip

SOL_QUANTUM = Decimal("1e-18")
"""Portions of split amounts are rounded to this (numeric(38,18) in the database)."""
PRECISION = 60
"""Working precision: sums and differences of 18-dp amounts stay exact far beyond any wallet."""
ZERO = Decimal(0)

TradeSide = Literal["buy", "sell"]


@dataclass(frozen=True, slots=True)
class SolTrade:
    """A buy or sell valued in SOL: the FIFO's input (a `Swap` after quote conversion, or a
    replayed copy fill, whose proceeds may be zero when fees ate the position)."""

    signature: str
    wallet: str
    token_mint: str
    side: TradeSide
    quantity: Decimal
    sol: Decimal
    timestamp: datetime
    slot: int


@dataclass(frozen=True, slots=True)
class SkipCounts:
    """Swaps left out of the FIFO because they have no SOL value we can trust."""

    usdc_unpriced: int = 0
    token_to_token: int = 0
    other_quote: int = 0

    @property
    def total(self) -> int:
        return self.usdc_unpriced + self.token_to_token + self.other_quote


@dataclass(frozen=True, slots=True)
class OpenLot:
    """What is left of one buy: remaining quantity and the SOL cost of exactly that part."""

    wallet: str
    token_mint: str
    buy_signature: str
    bought_at: datetime
    slot: int
    quantity: Decimal
    cost_sol: Decimal


@dataclass(frozen=True, slots=True)
class FifoLedger:
    """Result of matching: closed portions, open lots, and what could not be matched."""

    round_trips: tuple[RoundTrip, ...]
    open_lots: tuple[OpenLot, ...]
    skipped: SkipCounts = field(default_factory=SkipCounts)
    unmatched_sells: int = 0
    unmatched_quantity: Mapping[str, Decimal] = field(default_factory=dict)
    unmatched_proceeds_sol: Decimal = ZERO
    bought_sol: Decimal = ZERO
    sold_sol: Decimal = ZERO

    @property
    def realised_pnl_sol(self) -> Decimal:
        with localcontext() as ctx:
            ctx.prec = PRECISION
            return sum((rt.proceeds_sol - rt.cost_sol for rt in self.round_trips), ZERO)


@dataclass(frozen=True, slots=True)
class Unrealised:
    """Open lots valued at current prices; lots without a price are counted, not guessed."""

    pnl_sol: Decimal
    value_sol: Decimal
    priced_lots: int
    unpriced_lots: int


def sol_trades(
    swaps: Iterable[Swap], *, sol_per_usdc: Decimal | None = None
) -> tuple[list[SolTrade], SkipCounts]:
    """The swaps that have a SOL value, as `SolTrade`s in time order (stable on ties)."""
    trades: list[SolTrade] = []
    usdc = t2t = other = 0
    for swap in sorted(swaps, key=lambda s: (s.timestamp, s.slot)):
        if swap.side == "swap":
            t2t += 1
            continue
        if swap.quote_mint == SOL_MINT:
            sol = swap.quote_amount
        elif swap.quote_mint == USDC_MINT:
            if sol_per_usdc is None or sol_per_usdc <= 0:
                usdc += 1
                continue
            sol = (swap.quote_amount * sol_per_usdc).quantize(SOL_QUANTUM)
        else:
            other += 1
            continue
        trades.append(
            SolTrade(
                signature=swap.signature,
                wallet=swap.wallet,
                token_mint=swap.token_mint,
                side=swap.side,
                quantity=swap.token_amount,
                sol=sol,
                timestamp=swap.timestamp,
                slot=swap.slot,
            )
        )
    return trades, SkipCounts(usdc_unpriced=usdc, token_to_token=t2t, other_quote=other)


@dataclass(slots=True)
class _Lot:
    signature: str
    bought_at: datetime
    slot: int
    quantity: Decimal
    cost: Decimal


def _portion(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """`amount · part / whole`, rounded to the SOL quantum (the whole of it when part = whole)."""
    if part == whole:
        return amount
    return (amount * part / whole).quantize(SOL_QUANTUM)


def match_fifo(trades: Iterable[SolTrade], *, skipped: SkipCounts | None = None) -> FifoLedger:
    """Match sells against the oldest open lots of the same (wallet, token)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return _match(trades, skipped or SkipCounts())


def _match(trades: Iterable[SolTrade], skipped: SkipCounts) -> FifoLedger:
    lots: dict[tuple[str, str], deque[_Lot]] = {}
    trips: list[RoundTrip] = []
    unmatched_sells = 0
    unmatched_qty: dict[str, Decimal] = {}
    unmatched_proceeds = bought = sold = ZERO
    for tr in trades:
        key = (tr.wallet, tr.token_mint)
        if tr.side == "buy":
            bought += tr.sol
            lots.setdefault(key, deque()).append(
                _Lot(tr.signature, tr.timestamp, tr.slot, tr.quantity, tr.sol)
            )
            continue
        sold += tr.sol
        queue = lots.get(key, deque())
        need, proceeds = tr.quantity, tr.sol
        while need > 0 and queue:
            lot = queue[0]
            take = min(lot.quantity, need)
            cost = _portion(lot.cost, take, lot.quantity)
            got = _portion(proceeds, take, need)
            trips.append(
                RoundTrip(
                    wallet=tr.wallet,
                    token_mint=tr.token_mint,
                    buy_signature=lot.signature,
                    sell_signature=tr.signature,
                    bought_at=lot.bought_at,
                    sold_at=tr.timestamp,
                    quantity=take,
                    cost_sol=cost,
                    proceeds_sol=got,
                )
            )
            lot.quantity -= take
            lot.cost -= cost
            need -= take
            proceeds -= got
            if lot.quantity == 0:
                queue.popleft()
        if need > 0:
            unmatched_sells += 1
            unmatched_qty[tr.token_mint] = unmatched_qty.get(tr.token_mint, ZERO) + need
            unmatched_proceeds += proceeds
    open_lots = tuple(
        OpenLot(
            wallet=wallet,
            token_mint=mint,
            buy_signature=lot.signature,
            bought_at=lot.bought_at,
            slot=lot.slot,
            quantity=lot.quantity,
            cost_sol=lot.cost,
        )
        for (wallet, mint), queue in lots.items()
        for lot in queue
    )
    return FifoLedger(
        round_trips=tuple(trips),
        open_lots=open_lots,
        skipped=skipped,
        unmatched_sells=unmatched_sells,
        unmatched_quantity=unmatched_qty,
        unmatched_proceeds_sol=unmatched_proceeds,
        bought_sol=bought,
        sold_sol=sold,
    )


def build_ledger(swaps: Iterable[Swap], *, sol_per_usdc: Decimal | None = None) -> FifoLedger:
    """FIFO lots of a list of swaps (any wallets, any tokens): convert, then match."""
    trades, skipped = sol_trades(swaps, sol_per_usdc=sol_per_usdc)
    return match_fifo(trades, skipped=skipped)


def unrealised_pnl(lots: Iterable[OpenLot], prices_sol: Mapping[str, Decimal]) -> Unrealised:
    """Open lots at current prices (SOL per token unit); a lot with no price is not valued."""
    pnl = value = ZERO
    priced = unpriced = 0
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for lot in lots:
            price = prices_sol.get(lot.token_mint)
            if price is None:
                unpriced += 1
                continue
            worth = (lot.quantity * price).quantize(SOL_QUANTUM)
            value += worth
            pnl += worth - lot.cost_sol
            priced += 1
    return Unrealised(pnl_sol=pnl, value_sol=value, priced_lots=priced, unpriced_lots=unpriced)
