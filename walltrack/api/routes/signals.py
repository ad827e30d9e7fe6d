"""Step 6 over HTTP: the signals signal_score stored (accepted and rejected), newest first, and
one signal's breakdown. Read-only: signals are made by the signal_score consumer alone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Protocol

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel

from walltrack.api.deps import AppContainer, BusinessClock
from walltrack.api.errors import EVERY_ROUTE, error_responses
from walltrack.api.responses import JsonBody
from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE, NAME_LENGTH, PRINTABLE
from walltrack.data.models.signals import Signal, SignalKind, SignalQuery
from walltrack.errors import NotFoundError

router = APIRouter(prefix="/signals", tags=["signals"], responses=error_responses(*EVERY_ROUTE))


class SignalsStore(Protocol):
    """What the routes read of the stored signals."""

    def page(self, query: SignalQuery) -> tuple[list[Signal], int]: ...

    def get(self, signal_id: int) -> Signal | None: ...


async def signals_store(app: AppContainer) -> SignalsStore:
    return app.signals


Signals = Annotated[SignalsStore, Depends(signals_store)]


class SignalPage(BaseModel):
    items: list[Signal]
    total: int
    limit: int
    offset: int
    as_of: datetime  # business "now" (the market's clock locally)


SIGNAL_PAGE = JsonBody(SignalPage)
SIGNAL = JsonBody(Signal)
Text = Annotated[str | None, Query(min_length=1, max_length=NAME_LENGTH, pattern=PRINTABLE)]


@router.get("", response_model=SignalPage, responses=error_responses(422))
def list_signals(
    *,
    signals: Signals,
    clock: BusinessClock,
    status: Annotated[
        Literal["accepted", "rejected"] | None,
        Query(description="only accepted or only rejected signals (default: both)"),
    ] = None,
    kind: Annotated[SignalKind | None, Query(description="entry (a buy) or exit (a sell)")] = None,
    wallet: Text = None,
    token: Text = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Signals, newest scored first, each with its score breakdown, reason and latency
    (on-chain → received: `delivery_seconds`; on-chain → scored: `latency_seconds`)."""
    query = SignalQuery(
        accepted=None if status is None else status == "accepted",
        kind=kind,
        wallet=wallet,
        token=token,
        limit=limit,
        offset=offset,
    )
    items, total = signals.page(query)
    body = SignalPage(items=items, total=total, limit=limit, offset=offset, as_of=clock.now())
    return SIGNAL_PAGE.response(body)


@router.get("/{signal_id}", response_model=Signal, responses=error_responses(404, 422))
def signal_detail(
    signal_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="the signal's id")],
    signals: Signals,
) -> Response:
    """One signal: its components (raw, normalised, weight, contribution), reason, times."""
    signal = signals.get(signal_id)
    if signal is None:
        raise NotFoundError(f"unknown signal {signal_id}")
    return SIGNAL.response(signal)
