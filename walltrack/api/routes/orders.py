"""Step 8 over HTTP: the paper orders (entries and exits), newest first, each with its quote's
headline, impact, fees and reason; one order with the whole Jupiter quote it was judged on.
Read-only: orders are made by position_open and the exit monitor, filled by order_execute."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from walltrack.api.deps import AppContainer, BusinessClock
from walltrack.api.errors import EVERY_ROUTE, error_responses
from walltrack.api.responses import JsonBody
from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE
from walltrack.data.models.orders import OrderQuery, OrderSummary
from walltrack.data.models.trading import Order, OrderSide, OrderStatus
from walltrack.errors import NotFoundError

router = APIRouter(prefix="/orders", tags=["orders"], responses=error_responses(*EVERY_ROUTE))


class OrdersStore(Protocol):
    """What the routes read of the stored orders."""

    def page(self, query: OrderQuery) -> tuple[list[Order], int]: ...

    def get(self, order_id: UUID) -> Order | None: ...


async def orders_store(app: AppContainer) -> OrdersStore:
    return app.orders


Orders = Annotated[OrdersStore, Depends(orders_store)]


class OrderPage(BaseModel):
    items: list[OrderSummary]
    total: int
    limit: int
    offset: int
    as_of: datetime  # business "now" (the market's clock locally)


ORDER_PAGE = JsonBody(OrderPage)
ORDER = JsonBody(Order)


@router.get("", response_model=OrderPage, responses=error_responses(422))
def list_orders(
    *,
    orders: Orders,
    clock: BusinessClock,
    side: Annotated[OrderSide | None, Query(description="entry or exit (default: both)")] = None,
    status: Annotated[OrderStatus | None, Query(description="pending, filled or rejected")] = None,
    position: Annotated[UUID | None, Query(description="one position's orders")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Orders, newest requested first: what was asked (amount, reason: signal or the exit rule
    that fired), what the quote promised and the fill got, impact, fees, why it was rejected."""
    query = OrderQuery(side=side, status=status, position_id=position, limit=limit, offset=offset)
    items, total = orders.page(query)
    body = OrderPage(
        items=[OrderSummary.of(o) for o in items],
        total=total,
        limit=limit,
        offset=offset,
        as_of=clock.now(),
    )
    return ORDER_PAGE.response(body)


@router.get("/{order_id}", response_model=Order, responses=error_responses(404, 422))
def order_detail(order_id: UUID, orders: Orders) -> Response:
    """One order with the whole Jupiter quote it was filled (or rejected) on."""
    order = orders.get(order_id)
    if order is None:
        raise NotFoundError(f"unknown order {order_id}")
    return ORDER.response(order)
