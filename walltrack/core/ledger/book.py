"""The paper account from its positions and fills: cash, holdings at cost and at their marks,
realised and unrealised PnL, fees, equity — per position and in total — and the check that the
positions' book and the fills' cash agree (the ledger identity of `walltrack.data.models.trading`).

Cash is not stored anywhere: it is the starting equity moved by every fill (an entry spends
`filled_in + fees`, an exit brings `filled_out − fees`). The positions carry the cost basis,
realised PnL and fees their writers kept, so computing cash from the fills and comparing it with
`start + realised − fees − cost` catches any writer that broke the identity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from uuid import UUID

from walltrack.data.models.ledger import Ledger, LedgerTotals, PositionPnl
from walltrack.data.models.trading import Order, Position


@dataclass(frozen=True, slots=True)
class Fill:
    """A filled order as the ledger needs it (amounts in lamports / token base units)."""

    order_id: UUID
    position_id: UUID
    side: str
    executed_at: datetime
    filled_in: int
    filled_out: int
    fees_lamports: int

    @property
    def cash_delta(self) -> int:
        """What the fill did to cash: an entry pays in + fees, an exit gets out − fees."""
        if self.side == "entry":
            return -(self.filled_in + self.fees_lamports)
        return self.filled_out - self.fees_lamports


def fills_of(orders: Iterable[Order]) -> list[Fill]:
    """The filled orders, in execution order (ties broken by id, so the curve is stable)."""
    fills = [
        Fill(
            order_id=o.order_id,
            position_id=o.position_id,
            side=o.side,
            executed_at=o.executed_at,
            filled_in=o.filled_in or 0,
            filled_out=o.filled_out or 0,
            fees_lamports=o.fees_lamports,
        )
        for o in orders
        if o.status == "filled" and o.executed_at is not None
    ]
    return sorted(fills, key=lambda f: (f.executed_at, str(f.order_id)))


def value_at(units: int, price: Decimal) -> int:
    """`units` at `price` lamports per unit, floored to a lamport (a holding is never worth
    more than its units fetch at the mark)."""
    return int((Decimal(units) * price).to_integral_value(rounding=ROUND_FLOOR))


def position_pnl(position: Position, *, invested_lamports: int) -> PositionPnl:
    """A position's figures at its last mark (`last_price`, kept by the exit monitor)."""
    held = position.held_units
    price = position.last_price
    if held == 0:
        value, unrealised = 0, 0
    elif price is None:
        value, unrealised = position.cost_lamports, None
    else:
        value = value_at(held, price)
        unrealised = value - position.cost_lamports
    return PositionPnl(
        position_id=position.position_id,
        signal_id=position.signal_id,
        token_mint=position.token_mint,
        wallet=position.wallet,
        owner_id=position.owner_id,
        status=position.status,
        opened_at=position.opened_at,
        closed_at=position.closed_at,
        close_reason=position.close_reason,
        invested_lamports=invested_lamports,
        held_units=held,
        cost_lamports=position.cost_lamports,
        realised_lamports=position.realised_lamports,
        fees_lamports=position.fees_lamports,
        mark_price=price,
        marked_at=position.last_priced_at,
        value_lamports=value,
        unrealised_lamports=unrealised,
        net_pnl_lamports=position.realised_lamports - position.fees_lamports + (unrealised or 0),
    )


def ledger_of(
    positions: Sequence[Position],
    fills: Sequence[Fill],
    *,
    starting_lamports: int,
    as_of: datetime,
) -> Ledger:
    """The whole account: each position's figures (newest first) and the totals."""
    invested: dict[UUID, int] = {}
    for fill in fills:
        if fill.side == "entry":
            invested[fill.position_id] = invested.get(fill.position_id, 0) + fill.filled_in
    rows = [position_pnl(p, invested_lamports=invested.get(p.position_id, 0)) for p in positions]
    cash = starting_lamports + sum(f.cash_delta for f in fills)
    cost = sum(r.cost_lamports for r in rows)
    realised = sum(r.realised_lamports for r in rows)
    fees = sum(r.fees_lamports for r in rows)
    value = sum(r.value_lamports for r in rows)
    equity = cash + value
    imbalance = cash - (starting_lamports + realised - fees - cost)
    statuses = [r.status for r in rows]
    totals = LedgerTotals(
        starting_lamports=starting_lamports,
        cash_lamports=cash,
        holdings_cost_lamports=cost,
        holdings_value_lamports=value,
        realised_lamports=realised,
        fees_lamports=fees,
        unrealised_lamports=sum(r.unrealised_lamports or 0 for r in rows),
        equity_lamports=equity,
        net_pnl_lamports=equity - starting_lamports,
        return_pct=(equity - starting_lamports) / starting_lamports * 100
        if starting_lamports
        else 0.0,
        open_positions=statuses.count("open") + statuses.count("opening"),
        closed_positions=statuses.count("closed"),
        failed_positions=statuses.count("failed"),
        unpriced_positions=sum(1 for r in rows if r.unrealised_lamports is None),
        fills=len(fills),
        imbalance_lamports=imbalance,
        balanced=imbalance == 0,
    )
    rows.sort(key=lambda r: (r.opened_at, str(r.position_id)), reverse=True)
    return Ledger(totals=totals, positions=rows, as_of=as_of)
