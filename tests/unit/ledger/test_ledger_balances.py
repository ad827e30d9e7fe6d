"""Hypothesis: the ledger always balances. Over random sequences of entry and exit fills applied
with the orders' fill arithmetic (`core.order.fills`), the ledger's cash (the starting equity
moved by each fill) plus the positions' cost held equals the starting equity plus realised PnL
minus fees — and the equity curve, replayed from the same fills, ends on the same cash and cost.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from walltrack.core.ledger.book import fills_of, ledger_of
from walltrack.core.ledger.equity import equity_curve
from walltrack.core.order.fills import apply_entry_fill, apply_exit_fill
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.trading import Order, Position

AT = datetime(2026, 12, 18, 12, tzinfo=UTC)
START = 10_000_000_000
MINTS = [f"Mint{i}" + "1" * 39 for i in range(4)]

entry = st.tuples(
    st.just("entry"),
    st.integers(0, 3),  # which token
    st.integers(1, 2_000_000_000),  # lamports in
    st.integers(1, 10**18),  # units out
    st.integers(0, 200_000),  # fees
)
exit_ = st.tuples(
    st.just("exit"),
    st.integers(0, 3),
    st.integers(1, 1000),  # per-mille of the holding sold (1000: all of it)
    st.integers(0, 5_000_000_000),  # lamports out
    st.integers(0, 200_000),
)


def _order(
    position: Position,
    n: int,
    side: str,
    *,
    filled_in: int,
    filled_out: int,
    fees: int,
    at: datetime,
) -> Order:
    return Order(
        order_id=UUID(int=n),
        position_id=position.position_id,
        side=side,
        reason="signal" if side == "entry" else "take_profit",
        status="filled",
        requested_at=at,
        executed_at=at,
        input_mint=SOL_MINT if side == "entry" else position.token_mint,
        output_mint=position.token_mint if side == "entry" else SOL_MINT,
        amount_in=filled_in,
        filled_in=filled_in,
        filled_out=filled_out,
        network_fee_lamports=fees,
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(entry, exit_), max_size=40))
def test_the_ledger_always_balances(steps: list[tuple[str, int, int, int, int]]) -> None:
    # Given: random entries (one live position per token at a time) and partial or whole exits,
    # applied to positions with the orders' fill arithmetic, each fill kept as a filled order
    live: dict[int, Position] = {}
    done: list[Position] = []
    orders: list[Order] = []
    for n, (side, token, a, b, fees) in enumerate(steps, start=1):
        at = AT + timedelta(seconds=n)
        if side == "entry" and token not in live:
            opening = Position(
                position_id=UUID(int=10**6 + n),
                signal_id=n,
                token_mint=MINTS[token],
                wallet="W" * 43,
                owner_id="own",
                status="opening",
                opened_at=at,
                size_lamports=a,
            )
            live[token] = apply_entry_fill(
                opening, filled_in=a, filled_out=b, fees_lamports=fees, at=at
            )
            orders.append(_order(opening, n, "entry", filled_in=a, filled_out=b, fees=fees, at=at))
        elif side == "exit" and token in live:
            held = live[token].held_units
            sold = held if a == 1000 else max(1, held * a // 1000)
            after = apply_exit_fill(
                live[token],
                sold_units=sold,
                filled_out=b,
                fees_lamports=fees,
                reason="take_profit",
                at=at,
            )
            orders.append(
                _order(live[token], n, "exit", filled_in=sold, filled_out=b, fees=fees, at=at)
            )
            if after.status == "closed":
                done.append(after)
                del live[token]
            else:
                live[token] = after
    positions = [*done, *live.values()]

    # When: the ledger and the equity curve are computed from those positions and orders
    fills = fills_of(orders)
    ledger = ledger_of(positions, fills, starting_lamports=START, as_of=AT + timedelta(days=1))
    curve = equity_curve(
        fills, starting_lamports=START, started_at=AT, as_of=AT + timedelta(days=1)
    )

    # Then: cash + cost held = start + realised − fees, and nothing is reported out of balance
    t = ledger.totals
    assert (
        t.cash_lamports + t.holdings_cost_lamports == START + t.realised_lamports - t.fees_lamports
    )
    assert t.imbalance_lamports == 0
    assert t.balanced
    assert t.fills == len(orders)
    # and the curve's replay of the same fills ends on the same cash and cost held
    last = curve.points[-1]
    assert last.cash_lamports == t.cash_lamports
    assert last.holdings_cost_lamports == t.holdings_cost_lamports
    assert all(
        p.equity_lamports == p.cash_lamports + p.holdings_value_lamports for p in curve.points
    )


def test_a_writer_that_breaks_the_identity_is_reported() -> None:
    # Given: one entry fill, and its position whose realised PnL a writer got wrong by 1 lamport
    opening = Position(
        position_id=UUID(int=1),
        signal_id=1,
        token_mint=MINTS[0],
        wallet="W" * 43,
        owner_id="own",
        status="opening",
        opened_at=AT,
        size_lamports=100,
    )
    held = apply_entry_fill(opening, filled_in=100, filled_out=1000, fees_lamports=5, at=AT)
    wrong = held.model_copy(update={"realised_lamports": 1})
    fills = fills_of([_order(opening, 1, "entry", filled_in=100, filled_out=1000, fees=5, at=AT)])

    # When: the ledger is computed
    ledger = ledger_of([wrong], fills, starting_lamports=START, as_of=AT)

    # Then: it says so, by how much
    assert not ledger.totals.balanced
    assert ledger.totals.imbalance_lamports == -1
    assert ledger.totals.cash_lamports == START - 105
    assert held.entry_price == Decimal(100) / Decimal(1000)
