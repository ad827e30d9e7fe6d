"""The exit strategies of one open position, from its exit plan and a mark price.

Pure, clock injected (`now`). Prices are exact Decimals, lamports per token base unit; units
are integers, rounded DOWN so an exit never sells more than is held.

A mark of 0 is a real mark: a token nothing routes any more (a rug) is worth nothing, and the
stop loss (or an armed trailing stop) sells it.

`check` returns the position's new peak (never lower than before: the trailing stop never
loosens) and at most one decision. When several rules fire at once, a whole-position rule wins
over a partial take-profit rung — selling a rung would leave units exposed to the very
condition that says get out — and among the whole-position rules the stop loss is named
first (the loss is the fact to show), then the trailing stop, then the time stop. A take-profit
tick sells one rung (the next not done); a mark past several rungs sells them on successive
ticks, since each fill marks one rung done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from walltrack.data.models.trading import ExitReason, Position
from walltrack.data.models.trading_settings import ExitSettings

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ExitDecision:
    """Sell `units` (0 < units ≤ held) for `reason`."""

    reason: ExitReason
    units: int

    def fraction_of(self, held: int) -> Decimal:
        return Decimal(self.units) / Decimal(held)


@dataclass(frozen=True)
class ExitCheck:
    peak_price: Decimal
    decision: ExitDecision | None


def plan_of(position: Position) -> ExitSettings:
    """The position's exit settings snapshot (the defaults when it holds none)."""
    snapshot: dict[str, Any] = dict(position.exit_plan)
    return ExitSettings.model_validate(snapshot)


def floor_units(held: int, fraction: Decimal) -> int:
    """`held × fraction` rounded down, never more than held nor less than 0."""
    if fraction >= 1:
        return held
    if fraction <= 0:
        return 0
    return min(held, int((Decimal(held) * fraction).to_integral_value(rounding=ROUND_FLOOR)))


def trailing_stop_level(plan: ExitSettings, entry: Decimal, peak: Decimal) -> Decimal | None:
    """The trailing stop's sell level once armed (peak ≥ entry × (1 + activation)), else None.
    A function of the peak alone, which never falls, so neither does the level."""
    if not plan.trailing_stop:
        return None
    if peak * HUNDRED < entry * (HUNDRED + plan.trailing_activation_pct):
        return None
    return peak * (HUNDRED - plan.trailing_distance_pct) / HUNDRED


def check(
    position: Position,
    mark: Decimal,
    *,
    now: datetime,
    original_units: int,
    plan: ExitSettings | None = None,
) -> ExitCheck:
    """The new peak and the exit (if any) the plan takes at `mark`. `original_units` is the
    entry fill's size (the take-profit ladder sells shares of it)."""
    entry = position.entry_price
    previous = position.peak_price if position.peak_price is not None else entry
    if entry is None or previous is None:
        raise ValueError(f"position {position.position_id} has no entry price")
    peak = max(previous, mark)
    held = position.held_units
    if position.status != "open" or held <= 0 or mark < 0:
        return ExitCheck(peak, None)
    plan = plan or plan_of(position)

    def whole(reason: ExitReason) -> ExitCheck:
        return ExitCheck(peak, ExitDecision(reason, held))

    if plan.stop_loss and mark * HUNDRED <= entry * (HUNDRED - plan.stop_loss_pct):
        return whole("stop_loss")
    level = trailing_stop_level(plan, entry, peak)
    if level is not None and mark <= level:
        return whole("trailing_stop")
    if plan.time_stop and now >= position.opened_at + timedelta(
        seconds=int(plan.time_stop_hours * 3600)  # exact: hours have 2 decimal places
    ):
        return whole("time_stop")
    if plan.take_profit and position.take_profits_done < len(plan.take_profit_ladder):
        rung = plan.take_profit_ladder[position.take_profits_done]
        if mark * HUNDRED >= entry * (HUNDRED + rung.gain_pct):
            units = min(held, floor_units(original_units, rung.sell_pct / HUNDRED))
            if units > 0:
                return ExitCheck(peak, ExitDecision("take_profit", units))
    return ExitCheck(peak, None)


def share_of_holding(
    position: Position, fraction: Decimal, reason: ExitReason
) -> ExitDecision | None:
    """Sell `fraction` of what is held now (a mirror-sell or a manual close); None when that
    rounds to nothing or the position holds nothing."""
    if position.status != "open":
        return None
    units = floor_units(position.held_units, fraction)
    return ExitDecision(reason, units) if units > 0 else None


def mirror_sell(position: Position, fraction_sold: Decimal) -> ExitDecision | None:
    """The followed wallet sold `fraction_sold` of its holding: sell the same share of ours,
    when the position's plan mirrors sells."""
    if not plan_of(position).mirror_sell:
        return None
    return share_of_holding(position, fraction_sold, "mirror_sell")


__all__ = [
    "ExitCheck",
    "ExitDecision",
    "check",
    "floor_units",
    "mirror_sell",
    "plan_of",
    "share_of_holding",
    "trailing_stop_level",
]
