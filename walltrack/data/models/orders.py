"""Step 8's order shapes: a paper fill as the order records it, and the Orders tab's reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE
from walltrack.data.models.trading import Order, OrderSide, OrderStatus


@dataclass(frozen=True)
class Fill:
    """What an order records when it fills (`walltrack.core.order.entry.paper_fill`)."""

    filled_in: int
    filled_out: int
    price_impact_pct: Decimal | None
    slippage_bps: int | None
    route: str
    network_fee_lamports: int
    priority_fee_lamports: int
    tip_lamports: int
    venue_fees: dict[str, int] = field(default_factory=dict)
    quote: dict[str, Any] | None = None

    @property
    def fees_lamports(self) -> int:
        return self.network_fee_lamports + self.priority_fee_lamports + self.tip_lamports


class OrderQuery(BaseModel):
    """A page of orders, newest requested first (the Orders tab's table)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    side: OrderSide | None = None
    status: OrderStatus | None = None
    position_id: UUID | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class OrderSummary(BaseModel):
    """One row of the Orders tab: the order without its whole quote, with the quote's headline
    (what it promised, the slippage-protected minimum) and the lamport fees in total."""

    model_config = ConfigDict(frozen=True)

    order_id: UUID
    position_id: UUID
    side: OrderSide
    reason: str
    status: OrderStatus
    requested_at: datetime
    executed_at: datetime | None
    token_mint: str = Field(description="the token bought (entry) or sold (exit)")
    amount_in: int
    fraction: Decimal | None
    filled_in: int | None
    filled_out: int | None
    quoted_out: int | None = Field(description="the quote's outAmount")
    min_out: int | None = Field(description="the quote's otherAmountThreshold (slippage)")
    price_impact_pct: Decimal | None = Field(description="a fraction, as Jupiter gives")
    slippage_bps: int | None
    route: str | None
    fees_lamports: int = Field(description="network + priority + tip")
    venue_fees: dict[str, int]
    reject_reason: str | None
    attempts: int

    @classmethod
    def of(cls, order: Order) -> OrderSummary:
        quote = order.quote or {}

        def amount(key: str) -> int | None:
            value = quote.get(key)
            return int(value) if value is not None else None

        return cls(
            **order.model_dump(exclude={"quote", "input_mint", "output_mint"}),
            token_mint=order.output_mint if order.side == "entry" else order.input_mint,
            quoted_out=amount("outAmount"),
            min_out=amount("otherAmountThreshold"),
            fees_lamports=order.fees_lamports,
        )


__all__ = ["Fill", "OrderQuery", "OrderSummary"]
