"""Step 8's order reads: the Orders tab's page query."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE
from walltrack.data.models.trading import OrderSide, OrderStatus


class OrderQuery(BaseModel):
    """A page of orders, newest requested first (the Orders tab's table)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    side: OrderSide | None = None
    status: OrderStatus | None = None
    position_id: UUID | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


__all__ = ["OrderQuery"]
