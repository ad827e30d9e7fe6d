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


def cron(expression: str, timezone: str = "UTC") -> CronSchedule:
    schedule = parse_schedule(expression, timezone=timezone)
    assert isinstance(schedule, CronSchedule)
    return schedule


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
    # Given a rate expression / When parsed / Then it is a rate with that period
    schedule = parse_schedule(expression)
    assert isinstance(schedule, RateSchedule)
    assert schedule.period == period


def test_rate_first_fire_is_one_period_after_the_anchor() -> None:
    # Given a 5-minute rate started at ANCHOR / When asked at ANCHOR / Then ANCHOR + 5 minutes
    schedule = parse_schedule("rate(5 minutes)")
    assert schedule.next_after(ANCHOR, anchor=ANCHOR) == at(2026, 3, 10, 14, 5, 30)


def test_rate_next_fire_is_strictly_after_and_keeps_the_anchor_phase() -> None:
    # Given a 5-minute rate started at ANCHOR (:30 past the minute)
    schedule = parse_schedule("rate(5 minutes)")
    # When asked at various moments / Then:
    # exactly on a fire time → the following one
    assert schedule.next_after(at(2026, 3, 10, 14, 5, 30), anchor=ANCHOR) == at(
        2026, 3, 10, 14, 10, 30
    )
    # long after → the next slot on the same phase, not now + period
    assert schedule.next_after(at(2026, 3, 10, 15, 2, 0), anchor=ANCHOR) == at(
        2026, 3, 10, 15, 5, 30
    )


def test_rate_before_the_anchor_waits_for_the_first_period() -> None:
    # Given an hourly rate / When asked before it started / Then its first fire, ANCHOR + 1 hour
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
    # Given a malformed rate / When parsed / Then a TemplateError says what is wrong
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
        # ... even over 2100, no leap year (aws-croniter alone gives up after 10 steps)
        ("cron(0 0 29 2 ? *)", at(2097, 3, 1), at(2104, 2, 29)),
        # year rollover, lists, ranges with steps, month names
        ("cron(0 0 1 * ? *)", at(2026, 12, 15), at(2027, 1, 1)),
        ("cron(5,35 8-9 * * ? *)", at(2026, 3, 10, 8, 40), at(2026, 3, 10, 9, 5)),
        ("cron(10-50/20 * * * ? *)", at(2026, 3, 10, 14, 31), at(2026, 3, 10, 14, 50)),
        ("cron(0 6 1 JAN,JUL ? *)", at(2026, 3, 10), at(2026, 7, 1, 6, 0)),
        ("cron(0 0 1 1 ? 2027)", at(2026, 3, 10), at(2027, 1, 1)),
        ("cron(30 2 * * ? *)", at(2026, 3, 10, 14, 0, 30), at(2026, 3, 11, 2, 30)),
        # ranges that run past the end of their field wrap around (Friday to Monday)
        ("cron(0 12 ? * FRI-MON *)", at(2026, 3, 10), at(2026, 3, 13, 12, 0)),
        ("cron(50-10 * * * ? *)", at(2026, 3, 10, 14, 11), at(2026, 3, 10, 14, 50)),
        # L, W and #: last day of the month, nearest weekday, nth weekday of the month
        ("cron(0 10 L * ? *)", at(2026, 3, 10), at(2026, 3, 31, 10, 0)),
        ("cron(0 0 L 2 ? *)", at(2026, 3, 1), at(2027, 2, 28)),
        ("cron(0 10 15W * ? *)", at(2026, 8, 1), at(2026, 8, 14, 10, 0)),  # 15th is a Saturday
        ("cron(0 10 ? * 6#3 *)", at(2026, 3, 10), at(2026, 3, 20, 10, 0)),  # third Friday
        ("cron(0 10 ? * FRIL *)", at(2026, 3, 10), at(2026, 3, 27, 10, 0)),  # last Friday
        ("cron(0 10 ? * L *)", at(2026, 3, 10), at(2026, 3, 14, 10, 0)),  # last day: Saturday
        # blanks between fields are blanks, however many
        ("cron(0  10   * * ? *)", at(2026, 3, 10, 14, 0), at(2026, 3, 11, 10, 0)),
    ],
)
def test_cron_next_fire(expression: str, after: datetime, expected: datetime) -> None:
    # Given a parsed cron schedule
    schedule = cron(expression)
    # When asked for its next fire after a moment / Then it is the first matching minute
    assert schedule.next_after(after) == expected


