"""The paper account's equity over time, rebuilt from its fills (no snapshot table: every point
is a fill, so the curve cannot disagree with the orders).

After each fill: cash (moved by the fill), holdings at cost (the contract's arithmetic, the one
`walltrack.data.models.trading` states), and holdings at their marks — each position's latest
fill price until a later mark is known; the last point ("now") uses the positions' current marks.
Max drawdown is the largest fall of equity from a running peak.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from walltrack.core.ledger.book import Fill, value_at
from walltrack.data.models.ledger import EquityCurve, EquityPoint


@dataclass(slots=True)
class _Holding:
    units: int = 0
    cost: int = 0
    price: Decimal | None = None


def _released(cost: int, held: int, sold: int) -> int:
    """The cost basis an exit of `sold` of `held` units releases: all of it when everything is
    sold, else `cost * sold // held` (the contract's rule, so the curve and the positions'
    stored cost agree to the lamport)."""
    if sold >= held:
        return cost
    return cost * sold // held


@dataclass(frozen=True, slots=True)
class _State:
    cash: int
    cost: int
    value: int


def _state(cash: int, holdings: Mapping[UUID, _Holding]) -> _State:
    cost = sum(h.cost for h in holdings.values())
    value = sum(
        h.cost if h.price is None else value_at(h.units, h.price)
        for h in holdings.values()
        if h.units
    )
    return _State(cash=cash, cost=cost, value=value)


def max_drawdown(equities: Sequence[int]) -> tuple[int, float, int]:
    """(largest fall from a running peak in lamports, the largest fall as % of its peak, the
    highest equity)."""
    top = equities[0] if equities else 0
    worst, worst_pct = 0, 0.0
    for equity in equities:
        top = max(top, equity)
        worst = max(worst, top - equity)
        if top > 0:
            worst_pct = max(worst_pct, (top - equity) / top * 100)
    return worst, worst_pct, top


def equity_curve(
    fills: Sequence[Fill],
    *,
    starting_lamports: int,
    started_at: datetime | None,
    as_of: datetime,
    marks: Mapping[UUID, Decimal] | None = None,
) -> EquityCurve:
    """Equity at the start, after each fill (in `fills`' order: execution time), and now (each
    position valued at `marks` — lamports per base unit — where one is given)."""
    holdings: dict[UUID, _Holding] = {}
    cash = starting_lamports
    raw: list[tuple[datetime, str, _State]] = []
    first = started_at or (fills[0].executed_at if fills else as_of)
    raw.append((first, "start", _State(cash=cash, cost=0, value=0)))
    for fill in fills:
        holding = holdings.setdefault(fill.position_id, _Holding())
        cash += fill.cash_delta
        if fill.side == "entry":
            holding.units += fill.filled_out
            holding.cost += fill.filled_in
            if fill.filled_out:
                holding.price = Decimal(fill.filled_in) / Decimal(fill.filled_out)
        else:
            sold = min(fill.filled_in, holding.units)
            holding.cost -= _released(holding.cost, holding.units, sold)
            holding.units -= sold
            if fill.filled_in:
                holding.price = Decimal(fill.filled_out) / Decimal(fill.filled_in)
        raw.append((fill.executed_at, fill.side, _state(cash, holdings)))
    for position_id, price in (marks or {}).items():
        if position_id in holdings:
            holdings[position_id].price = price
    raw.append((max(as_of, raw[-1][0]), "now", _state(cash, holdings)))
    equities = [s.cash + s.value for _, _, s in raw]
    worst, worst_pct, peak = max_drawdown(equities)
    points: list[EquityPoint] = []
    top = equities[0]
    for (at, event, state), equity in zip(raw, equities, strict=True):
        top = max(top, equity)
        points.append(
            EquityPoint(
                at=at,
                cash_lamports=state.cash,
                holdings_cost_lamports=state.cost,
                holdings_value_lamports=state.value,
                equity_lamports=equity,
                drawdown_pct=(top - equity) / top * 100 if top > 0 else 0.0,
                event=event,
            )
        )
    return EquityCurve(
        points=points,
        starting_lamports=starting_lamports,
        peak_lamports=peak,
        max_drawdown_lamports=worst,
        max_drawdown_pct=worst_pct,
        as_of=as_of,
    )
