"""The paper ledger over HTTP (issue 18 item 5): the account's totals and positions, the equity
curve, our PnL vs each followed wallet's, and the shadow PnL of rejected signals. Read-only:
every figure is computed on read from positions, orders and swaps."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Query, Response

from walltrack.api.deps import AppContainer
from walltrack.api.errors import EVERY_ROUTE, error_responses
from walltrack.api.responses import JsonBody
from walltrack.data.models.inputs import MAX_PAGE
from walltrack.data.models.ledger import EquityCurve, Ledger, ShadowReport, WalletsVersus

router = APIRouter(prefix="/ledger", tags=["ledger"], responses=error_responses(*EVERY_ROUTE))


class LedgerStore(Protocol):
    """What the routes read of the ledger (`walltrack.app.ledger.LedgerReads`)."""

    def ledger(self) -> Ledger: ...

    def equity(self) -> EquityCurve: ...

    def wallets(self) -> WalletsVersus: ...

    def shadow(self, *, limit: int) -> ShadowReport: ...


async def ledger_store(app: AppContainer) -> LedgerStore:
    return app.ledger


Reads = Annotated[LedgerStore, Depends(ledger_store)]
LEDGER = JsonBody(Ledger)
EQUITY = JsonBody(EquityCurve)
WALLETS = JsonBody(WalletsVersus)
SHADOW = JsonBody(ShadowReport)


@router.get("", response_model=Ledger)
def ledger(reads: Reads) -> Response:
    """Totals (cash, holdings at cost and at marks, realised, unrealised, fees, equity, and
    whether cash from the fills agrees with the positions' book) and each position's figures,
    newest first. Amounts in lamports."""
    return LEDGER.response(reads.ledger())


@router.get("/equity", response_model=EquityCurve)
def equity(reads: Reads) -> Response:
    """Equity at the start, after each fill and now, with the max drawdown."""
    return EQUITY.response(reads.equity())


@router.get("/wallets", response_model=WalletsVersus)
def wallets(reads: Reads) -> Response:
    """Per followed wallet we copied: our net PnL and return beside its own PnL and return on
    the same tokens since the buy we copied, and the share of its edge we kept."""
    return WALLETS.response(reads.wallets())


@router.get("/shadow", response_model=ShadowReport, responses=error_responses(422))
def shadow(
    reads: Reads,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="the latest entry signals replayed")
    ] = 200,
) -> Response:
    """The latest entry signals, accepted and rejected, each replayed as if taken (same sizing
    and exit rules, prices from the token's stored swaps after it); totals side by side, and
    what the replay cannot see."""
    return SHADOW.response(reads.shadow(limit=limit))
