"""Builders for profiling tests: swaps, price tapes and markets on a fixed clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

from walltrack.core.discovery.profiler import MarketContext, PriceTape
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap, SwapSide

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SLOT0 = 405_000_000
NOW = T0 + timedelta(days=2)
MARKET = "MarketMaker1111111111111111111111111111111"
_sigs = count(1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def slot_of(seconds: float) -> int:
    return SLOT0 + int(seconds / 0.4)


def swap(
    wallet: str,
    side: SwapSide,
    mint: str,
    qty: str | Decimal,
    sol: str | Decimal,
    seconds: float,
    *,
    quote_mint: str = SOL_MINT,
) -> Swap:
    """One swap `seconds` after T0 (its slot follows the 400 ms clock)."""
    return Swap(
        signature=f"sig{next(_sigs)}",
        wallet=wallet,
        side=side,
        token_mint=mint,
        token_amount=Decimal(qty),
        quote_mint=quote_mint,
        quote_amount=Decimal(sol),
        source="test",
        timestamp=at(seconds),
        slot=slot_of(seconds),
    )


def prints(mint: str, path: Iterable[tuple[float, Decimal]]) -> list[Swap]:
    """Other wallets' trades of 1,000 tokens at the given (seconds, SOL price) points."""
    return [swap(MARKET, "buy", mint, "1000", price * 1000, s) for s, price in path]


def step_path(
    start: float, switch: float, end: float, before: Decimal, after: Decimal, every: float = 5
) -> list[tuple[float, Decimal]]:
    """A print every `every` s from start to end: `before` until `switch`, then `after`."""
    points = []
    s = start
    while s <= end:
        points.append((s, before if s < switch else after))
        s += every
    return points


def market_of(
    tapes: Sequence[tuple[str, list[Swap]]],
    *,
    launches: Mapping[str, float] | None = None,
    current: Mapping[str, Decimal] | None = None,
) -> MarketContext:
    launches = launches or {}
    current = current or {}
    return MarketContext(
        tokens={
            mint: PriceTape.from_swaps(
                mint,
                swaps,
                launch_slot=slot_of(launches[mint]) if mint in launches else None,
                current_price_sol=current.get(mint),
            )
            for mint, swaps in tapes
        }
    )
