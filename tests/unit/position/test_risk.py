"""core.risk.manager: each rule refuses with its name, and its boundary passes (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from walltrack.core.risk.manager import check_entry, headroom
from walltrack.data.models.risk import OpenExposure, RiskState
from walltrack.data.models.trading_settings import RiskSettings

NOW = datetime(2026, 12, 18, 12, tzinfo=UTC)
SOL = 1_000_000_000
TOKEN, OTHER = "TokenA", "TokenB"
CALM = RiskState(
    open_positions=[],
    equity_lamports=10 * SOL,
    peak_equity_lamports=10 * SOL,
    realised_today_lamports=0,
    recent_losses=[],
    last_loss_closed_at=None,
)


def _settings(**changes: Any) -> RiskSettings:
    return RiskSettings.model_validate(RiskSettings().model_dump(mode="json") | changes)


def _check(state: RiskState, settings: RiskSettings, size: int = SOL // 2, owner: str = "o1",
           now: datetime = NOW) -> str | None:  # fmt: skip
    refusal = check_entry(
        state, settings, token_mint=TOKEN, owner_id=owner, size_lamports=size, now=now
    )
    return refusal.rule if refusal else None


def test_a_calm_state_allows_an_entry() -> None:
    # Given no positions, no losses / Then a default entry is allowed
    assert _check(CALM, RiskSettings()) is None


def test_the_kill_switch_refuses_everything() -> None:
    # Given the kill switch on / Then even a calm state refuses, naming the switch
    assert _check(CALM, _settings(kill_switch=True)) == "kill_switch"


def test_max_open_positions_refuses_at_the_limit_and_passes_under_it() -> None:
    # Given 2 live positions
    state = replace(CALM, open_positions=[OpenExposure(OTHER, "o9", 1)] * 2)
    # Then at most 2 refuses, at most 3 passes
    assert _check(state, _settings(max_open_positions=2)) == "max_open_positions"
    assert _check(state, _settings(max_open_positions=3)) is None


@pytest.mark.parametrize(
    ("rule", "setting", "held"),
    [
        ("token_exposure", "max_exposure_per_token_sol", OpenExposure(TOKEN, "o9", SOL)),
        ("owner_exposure", "max_exposure_per_owner_sol", OpenExposure(OTHER, "o1", SOL)),
        ("total_exposure", "max_total_exposure_sol", OpenExposure(OTHER, "o9", SOL)),
    ],
)
def test_each_exposure_cap_counts_the_new_entry_and_its_exact_cap_passes(
    rule: str, setting: str, held: OpenExposure
) -> None:
    # Given 1 SOL held that counts toward the cap, and an entry of 0.5 SOL
    state = replace(CALM, open_positions=[held])
    roomy = {"max_exposure_per_token_sol": "10", "max_exposure_per_owner_sol": "10",
             "max_total_exposure_sol": "10"}  # fmt: skip
    # Then a cap of 1.5 SOL (held + entry exactly) passes, one lamport less refuses by its rule
    assert _check(state, _settings(**roomy | {setting: "1.5"})) is None
    assert _check(state, _settings(**roomy | {setting: "1.499999999"})) == rule


def test_daily_loss_refuses_once_the_limit_is_reached() -> None:
    # Given a 2 SOL limit / Then a loss of 2 SOL refuses, one lamport less passes; a gain passes
    settings = _settings(daily_loss_limit_sol="2")
    assert _check(replace(CALM, realised_today_lamports=-2 * SOL), settings) == "daily_loss"
    assert _check(replace(CALM, realised_today_lamports=-2 * SOL + 1), settings) is None
    assert _check(replace(CALM, realised_today_lamports=5 * SOL), settings) is None


def test_drawdown_refuses_at_the_limit_under_the_peak() -> None:
    # Given a 25 % limit and a 10 SOL peak / Then 7.5 SOL refuses, 7.5 SOL + 1 lamport passes
    settings = _settings(max_drawdown_pct="25")
    at_limit = replace(CALM, equity_lamports=7_500_000_000)
    assert _check(at_limit, settings) == "drawdown"
    assert _check(replace(at_limit, equity_lamports=7_500_000_001), settings) is None


def test_a_loss_streak_cools_down_until_its_time() -> None:
    # Given 3 losing positions in a row, the last closed 10 minutes ago, a 60 min cooldown
    state = replace(
        CALM, recent_losses=[True, True, True], last_loss_closed_at=NOW - timedelta(minutes=10)
    )
    settings = _settings(loss_streak=3, cooldown_minutes=60)
    # Then entries are refused until 60 minutes after that loss, allowed from then on
    assert _check(state, settings) == "loss_streak"
    assert _check(state, settings, now=NOW + timedelta(minutes=49, seconds=59)) == "loss_streak"
    assert _check(state, settings, now=NOW + timedelta(minutes=50)) is None
    # And two losses, or a win among the last three, start no cooldown
    assert _check(replace(state, recent_losses=[True, True]), settings) is None
    assert _check(replace(state, recent_losses=[True, False, True]), settings) is None


def test_headroom_is_what_each_cap_leaves() -> None:
    # Given 0.4 SOL in the token (owner o1), 0.3 SOL elsewhere (owner o2)
    state = replace(
        CALM, open_positions=[OpenExposure(TOKEN, "o1", 400_000_000),
                              OpenExposure(OTHER, "o2", 300_000_000)]
    )  # fmt: skip
    room = headroom(state, RiskSettings(), token_mint=TOKEN, owner_id="o1")
    # Then the defaults (1 / 2 / 5 SOL) leave 0.6, 1.6 and 4.3 SOL; the least is 0.6
    assert (room.token, room.owner, room.total) == (600_000_000, 1_600_000_000, 4_300_000_000)
    assert room.least == 600_000_000
    assert Decimal(room.least) / SOL == Decimal("0.6")
