"""A template whose function runs on a `cron(...)` schedule fires it locally at the cron's times."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.unit.runtime import cron_handlers
from walltrack.clock import ManualClock
from walltrack.runtime.local import LocalRuntime


def write_template(directory: Path, event: str) -> Path:
    """One function, handled by cron_handlers.record, with one schedule `event` (YAML)."""
    path = directory / "template.yaml"
    path.write_text(
        textwrap.dedent(
            f"""
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Ticker:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: {REPO_ROOT}
                  Handler: tests.unit.runtime.cron_handlers.record
                  Events:
            """
        )
        + textwrap.indent(textwrap.dedent(event), " " * 8),
        encoding="utf-8",
    )
    return path


def fired() -> list[str]:
    return [event["time"] for event in cron_handlers.events]


@pytest.fixture(autouse=True)
def _clear_events() -> Iterator[None]:
    cron_handlers.events.clear()
    yield
    cron_handlers.events.clear()


def test_a_cron_schedule_runs_its_handler_at_the_cron_times(tmp_path: Path) -> None:
    # Given a template whose function runs every quarter hour, and a clock at 14:00:30
    template = write_template(
        tmp_path,
        """
        Quarterly:
          Type: Schedule
          Properties:
            Schedule: cron(0/15 * * * ? *)
        """,
    )
    clock = ManualClock(datetime(2026, 3, 10, 14, 0, 30, tzinfo=UTC))
    with LocalRuntime(template, clock=clock, env={}) as runtime:
        # When nothing is due yet / Then nothing runs
        assert runtime.run_until_idle() == 0
        # When the clock reaches one second before the quarter / Then still nothing
        clock.set(datetime(2026, 3, 10, 14, 14, 59, tzinfo=UTC))
        assert runtime.run_until_idle() == 0
        # When it reaches 14:15 / Then the handler runs once, for 14:15
        clock.set(datetime(2026, 3, 10, 14, 15, tzinfo=UTC))
        assert runtime.run_until_idle() == 1
        assert fired() == ["2026-03-10T14:15:00Z"]
        # When the clock moves on to 14:29:59 / Then nothing more
        clock.set(datetime(2026, 3, 10, 14, 29, 59, tzinfo=UTC))
        assert runtime.run_until_idle() == 0
        # When it reaches 14:30 / Then it runs again, for 14:30
        clock.set(datetime(2026, 3, 10, 14, 30, tzinfo=UTC))
        assert runtime.run_until_idle() == 1
    assert fired() == ["2026-03-10T14:15:00Z", "2026-03-10T14:30:00Z"]
    assert cron_handlers.events[0]["detail-type"] == "Scheduled Event"


def test_a_schedule_v2_cron_fires_at_its_time_zone_wall_time(tmp_path: Path) -> None:
    # Given a ScheduleV2 at 09:00 New York time, and a clock at 12:00 UTC (08:00 EDT)
    template = write_template(
        tmp_path,
        """
        Morning:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 9 * * ? *)
            ScheduleExpressionTimezone: America/New_York
        """,
    )
    clock = ManualClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    with LocalRuntime(template, clock=clock, env={}) as runtime:
        # When the clock reaches 12:59 UTC / Then nothing has run
        clock.set(datetime(2026, 3, 10, 12, 59, tzinfo=UTC))
        assert runtime.run_until_idle() == 0
        # When it reaches 13:00 UTC (09:00 EDT) / Then the handler runs, for 13:00 UTC
        clock.set(datetime(2026, 3, 10, 13, 0, tzinfo=UTC))
        assert runtime.run_until_idle() == 1
    assert fired() == ["2026-03-10T13:00:00Z"]
