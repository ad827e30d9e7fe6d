"""The contract's fill arithmetic (walltrack.data.models.trading) on a Position."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.order.helpers import AT, position
from walltrack.core.order.fills import FillError, apply_entry_fill, apply_exit_fill


def test_entry_fill_opens_the_position_at_cost_with_fees_apart() -> None:
    # Given an opening position
    opening = position(
        status="opening",
        held_units=0,
        cost_lamports=0,
        fees_lamports=0,
        entry_price=None,
        peak_price=None,
        last_price=None,
    )
    # When 1 SOL buys 400 units with 15,000 lamports of fees
    opened = apply_entry_fill(opening, filled_in=10**9, filled_out=400, fees_lamports=15_000, at=AT)
    # Then it holds them at a cost of 1 SOL, fees apart, priced at in/out
    assert (opened.status, opened.held_units, opened.cost_lamports) == ("open", 400, 10**9)
    assert opened.fees_lamports == 15_000
    assert opened.entry_price == opened.peak_price == Decimal(2_500_000)


def test_partial_exit_releases_cost_pro_rata_rounded_down() -> None:
    # Given 3 units held at a cost of 1,000 lamports
    held = position(held_units=3, cost_lamports=1_000, fees_lamports=0, realised_lamports=0)
    # When 1 unit sells for 500 lamports with 10 lamports of fees
    after = apply_exit_fill(
        held, sold_units=1, filled_out=500, fees_lamports=10, reason="mirror_sell", at=AT
    )
    # Then 333 lamports of cost are released (1,000 x 1 // 3), 167 realised gross, fees added
    assert (after.held_units, after.cost_lamports) == (2, 667)
    assert (after.realised_lamports, after.fees_lamports) == (167, 10)
    assert after.status == "open"


def test_selling_everything_releases_all_the_cost_and_closes_with_the_reason() -> None:
    # Given 3 units at 1,000 lamports after a partial sell left a rounding remainder
    held = position(held_units=2, cost_lamports=667, realised_lamports=167, fees_lamports=10)
    # When the last 2 units sell
    after = apply_exit_fill(
        held, sold_units=2, filled_out=100, fees_lamports=10, reason="stop_loss", at=AT
    )
    # Then no cost is left, the loss is realised, and it is closed by the stop loss
    assert (after.held_units, after.cost_lamports, after.realised_lamports) == (0, 0, -400)
    assert (after.status, after.close_reason, after.closed_at) == ("closed", "stop_loss", AT)


def test_a_take_profit_fill_marks_its_rung_done() -> None:
    after = apply_exit_fill(
        position(),
        sold_units=330_000,
        filled_out=5 * 10**8,
        fees_lamports=0,
        reason="take_profit",
        at=AT,
    )
    assert after.take_profits_done == 1


@pytest.mark.parametrize("units", [0, 1_000_001])
def test_an_exit_fill_never_sells_more_than_held_nor_nothing(units: int) -> None:
    with pytest.raises(FillError):
        apply_exit_fill(
            position(), sold_units=units, filled_out=1, fees_lamports=0, reason="manual", at=AT
        )


def test_fills_apply_only_in_the_right_status() -> None:
    with pytest.raises(FillError):
        apply_entry_fill(position(), filled_in=1, filled_out=1, fees_lamports=0, at=AT)
    with pytest.raises(FillError):
        apply_exit_fill(
            position(status="closed"),
            sold_units=1,
            filled_out=1,
            fees_lamports=0,
            reason="manual",
            at=AT,
        )
