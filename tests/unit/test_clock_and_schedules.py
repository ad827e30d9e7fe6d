"""The business clock (wall clock, or the market's scaled clock) and settings-driven schedules."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from walltrack.clock import CLOCK_ENV, ManualClock, ScaledClock, SystemClock, clock_from_text
from walltrack.config.settings import EnvSettings
from walltrack.core.schedules import is_due, next_due, schedule_state

EPOCH = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def test_without_a_clock_setting_business_time_is_the_wall_clock() -> None:
    # Given settings that name no clock
    clock = clock_from_text(EnvSettings(clock=None).clock)
    # Then business time is the wall clock
    assert isinstance(clock, SystemClock)
    assert abs((clock.now() - datetime.now(tz=UTC)).total_seconds()) < 5


def test_the_clock_variable_is_read_by_the_environment_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given WALLTRACK_CLOCK in the environment (what `walltrack run` sets beside the market)
    monkeypatch.setenv(CLOCK_ENV, ScaledClock(EPOCH, time.time(), 0).encode())
    # When the settings are read / Then they name that scaled, frozen clock
    clock = clock_from_text(EnvSettings().clock)
    assert isinstance(clock, ScaledClock)
    assert clock.now() == EPOCH


def test_a_scaled_clock_runs_speed_times_faster_from_its_anchor() -> None:
    # Given the market read EPOCH 10 wall seconds ago and runs 60x
    clock = ScaledClock(EPOCH, time.time() - 10, 60)
    # When business time is read
    current = clock_from_text(clock.encode()).now()
    # Then about 600 market seconds have passed
    elapsed = (current - EPOCH).total_seconds()
    assert 599 <= elapsed < 1200  # 60x of ~10 wall seconds (anchor kept to the millisecond)
    parsed = ScaledClock.parse(clock.encode())
    assert (parsed.anchor, parsed.speed) == (EPOCH, 60)
    assert parsed.anchor_wall == pytest.approx(clock.anchor_wall, abs=0.001)


@pytest.mark.parametrize("text", ["garbage", "2026-03-10T14:00:00Z@abcx60", "2026-03-10@1x-1"])
def test_a_malformed_clock_variable_is_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match=CLOCK_ENV):
        ScaledClock.parse(text)


def test_a_manual_clock_moves_only_forward_and_only_when_told() -> None:
    clock = ManualClock(EPOCH)
    assert clock.now() == EPOCH
    assert clock.advance(90) == EPOCH + timedelta(seconds=90)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="forward"):
        clock.set(EPOCH)


def test_a_job_that_never_ran_is_due_now_then_one_interval_after_its_start() -> None:
    interval = timedelta(minutes=5)
    assert is_due(last_started=None, interval=interval, now=EPOCH)
    assert next_due(last_started=EPOCH, interval=interval, now=EPOCH) == EPOCH + interval
    assert not is_due(last_started=EPOCH, interval=interval, now=EPOCH + timedelta(minutes=4))
    assert is_due(last_started=EPOCH, interval=interval, now=EPOCH + timedelta(minutes=5))


def test_the_status_view_shows_the_next_run_and_none_when_disabled() -> None:
    later = EPOCH + timedelta(minutes=2)
    on = schedule_state(
        job="token_refresh", enabled=True, interval_minutes=5, last_started=EPOCH, now=later
    )
    assert on.next_run_at == EPOCH + timedelta(minutes=5)
    overdue = schedule_state(
        job="token_refresh", enabled=True, interval_minutes=1, last_started=EPOCH, now=later
    )
    assert overdue.next_run_at == later  # overdue: runs at the next tick
    off = schedule_state(
        job="token_scan", enabled=False, interval_minutes=60, last_started=None, now=later
    )
    assert off.next_run_at is None
