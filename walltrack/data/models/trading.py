"""Steps 7-8's paper trading records: positions and their orders, and risk refusals.

Paper mode only: nothing here ever reaches a chain. Money is integer base units: SOL amounts
in lamports (`int`), token amounts in the token's base units (`int`, u64 fits), prices as exact
`Decimal` lamports per token base unit. Never float.

The ledger identity every writer keeps (a Hypothesis property checks it):
    cash + Σ cost_lamports of open holdings = starting equity + Σ realised_lamports − Σ fees
where, per position:
- an entry fill of `in_amount` lamports for `out_amount` units adds `out_amount` to
  `held_units`, `in_amount` to `cost_lamports` (the cost basis excludes fees) and the fill's
  lamport fees to `fees_lamports`; cash falls by `in_amount + fees`;
- an exit fill selling `q` of `held_units` units for `out_amount` lamports releases
  `cost_released = cost_lamports * q // held_units` (all of it when `q == held_units`), adds
  `out_amount - cost_released` to `realised_lamports` (gross of fees), the fill's lamport fees to
  `fees_lamports`; cash rises by `out_amount - fees`. `held_units` reaching 0 closes the position;
- a position's net PnL = realised − fees + unrealised (unrealised = mark value − cost_lamports).
Venue (AMM/platform) fees are inside the quote's `out_amount` already: they are recorded on the
order for display (`venue_fees`, per mint) and never subtracted a second time.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

PositionStatus = Literal["opening", "open", "closed", "failed"]
"""opening: its entry order is pending; open: tokens held; closed: all sold (or closed at 0);
failed: its entry order was rejected (nothing was bought)."""

OrderSide = Literal["entry", "exit"]
OrderStatus = Literal["pending", "filled", "rejected"]
ExitReason = Literal[
    "stop_loss", "take_profit", "trailing_stop", "time_stop", "mirror_sell", "manual"
]
OrderReason = Literal["signal"] | ExitReason
"""Why an order exists: an entry follows an accepted signal; an exit names the rule that fired."""


class Position(BaseModel):
    """One paper position in one token, opened from one accepted entry signal."""

    model_config = ConfigDict(frozen=True)

    position_id: UUID
    signal_id: int = Field(description="the accepted entry signal it follows (one position each)")
    token_mint: str
    wallet: str = Field(description="the followed wallet whose buy opened it (its sells mirror)")
    owner_id: str
    status: PositionStatus
    opened_at: datetime
    closed_at: datetime | None = None
    close_reason: str | None = None
    size_lamports: int = Field(ge=0, description="SOL the sizing chose to spend on the entry")
    token_decimals: int | None = Field(None, ge=0, le=18)
    held_units: int = Field(0, ge=0)
    cost_lamports: int = Field(0, ge=0, description="cost basis of held_units, fees excluded")
    realised_lamports: int = 0
    fees_lamports: int = Field(0, ge=0)
    entry_price: Decimal | None = Field(None, description="lamports per base unit of the entry")
    peak_price: Decimal | None = Field(None, description="highest mark since entry (trailing)")
    last_price: Decimal | None = None
    last_priced_at: datetime | None = None
    take_profits_done: int = Field(0, ge=0, description="rungs of the ladder already sold")
    exit_plan: dict[str, Any] = Field(
        default_factory=dict, description="the exit settings snapshot taken at opening"
    )


class Order(BaseModel):
    """One paper order: an entry (SOL → token) or an exit (token → SOL), filled from the
    Jupiter quote taken when it is processed, or rejected with the reason."""

    model_config = ConfigDict(frozen=True)

    order_id: UUID
    position_id: UUID
    side: OrderSide
    reason: OrderReason
    status: OrderStatus
    requested_at: datetime
    executed_at: datetime | None = None
    input_mint: str
    output_mint: str
    amount_in: int = Field(ge=0, description="base units to sell (lamports for an entry)")
    fraction: Decimal | None = Field(None, gt=0, le=1, description="exits: share of holding")
    filled_in: int | None = Field(None, ge=0)
    filled_out: int | None = Field(None, ge=0)
    price_impact_pct: Decimal | None = Field(None, description="a fraction, as Jupiter gives")
    slippage_bps: int | None = None
    route: str | None = Field(None, description="the route's AMM labels, ' > ' joined")
    network_fee_lamports: int = Field(0, ge=0)
    priority_fee_lamports: int = Field(0, ge=0)
    tip_lamports: int = Field(0, ge=0)
    venue_fees: dict[str, int] = Field(default_factory=dict, description="mint → base units")
    quote: dict[str, Any] | None = Field(None, description="the Jupiter quote, as received")
    reject_reason: str | None = None
    attempts: int = Field(0, ge=0)

    @property
    def fees_lamports(self) -> int:
        """The lamport fees a fill costs beyond the quote (network + priority + tip)."""
        return self.network_fee_lamports + self.priority_fee_lamports + self.tip_lamports


class RiskRefusal(BaseModel):
    """An entry the risk rules blocked, with the rule that refused it."""

    model_config = ConfigDict(frozen=True)

    signal_id: int
    token_mint: str
    wallet: str
    rule: str
    detail: str
    at: datetime


__all__ = [
    "ExitReason",
    "Order",
    "OrderReason",
    "OrderSide",
    "OrderStatus",
    "Position",
    "PositionStatus",
    "RiskRefusal",
]
