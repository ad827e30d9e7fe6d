"""The fill arithmetic on a `Position`, exactly as `walltrack.data.models.trading` states it.

Pure functions on frozen models: the ledger's Hypothesis property and the order repository's
one-transaction fill both run this same code, so the identity
`cash + Σ cost held = starting equity + Σ realised − Σ fees` holds by construction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from walltrack.data.models.trading import Position


class FillError(ValueError):
    """A fill that cannot apply to the position as it stands (a bug or a stale order)."""


def apply_entry_fill(
    position: Position, *, filled_in: int, filled_out: int, fees_lamports: int, at: datetime
) -> Position:
    """The position after its entry fill: `filled_out` units held at a cost of `filled_in`
    lamports (fees apart), open, priced at the fill (entry = peak = last = in / out)."""
    if position.status != "opening":
        raise FillError(f"position {position.position_id} is {position.status}, not opening")
    if filled_in <= 0 or filled_out <= 0 or fees_lamports < 0:
        raise FillError("an entry fill spends lamports for units, and fees are not negative")
    price = Decimal(filled_in) / Decimal(filled_out)
    return position.model_copy(
        update={
            "status": "open",
            "held_units": position.held_units + filled_out,
            "cost_lamports": position.cost_lamports + filled_in,
            "fees_lamports": position.fees_lamports + fees_lamports,
            "entry_price": price,
            "peak_price": price,
            "last_price": price,
            "last_priced_at": at,
        }
    )


def cost_released(position: Position, sold_units: int) -> int:
    """The cost basis `sold_units` of the holding carry: pro rata, rounded down; all of it
    when the whole holding is sold (so a closed position holds no cost)."""
    if sold_units == position.held_units:
        return position.cost_lamports
    return position.cost_lamports * sold_units // position.held_units


def apply_exit_fill(
    position: Position,
    *,
    sold_units: int,
    filled_out: int,
    fees_lamports: int,
    reason: str,
    at: datetime,
) -> Position:
    """The position after an exit fill selling `sold_units` for `filled_out` lamports: cost
    released pro rata, realised gross of fees, fees added; nothing held left closes it with
    `reason`. A take-profit fill marks its rung done."""
    if position.status != "open":
        raise FillError(f"position {position.position_id} is {position.status}, not open")
    if not 0 < sold_units <= position.held_units:
        raise FillError(f"cannot sell {sold_units} units of {position.held_units} held")
    if filled_out < 0 or fees_lamports < 0:
        raise FillError("an exit fill's proceeds and fees are not negative")
    released = cost_released(position, sold_units)
    held = position.held_units - sold_units
    update: dict[str, object] = {
        "held_units": held,
        "cost_lamports": position.cost_lamports - released,
        "realised_lamports": position.realised_lamports + filled_out - released,
        "fees_lamports": position.fees_lamports + fees_lamports,
    }
    if reason == "take_profit":
        update["take_profits_done"] = position.take_profits_done + 1
    if held == 0:
        update |= {"status": "closed", "closed_at": at, "close_reason": reason}
    return position.model_copy(update=update)


__all__ = ["FillError", "apply_entry_fill", "apply_exit_fill", "cost_released"]
