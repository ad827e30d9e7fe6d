"""When EventBridge schedule expressions fire next, and which expressions are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from walltrack.runtime.schedules import CronSchedule, RateSchedule, parse_schedule
from walltrack.runtime.template import TemplateError


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


ANCHOR = at(2026, 3, 10, 14, 0, 30)


# -- rate -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "period"),
    [
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(1 hour)", timedelta(hours=1)),
        ("rate(12 hours)", timedelta(hours=12)),
        ("rate(1 day)", timedelta(days=1)),
        ("rate(3 days)", timedelta(days=3)),
    ],
)
def test_rate_period(expression: str, period: timedelta) -> None:
    schedule = parse_schedule(expression)
    assert isinstance(schedule, RateSchedule)
    assert schedule.period == period


def test_rate_first_fire_is_one_period_after_the_anchor() -> None:
    schedule = parse_schedule("rate(5 minutes)")
    assert schedule.next_after(ANCHOR, anchor=ANCHOR) == at(2026, 3, 10, 14, 5, 30)


def test_rate_next_fire_is_strictly_after_and_keeps_the_anchor_phase() -> None:
    schedule = parse_schedule("rate(5 minutes)")
    # exactly on a fire time → the following one
    assert schedule.next_after(at(2026, 3, 10, 14, 5, 30), anchor=ANCHOR) == at(
        2026, 3, 10, 14, 10, 30
    )
    # long after → the next slot on the same phase, not now + period
    assert schedule.next_after(at(2026, 3, 10, 15, 2, 0), anchor=ANCHOR) == at(
        2026, 3, 10, 15, 5, 30
    )


def test_rate_before_the_anchor_waits_for_the_first_period() -> None:
    schedule = parse_schedule("rate(1 hour)")
    assert schedule.next_after(ANCHOR - timedelta(days=1), anchor=ANCHOR) == at(
        2026, 3, 10, 15, 0, 30
    )


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("rate(0 minutes)", "positive"),
        ("rate(1 minutes)", r"write rate\(1 minute\)"),
        ("rate(5 minute)", r"write rate\(5 minutes\)"),
        ("rate(2 weeks)", "minute"),
        ("rate(five minutes)", "expected rate"),
        ("rate(-1 minutes)", "expected rate"),
        ("every 5 minutes", "expected rate"),
        ("", "expected rate"),
    ],
)
def test_invalid_rate_expressions_are_refused(expression: str, why: str) -> None:
    with pytest.raises(TemplateError, match=why):
        parse_schedule(expression)


# -- cron -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # every 15 minutes, strictly after
        ("cron(0/15 * * * ? *)", at(2026, 3, 10, 14, 7, 10), at(2026, 3, 10, 14, 15)),
        ("cron(0/15 * * * ? *)", at(2026, 3, 10, 14, 15), at(2026, 3, 10, 14, 30)),
        ("cron(*/15 * * * ? *)", at(2026, 3, 10, 14, 59, 59), at(2026, 3, 10, 15, 0)),
        # weekdays at 10:00 (Friday → Monday); names and AWS numbering (1 = Sunday)
        ("cron(0 10 ? * MON-FRI *)", at(2026, 3, 13, 10, 0), at(2026, 3, 16, 10, 0)),
        ("cron(0 10 ? * 2-6 *)", at(2026, 3, 13, 10, 0), at(2026, 3, 16, 10, 0)),
        ("cron(0 12 ? * 1 *)", at(2026, 3, 10), at(2026, 3, 15, 12, 0)),
        ("cron(0 12 ? * SAT,SUN *)", at(2026, 3, 10), at(2026, 3, 14, 12, 0)),
        # the 31st skips 30-day months; the 29th of February waits for a leap year
        ("cron(0 0 31 * ? *)", at(2026, 4, 1), at(2026, 5, 31)),
        ("cron(0 0 29 2 ? *)", at(2026, 3, 1), at(2028, 2, 29)),
        # year rollover, lists, ranges with steps, month names
        ("cron(0 0 1 * ? *)", at(2026, 12, 15), at(2027, 1, 1)),
        ("cron(5,35 8-9 * * ? *)", at(2026, 3, 10, 8, 40), at(2026, 3, 10, 9, 5)),
        ("cron(10-50/20 * * * ? *)", at(2026, 3, 10, 14, 31), at(2026, 3, 10, 14, 50)),
        ("cron(0 6 1 JAN,JUL ? *)", at(2026, 3, 10), at(2026, 7, 1, 6, 0)),
        ("cron(0 0 1 1 ? 2027)", at(2026, 3, 10), at(2027, 1, 1)),
        ("cron(30 2 * * ? *)", at(2026, 3, 10, 14, 0, 30), at(2026, 3, 11, 2, 30)),
    ],
)
def test_cron_next_fire(expression: str, after: datetime, expected: datetime) -> None:
    schedule = parse_schedule(expression)
    assert isinstance(schedule, CronSchedule)
    assert schedule.next_after(after) == expected


def test_cron_with_only_past_years_never_fires_again() -> None:
    schedule = parse_schedule("cron(0 0 1 1 ? 2027)")
    assert schedule.next_after(at(2027, 1, 1)) is None


def test_cron_in_a_time_zone_fires_at_local_wall_time() -> None:
    # 09:00 in New York on 10 March 2026 is 13:00 UTC (daylight time began on 8 March)
    schedule = parse_schedule("cron(0 9 * * ? *)", timezone="America/New_York")
    assert schedule.next_after(at(2026, 3, 10, 12, 0)) == at(2026, 3, 10, 13, 0)


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("cron(0 10 * * *)", "6 fields"),
        ("cron(0 10 * * * *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 10 ? * ? *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 10 L * ? *)", "L, W and # are not supported"),
        ("cron(0 10 15W * ? *)", "L, W and # are not supported"),
        ("cron(0 10 ? * 6#3 *)", "L, W and # are not supported"),
        ("cron(0 10 ? * 6L *)", "L, W and # are not supported"),
        ("cron(60 10 * * ? *)", "outside 0-59"),
        ("cron(0 24 * * ? *)", "outside 0-23"),
        ("cron(0 0 0 * ? *)", "outside 1-31"),
        ("cron(0 0 1 13 ? *)", "outside 1-12"),
        ("cron(0 0 ? * 8 *)", "outside 1-7"),
        ("cron(0/0 * * * ? *)", "step"),
        ("cron(50-10 * * * ? *)", "backwards"),
        ("cron(1,,2 * * * ? *)", "empty list item"),
        ("cron(x * * * ? *)", "not a number"),
    ],
)
def test_invalid_cron_expressions_are_refused(expression: str, why: str) -> None:
    with pytest.raises(TemplateError, match=why):
        parse_schedule(expression)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(TemplateError, match="unknown time zone"):
        parse_schedule("cron(0 9 * * ? *)", timezone="Mars/Olympus")
