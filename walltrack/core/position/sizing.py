"""Step 7's entry sizing, pure: how many lamports an accepted entry spends.

The wanted size is `fixed_sol`, or `equity_pct` % of paper equity, times the signal's score
when `scale_by_score`; it is held within `max_size_sol` and what the risk exposure caps leave
(`room`), then shrunk until the Jupiter quote's price impact is at most `max_price_impact_pct`.
Impact grows roughly in proportion to size for trades small against the pool, so each retry
asks for `size × cap / impact × 0.9`; `MAX_QUOTES` quotes at most. A size that would fall
under `min_size_sol` is refused, naming what made it small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from walltrack.data.models.trading_settings import SizingSettings, lamports

MAX_QUOTES = 4
"""Quotes one entry may ask (the first and up to three shrinks): bounded Jupiter calls."""
SHRINK_MARGIN = Decimal("0.9")
"""Aim under the cap, not at it: impact is not exactly proportional to size."""


@dataclass(frozen=True)
class SizeDecision:
    """The size chosen (lamports, with the quotes asked and the last impact, a fraction), or
    the refusal: `rule` is "size" (capped under the minimum) or "price_impact"."""

    size_lamports: int | None
    quotes: int
    impact: Decimal | None = None
    rule: str | None = None
    detail: str | None = None


def wanted_size(settings: SizingSettings, *, equity_lamports: int, score: float | None) -> int:
    """The size before caps and impact: fixed or a share of equity, times the score."""
    if settings.mode == "fixed":
        size = Decimal(lamports(settings.fixed_sol))
    else:
        size = Decimal(max(equity_lamports, 0)) * settings.equity_pct / 100
    if settings.scale_by_score:
        # the score is a statistic (float in [0, 1]); str() keeps its shortest exact decimal
        size *= min(max(Decimal(str(score if score is not None else 0)), Decimal(0)), Decimal(1))
    return int(size.to_integral_value(rounding=ROUND_FLOOR))


def size_entry(
    settings: SizingSettings,
    *,
    equity_lamports: int,
    score: float | None,
    room: int,
    impact_of: Callable[[int], Decimal],
) -> SizeDecision:
    """The entry's size. `room`: lamports the risk exposure caps leave; `impact_of(size)`: the
    quote's price impact (a fraction, as Jupiter gives) for spending `size` lamports."""
    smallest = lamports(settings.min_size_sol)
    cap = min(lamports(settings.max_size_sol), room)
    size = min(wanted_size(settings, equity_lamports=equity_lamports, score=score), cap)
    if size < smallest or size <= 0:
        return SizeDecision(
            None,
            0,
            rule="size",
            detail=f"{size} lamports is under the minimum {smallest}"
            f" (wanted before caps: max {lamports(settings.max_size_sol)}, room {room})",
        )
    limit = settings.max_price_impact_pct / 100
    impact = Decimal(0)
    for asked in range(1, MAX_QUOTES + 1):
        impact = impact_of(size)
        if impact <= limit:
            return SizeDecision(size, asked, impact=impact)
        shrunk = int(
            (Decimal(size) * limit / impact * SHRINK_MARGIN).to_integral_value(ROUND_FLOOR)
        )
        size = shrunk  # < size: limit / impact < 1
        if size < smallest or size <= 0:
            return SizeDecision(
                None,
                asked,
                impact=impact,
                rule="price_impact",
                detail=f"price impact {impact * 100:.4f} % over {settings.max_price_impact_pct} %"
                f" even at the minimum size {smallest} lamports",
            )
    return SizeDecision(
        None,
        MAX_QUOTES,
        impact=impact,
        rule="price_impact",
        detail=f"price impact {impact * 100:.4f} % still over {settings.max_price_impact_pct} %"
        f" after {MAX_QUOTES} quotes",
    )
