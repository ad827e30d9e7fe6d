"""Hypothesis properties of the exits: a trailing stop never loosens, and an exit never sells
more than is held, over any plan, price path and mirror fraction."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.unit.order.helpers import AT, position
from walltrack.core.order.exit import check, mirror_sell, plan_of, trailing_stop_level
from walltrack.core.order.fills import apply_exit_fill
from walltrack.data.models.trading_settings import ExitSettings, TakeProfitRung

pct = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2)
fractions = st.one_of(
    st.just(Decimal(1)),
    st.sampled_from([Decimal("0.5"), Decimal("0.9"), Decimal("0.99")]),
    st.decimals(min_value=0, max_value=1, places=6),
)
"""A followed wallet's share sold: often all or most of it (what exposes an over-sell)."""
prices = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(100_000), places=3)


@st.composite
def plans(draw: st.DrawFn) -> ExitSettings:
    gains = sorted(set(draw(st.lists(pct, max_size=4))))
    cap = Decimal(100) / max(len(gains), 1)  # the ladder sells at most 100 % in total
    sells = [draw(st.decimals(min_value=Decimal("0.01"), max_value=cap, places=2)) for _ in gains]
    return ExitSettings(
        stop_loss=draw(st.booleans()),
        stop_loss_pct=draw(pct),
        take_profit=draw(st.booleans()),
        take_profit_ladder=[
            TakeProfitRung(gain_pct=g, sell_pct=s) for g, s in zip(gains, sells, strict=True)
        ],
        trailing_stop=draw(st.booleans()),
        trailing_activation_pct=draw(st.decimals(min_value=0, max_value=100, places=2)),
        trailing_distance_pct=draw(pct),
        time_stop=draw(st.booleans()),
        time_stop_hours=Decimal(1),
        mirror_sell=draw(st.booleans()),
        monitor_interval_seconds=60,
    )


@settings(max_examples=300, deadline=None)
@given(plan=plans(), entry=prices, path=st.lists(prices, min_size=1, max_size=40))
def test_a_trailing_stop_never_loosens(
    plan: ExitSettings, entry: Decimal, path: list[Decimal]
) -> None:
    # Given an open position marked along any price path (exits not taken)
    held = position(entry_price=entry, peak_price=entry, exit_plan=plan.model_dump(mode="json"))
    level = trailing_stop_level(plan, entry, entry)
    for mark in path:
        # When it is checked at the next mark
        peak = check(held, mark, now=AT, original_units=held.held_units, plan=plan).peak_price
        new_level = trailing_stop_level(plan, entry, peak)
        # Then the peak never falls, and the stop level once armed never falls nor disarms
        assert held.peak_price is not None
        assert peak >= held.peak_price
        if level is not None:
            assert new_level is not None
            assert new_level >= level
        held, level = held.model_copy(update={"peak_price": peak}), new_level


@example(  # the wallet sold half, then one rung asks for all of the ORIGINAL size
    plan=ExitSettings(
        stop_loss=False,
        trailing_stop=False,
        time_stop=False,
        take_profit_ladder=[TakeProfitRung(gain_pct=Decimal(10), sell_pct=Decimal(100))],
    ),
    original=1_000,
    path=[(Decimal(1000), Decimal("0.5")), (Decimal(2000), None)],
)
@settings(max_examples=300, deadline=None)
@given(
    plan=plans(),
    original=st.integers(min_value=1, max_value=10**18),
    path=st.lists(
        st.tuples(prices, st.one_of(st.none(), fractions)),
        min_size=1,
        max_size=40,
    ),
)
def test_an_exit_never_sells_more_than_held(
    plan: ExitSettings, original: int, path: list[tuple[Decimal, Decimal | None]]
) -> None:
    # Given a position of `original` units bought at 1,000 lamports/unit, on any plan
    held = position(
        held_units=original, cost_lamports=original * 1000, exit_plan=plan.model_dump(mode="json")
    )
    assert plan_of(held) == plan
    for step, (mark, mirror) in enumerate(path):
        if held.status != "open":
            break
        # When the monitor checks it (and the followed wallet may sell a fraction)
        now = AT + timedelta(minutes=step * 7)
        decision = (
            mirror_sell(held, mirror)
            if mirror is not None
            else check(held, mark, now=now, original_units=original, plan=plan).decision
        )
        if decision is None:
            continue
        # Then it sells something, never more than is held, and the fill applies
        assert 0 < decision.units <= held.held_units
        held = apply_exit_fill(
            held,
            sold_units=decision.units,
            filled_out=int(mark),
            fees_lamports=0,
            reason=decision.reason,
            at=now,
        )
        assert held.held_units >= 0
