"""core.position.sizing: the wanted size, the caps, the impact shrink (pure), and the
Hypothesis property: no size exceeds any cap, and an accepted size's impact is under the cap."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from walltrack.core.position.sizing import MAX_QUOTES, size_entry, wanted_size
from walltrack.data.models.trading_settings import SizingSettings

SOL = 1_000_000_000


def _sizing(**changes: Any) -> SizingSettings:
    return SizingSettings.model_validate(SizingSettings().model_dump(mode="json") | changes)


def _linear(per_sol: Decimal) -> Any:
    """An impact proportional to size: `per_sol` (a fraction) per SOL spent."""
    asked: list[int] = []

    def impact(size: int) -> Decimal:
        asked.append(size)
        return per_sol * size / SOL

    impact.asked = asked  # type: ignore[attr-defined]
    return impact


def test_fixed_size_is_scaled_by_the_score() -> None:
    # Given fixed 0.5 SOL scaled by score / Then a 0.8 score spends 0.4 SOL; unscaled 0.5 SOL
    assert wanted_size(_sizing(), equity_lamports=0, score=0.8) == 400_000_000
    assert wanted_size(_sizing(scale_by_score=False), equity_lamports=0, score=0.8) == SOL // 2


def test_equity_pct_is_a_share_of_paper_equity() -> None:
    # Given 5 % of 12 SOL, unscaled / Then 0.6 SOL
    sizing = _sizing(mode="equity_pct", equity_pct="5", scale_by_score=False)
    assert wanted_size(sizing, equity_lamports=12 * SOL, score=None) == 600_000_000


def test_the_size_stays_within_max_and_what_the_caps_leave() -> None:
    # Given 5 SOL wanted, max 2 SOL, 1.2 SOL of room, no impact
    sizing = _sizing(fixed_sol="5", scale_by_score=False, max_size_sol="2")
    decision = size_entry(sizing, equity_lamports=0, score=1, room=1_200_000_000,
                          impact_of=lambda _: Decimal(0))  # fmt: skip
    # Then the room wins, in one quote
    assert (decision.size_lamports, decision.quotes) == (1_200_000_000, 1)


def test_under_the_minimum_after_the_caps_is_refused_without_a_quote() -> None:
    # Given 0.04 SOL of room and a 0.05 SOL minimum
    impact = _linear(Decimal(0))
    decision = size_entry(_sizing(), equity_lamports=0, score=1, room=40_000_000,
                          impact_of=impact)  # fmt: skip
    # Then it is refused by "size" and Jupiter is never asked
    assert (decision.size_lamports, decision.rule) == (None, "size")
    assert impact.asked == []


def test_a_high_impact_shrinks_the_size_under_the_cap() -> None:
    # Given 0.5 SOL wanted and 10 % impact per SOL (5 % for 0.5 SOL), a 3 % cap
    impact = _linear(Decimal("0.10"))
    decision = size_entry(_sizing(scale_by_score=False), equity_lamports=0, score=None,
                          room=10 * SOL, impact_of=impact)  # fmt: skip
    # Then the second quote, at 0.5 x 3/5 x 0.9 = 0.27 SOL, is under the cap
    assert decision.size_lamports == 270_000_000
    assert decision.quotes == 2
    assert decision.impact is not None
    assert decision.impact <= Decimal("0.03")


def test_an_impact_the_minimum_size_cannot_meet_is_refused() -> None:
    # Given an impact of 100 % per SOL: 5 % even at the 0.05 SOL minimum, a 3 % cap
    decision = size_entry(_sizing(), equity_lamports=0, score=1, room=10 * SOL,
                          impact_of=_linear(Decimal(1)))  # fmt: skip
    # Then it is refused by price_impact
    assert (decision.size_lamports, decision.rule) == (None, "price_impact")


@settings(max_examples=300, deadline=None)
@given(
    fixed=st.decimals(min_value=0, max_value=100, places=9),
    min_size=st.decimals(min_value=0, max_value=1, places=9),
    extra=st.decimals(min_value=0, max_value=50, places=9),
    score=st.floats(min_value=0, max_value=1),
    room=st.integers(min_value=-SOL, max_value=60 * SOL),
    cap_pct=st.decimals(min_value=0, max_value=100, places=2),
    per_sol=st.decimals(min_value=0, max_value=5, places=6),
    jitter=st.decimals(min_value=1, max_value=3, places=3),
    equity_pct=st.booleans(),
    equity=st.integers(min_value=0, max_value=1_000 * SOL),
)
def test_no_size_exceeds_any_cap(
    fixed: Decimal, min_size: Decimal, extra: Decimal, score: float, room: int,
    cap_pct: Decimal, per_sol: Decimal, jitter: Decimal, equity_pct: bool, equity: int,
) -> None:  # fmt: skip
    # Given any coherent sizing settings, room, score, and a market whose impact is
    # super-linear in size (so shrinking by proportion may take several quotes)
    sizing = _sizing(
        mode="equity_pct" if equity_pct else "fixed",
        fixed_sol=str(fixed),
        min_size_sol=str(min_size),
        max_size_sol=str(min_size + extra),
        max_price_impact_pct=str(cap_pct),
    )
    asked: list[int] = []

    def impact(size: int) -> Decimal:
        asked.append(size)
        return per_sol * size / SOL * (1 + jitter * size / (100 * SOL))

    decision = size_entry(sizing, equity_lamports=equity, score=score, room=room,
                          impact_of=impact)  # fmt: skip
    # Then at most MAX_QUOTES quotes, and either a refusal or a size within every cap
    assert len(asked) <= MAX_QUOTES
    assert decision.quotes == len(asked)
    if decision.size_lamports is None:
        assert decision.rule in {"size", "price_impact"}
        return
    assert decision.size_lamports <= sizing.max_size_sol * SOL
    assert decision.size_lamports <= room
    assert decision.size_lamports >= sizing.min_size_sol * SOL
    assert decision.size_lamports <= wanted_size(sizing, equity_lamports=equity, score=score)
    assert decision.size_lamports == asked[-1]
    assert impact(decision.size_lamports) * 100 <= cap_pct