def test_cron_with_only_past_years_never_fires_again() -> None:
    # Given a cron for 2027 only / When asked at its last fire / Then there is no next one
    schedule = cron("cron(0 0 1 1 ? 2027)")
    assert schedule.next_after(at(2027, 1, 1)) is None


def test_cron_that_matches_no_date_never_fires() -> None:
    # Given a day that no February has / When asked for its next fire / Then there is none
    assert cron("cron(0 0 30 2 ? *)").next_after(at(2026, 3, 10)) is None


def test_cron_in_a_time_zone_fires_at_local_wall_time() -> None:
    # Given 09:00 in New York / When asked at 12:00 UTC on 10 March 2026
    schedule = cron("cron(0 9 * * ? *)", timezone="America/New_York")
    # Then 13:00 UTC, 09:00 EDT (daylight time began on 8 March)
    assert schedule.next_after(at(2026, 3, 10, 12, 0)) == at(2026, 3, 10, 13, 0)


def test_cron_at_a_wall_time_the_clocks_skip_does_not_fire_that_day() -> None:
    # Given 02:30 in New York, a time that does not exist on 8 March 2026 (02:00 → 03:00)
    schedule = cron("cron(30 2 * * ? *)", timezone="America/New_York")
    # When asked just after midnight that day (05:00 UTC = 00:00 EST)
    fire = schedule.next_after(at(2026, 3, 8, 5, 0))
    # Then it is skipped, as EventBridge Scheduler does: next is 02:30 EDT the day after
    assert fire == at(2026, 3, 9, 6, 30)


def test_cron_at_a_wall_time_the_clocks_repeat_fires_once() -> None:
    # Given 01:45 in New York, which happens twice on 1 November 2026 (EDT, then EST)
    schedule = cron("cron(45 1 * * ? *)", timezone="America/New_York")
    # When asked before it, and again from inside the repeated hour (06:10 UTC = 01:10 EST)
    first = schedule.next_after(at(2026, 11, 1, 5, 0))
    again = schedule.next_after(at(2026, 11, 1, 6, 10))
    # Then it fires on the first pass only (01:45 EDT), and next on the following day (EST)
    assert first == at(2026, 11, 1, 5, 45)
    assert again == at(2026, 11, 2, 6, 45)


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("cron(0 10 * * *)", "6 required, 5 provided"),
        ("cron(0 10 * * * *)", "One must be a question mark"),
        ("cron(0 10 ? * ? *)", "One must be a question mark"),
        ("cron(60 10 * * ? *)", "Invalid minute value '60'"),
        ("cron(0 24 * * ? *)", "Invalid hour value '24'"),
        ("cron(0 0 0 * ? *)", "Invalid day-of-month value '0'"),
        ("cron(0 0 1 13 ? *)", "Invalid month value '13'"),
        ("cron(0 0 ? * 8 *)", "Invalid day-of-week value '8'"),
        ("cron(0 0 ? * 2/2 *)", "Invalid day-of-week value '2/2'"),
        ("cron(0 0 1 1 ? 2200)", "Invalid year value '2200'"),
        ("cron(0 10 32W * ? *)", "Invalid day-of-month value '32W'"),
        ("cron(0 10 ? * 6#6 *)", "Invalid day-of-week value '6#6'"),
        ("cron(0/0 * * * ? *)", "step must be positive"),
        ("cron(*-10 * * * ? *)", "cannot expand it"),
        ("cron(1,,2 * * * ? *)", "Invalid minute value '1,,2'"),
        ("cron(x * * * ? *)", "Invalid minute value 'x'"),
    ],
)
def test_invalid_cron_expressions_are_refused(expression: str, why: str) -> None:
    # Given a cron AWS would refuse / When parsed / Then a TemplateError names it and says why
    with pytest.raises(TemplateError, match=why) as refused:
        parse_schedule(expression)
    assert expression in str(refused.value)


def test_an_unknown_time_zone_is_refused() -> None:
    # Given a cron in a zone that does not exist / When parsed / Then a TemplateError says so
    with pytest.raises(TemplateError, match="unknown time zone"):
        parse_schedule("cron(0 9 * * ? *)", timezone="Mars/Olympus")
