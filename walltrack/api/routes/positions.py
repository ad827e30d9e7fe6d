"""Step 7 over HTTP: paper positions (open / closed, newest first) with their PnL, exit plan and
close reason; one position with its orders; a manual close (an exit order for the whole
holding, through step 8's exit use case); risk refusals; the kill switch (RiskSettings'
`kill_switch`, written as a settings version so the Settings tab shows it too)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from walltrack.api.deps import AppContainer, BusinessClock
from walltrack.api.errors import EVERY_ROUTE, error_responses
from walltrack.api.responses import JsonBody
from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE
from walltrack.data.models.trading import Order, Position, RiskRefusal
from walltrack.data.models.trading_settings import RiskSettings
from walltrack.errors import NotFoundError

router = APIRouter(tags=["positions"], responses=error_responses(*EVERY_ROUTE))


class PositionView(Position):
    """A position with what follows from its figures: the unrealised PnL at its last mark
    (None until marked) and the net PnL (realised − fees + unrealised), in lamports."""

    unrealised_lamports: int | None
    net_pnl_lamports: int

    @classmethod
    def of(cls, position: Position) -> PositionView:
        unrealised = None
        if position.last_price is not None and position.held_units > 0:
            value = (position.last_price * position.held_units).to_integral_value(ROUND_FLOOR)
            unrealised = int(value) - position.cost_lamports
        net = position.realised_lamports - position.fees_lamports + (unrealised or 0)
        return cls(**position.model_dump(), unrealised_lamports=unrealised, net_pnl_lamports=net)


class PositionPage(BaseModel):
    items: list[PositionView]
    total: int
    limit: int
    offset: int
    as_of: datetime  # business "now" (the market's clock locally)


class PositionDetail(BaseModel):
    position: PositionView
    orders: list[Order]


class RefusalPage(BaseModel):
    items: list[RiskRefusal]
    total: int
    limit: int
    offset: int


class KillSwitchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    on: bool = Field(description="true blocks every new entry; exits keep running")


class KillSwitchState(BaseModel):
    on: bool
    settings_version: int


POSITION_PAGE = JsonBody(PositionPage)
POSITION_DETAIL = JsonBody(PositionDetail)
REFUSAL_PAGE = JsonBody(RefusalPage)


@router.get("/positions", response_model=PositionPage, responses=error_responses(422))
def list_positions(
    *,
    app: AppContainer,
    clock: BusinessClock,
    status: Annotated[
        Literal["open", "closed", "all"],
        Query(description="open: opening or open; closed: closed or failed"),
    ] = "all",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Positions, newest opened first: size, held units, cost, realised, fees, last mark and
    unrealised PnL when marked, the exit plan, and the rule that closed it."""
    items, total = app.positions.page(status, limit=limit, offset=offset)
    body = PositionPage(
        items=[PositionView.of(p) for p in items],
        total=total,
        limit=limit,
        offset=offset,
        as_of=clock.now(),
    )
    return POSITION_PAGE.response(body)


@router.get(
    "/positions/{position_id}", response_model=PositionDetail, responses=error_responses(404, 422)
)
def position_detail(position_id: UUID, app: AppContainer) -> Response:
    """One position and its orders, oldest first (the entry, then each exit)."""
    position = app.positions.get(position_id)
    if position is None:
        raise NotFoundError(f"unknown position {position_id}")
    body = PositionDetail(
        position=PositionView.of(position), orders=app.positions.orders_of(position_id)
    )
    return POSITION_DETAIL.response(body)


@router.post(
    "/positions/{position_id}/close",
    response_model=Order,
    status_code=202,
    responses=error_responses(404, 409, 422),
)
def close_position(position_id: UUID, app: AppContainer) -> Order:
    """Sell the whole holding now (reason "manual"): the exit order, pending, filled by
    order_execute. 409 when the position is not open or an exit is already pending."""
    return app.exit_jobs.request_exit(position_id, reason="manual", fraction=Decimal(1))


@router.get("/risk/refusals", response_model=RefusalPage, responses=error_responses(422))
def list_refusals(
    *,
    app: AppContainer,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Entries the risk rules refused, newest first, each with the rule and why."""
    items, total = app.positions.refusals(limit=limit, offset=offset)
    return REFUSAL_PAGE.response(RefusalPage(items=items, total=total, limit=limit, offset=offset))


@router.get("/risk/kill-switch", response_model=KillSwitchState)
def kill_switch(app: AppContainer) -> KillSwitchState:
    """Whether the kill switch is on (RiskSettings.kill_switch)."""
    current = app.step_settings.get(RiskSettings.step)
    return KillSwitchState(on=bool(current.values["kill_switch"]), settings_version=current.version)


@router.post("/risk/kill-switch", response_model=KillSwitchState, responses=error_responses(422))
def set_kill_switch(body: KillSwitchRequest, app: AppContainer) -> KillSwitchState:
    """Turn the kill switch on (no new entries; exits keep running) or off."""
    stored = app.step_settings.update(
        RiskSettings.step, {"kill_switch": body.on}, author="api: kill switch"
    )
    return KillSwitchState(on=bool(stored.values["kill_switch"]), settings_version=stored.version)
