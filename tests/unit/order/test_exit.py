"""Each exit rule at its boundary, and which wins when several fire."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from tests.unit.order.helpers import AT, position
from walltrack.core.order.exit import ExitDecision, check, mirror_sell, share_of_holding
from walltrack.data.models.trading import Position
from walltrack.data.models.trading_settings import ExitSettings

ORIGINAL = 1_000_000
ONLY = {"stop_loss": False, "take_profit": False, "trailing_stop": False, "time_stop": False}


def _plan(**on: Any) -> dict[str, Any]:
    return ExitSettings.model_validate(ONLY | on).model_dump(mode="json")


def _decide(held: Position, mark: str, *, after: timedelta = timedelta(0)) -> ExitDecision | None:
    return check(held, Decimal(mark), now=AT + after, original_units=ORIGINAL).decision


def test_stop_loss_sells_everything_at_its_level_not_above() -> None:
    # Given a 30 % stop loss on an entry at 1,000 lamports/unit
    held = position(exit_plan=_plan(stop_loss=True, stop_loss_pct="30"))
    # Then 700.01 holds and 700 sells all
    assert _decide(held, "700.01") is None
    assert _decide(held, "700") == ExitDecision("stop_loss", 1_000_000)


def test_take_profit_rungs_sell_shares_of_the_original_size_once_each() -> None:
    # Given a ladder +50 % -> 33 %, +100 % -> 33 %, and 670,000 units left after rung 1
    plan = _plan(take_profit=True)
    fresh = position(exit_plan=plan)
    # Then 1,499.99 sells nothing, 1,500 sells 33 % of the original 1,000,000
    assert _decide(fresh, "1499.99") is None
    assert _decide(fresh, "1500") == ExitDecision("take_profit", 330_000)
    # And once rung 1 is done, 1,500 sells nothing more; 2,000 sells rung 2 (of the ORIGINAL)
    after_one = position(exit_plan=plan, take_profits_done=1, held_units=670_000)
    assert _decide(after_one, "1999") is None
    assert _decide(after_one, "2000") == ExitDecision("take_profit", 330_000)
    # And with every rung done nothing sells however high
    assert (
        _decide(position(exit_plan=plan, take_profits_done=2, held_units=340_000), "9000") is None
    )


def test_a_rung_never_sells_more_than_is_held() -> None:
    plan = _plan(take_profit=True, take_profit_ladder=[{"gain_pct": "10", "sell_pct": "100"}])
    held = position(exit_plan=plan, held_units=400_000)  # a mirror-sell sold 60 % before
    assert _decide(held, "1100") == ExitDecision("take_profit", 400_000)


def test_trailing_stop_arms_at_activation_then_sells_on_the_fall_from_the_peak() -> None:
    # Given activation +30 %, distance 20 %
    plan = _plan(trailing_stop=True, trailing_activation_pct="30", trailing_distance_pct="20")
    # When the peak is 1,299.99 (not armed), a fall to 1,000 sells nothing
    assert _decide(position(exit_plan=plan, peak_price=Decimal("1299.99")), "1000") is None
    # When the peak reached 1,300 (armed, level 1,040): 1,040.01 holds, 1,040 sells all
    armed = position(exit_plan=plan, peak_price=Decimal(1300))
    assert _decide(armed, "1040.01") is None
    assert _decide(armed, "1040") == ExitDecision("trailing_stop", 1_000_000)


def test_the_peak_follows_the_mark_up_and_never_down() -> None:
    held = position(exit_plan=_plan(), peak_price=Decimal(1200))
    assert check(held, Decimal(1500), now=AT, original_units=ORIGINAL).peak_price == 1500
    assert check(held, Decimal(900), now=AT, original_units=ORIGINAL).peak_price == 1200


def test_time_stop_sells_everything_at_its_hour() -> None:
    held = position(exit_plan=_plan(time_stop=True, time_stop_hours="1.5"))
    assert _decide(held, "1000", after=timedelta(minutes=89, seconds=59)) is None
    assert _decide(held, "1000", after=timedelta(minutes=90)) == ExitDecision(
        "time_stop", 1_000_000
    )


def test_a_whole_position_rule_wins_over_a_partial_rung_and_stop_loss_is_named_first() -> None:
    # Given every rule on, 25 h after opening (time stop due) with the mark over rung 1
    everything = _plan(stop_loss=True, take_profit=True, trailing_stop=True, time_stop=True)
    held = position(exit_plan=everything)
    # Then the time stop sells all rather than the rung selling a part
    assert _decide(held, "1600", after=timedelta(hours=25)) == ExitDecision("time_stop", 1_000_000)
    # And a crash past both the armed trailing stop and the stop loss is a stop loss
    crashed = position(exit_plan=everything, peak_price=Decimal(3000))
    assert _decide(crashed, "500", after=timedelta(hours=25)) == ExitDecision(
        "stop_loss", 1_000_000
    )
    # And a fall from an armed peak above the stop loss is the trailing stop, before the time
    assert _decide(crashed, "1200", after=timedelta(hours=25)) == ExitDecision(
        "trailing_stop", 1_000_000
    )


def test_mirror_sell_sells_the_fraction_of_the_holding_rounded_down() -> None:
    # Given 999,999 units held
    held = position(exit_plan=_plan(mirror_sell=True), held_units=999_999)
    # Then the wallet's 50 % sells 499,999 units; its 100 % sells everything
    assert mirror_sell(held, Decimal("0.5")) == ExitDecision("mirror_sell", 499_999)
    assert mirror_sell(held, Decimal(1)) == ExitDecision("mirror_sell", 999_999)
    # And a fraction rounding to nothing, or a plan without mirror-sell, sells nothing
    assert mirror_sell(position(held_units=1), Decimal("0.5")) is None
    assert mirror_sell(position(exit_plan=_plan(mirror_sell=False)), Decimal("0.5")) is None


def test_a_closed_position_decides_nothing() -> None:
    closed = position(status="closed", held_units=0, exit_plan=_plan(stop_loss=True))
    assert _decide(closed, "1") is None
    assert share_of_holding(closed, Decimal(1), "manual") is None


def test_a_mark_of_zero_fires_the_stop_loss() -> None:
    # Given a token nothing routes any more, marked at 0
    held = position(exit_plan=_plan(stop_loss=True))
    # Then the stop loss sells everything
    assert _decide(held, "0") == ExitDecision("stop_loss", 1_000_000)
