"""EventBridge schedule expressions: `rate(...)` and 6-field `cron(...)`, and when they fire next.

Written by hand because the usual cron libraries speak 5-field Unix cron (Sunday = 0, no year,
no `?`), which fires at different times than AWS for the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from walltrack.runtime.template import TemplateError

_RATE = re.compile(r"^rate\(\s*(\d+)\s+([a-z]+)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
_DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}  # SUN=1
_LAST_YEAR = 2199


@dataclass(frozen=True)
class RateSchedule:
    """Fires every `period`, counted from the moment the schedule started (as a rule does)."""

    expression: str
    period: timedelta

    def next_after(self, after: datetime, *, anchor: datetime) -> datetime | None:
        if after < anchor:
            return anchor + self.period
        periods = (after - anchor) // self.period + 1
        return anchor + periods * self.period


@dataclass(frozen=True)
class CronSchedule:
    """AWS cron: minutes hours day-of-month month day-of-week year, in `timezone` (UTC)."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None when the field is `?`
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # AWS numbering: 1 = Sunday ... 7 = Saturday
    years: frozenset[int]
    timezone: str = "UTC"

    def next_after(self, after: datetime, *, anchor: datetime | None = None) -> datetime | None:
        """The first matching minute strictly after `after` (aware, returned in UTC)."""
        zone = ZoneInfo(self.timezone)
        local = after.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
        t = local + timedelta(minutes=1)
        while t.year <= _LAST_YEAR:
            if t.year not in self.years:
                later = [y for y in self.years if y > t.year]
                if not later:
                    return None
                t = datetime(min(later), 1, 1)  # noqa: DTZ001 - wall time in `zone`
            elif t.month not in self.months:
                t = _first_of_next_month(t)
            elif not self._day_matches(t):
                t = datetime(t.year, t.month, t.day) + timedelta(days=1)  # noqa: DTZ001
            elif t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t += timedelta(minutes=1)
            else:
                return t.replace(tzinfo=zone).astimezone(UTC)
        return None

    def _day_matches(self, t: datetime) -> bool:
        if self.days_of_month is not None:
            return t.day in self.days_of_month
        aws_weekday = (t.weekday() + 1) % 7 + 1  # Python: Monday = 0
        return self.days_of_week is None or aws_weekday in self.days_of_week


Schedule = RateSchedule | CronSchedule


def _first_of_next_month(t: datetime) -> datetime:
    if t.month == 12:
        return datetime(t.year + 1, 1, 1)  # noqa: DTZ001 - wall time, zone applied later
    return datetime(t.year, t.month + 1, 1)  # noqa: DTZ001


def parse_schedule(expression: str, *, timezone: str = "UTC") -> Schedule:
    """Parse `rate(5 minutes)` or `cron(0/15 * * * ? *)`; TemplateError says what is wrong."""
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        return _parse_rate(text, int(rate.group(1)), rate.group(2))
    cron = _CRON.match(text)
    if cron:
        return _parse_cron(text, cron.group(1), timezone)
    raise TemplateError(
        f"schedule {expression!r}: expected rate(<n> <minute(s)|hour(s)|day(s)>) or "
        "cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)"
    )


def _parse_rate(text: str, value: int, unit: str) -> RateSchedule:
    if value <= 0:
        raise TemplateError(f"schedule {text!r}: the rate must be a positive whole number")
    singular = unit.removesuffix("s")
    if singular not in _UNITS:
        raise TemplateError(f"schedule {text!r}: unit must be minute(s), hour(s) or day(s)")
    # AWS rejects rate(1 minutes) and rate(5 minute); catch it here rather than at deploy
    expected = singular if value == 1 else singular + "s"
    if unit != expected:
        raise TemplateError(f"schedule {text!r}: write rate({value} {expected})")
    return RateSchedule(text, timedelta(seconds=value * _UNITS[singular]))


def _parse_cron(text: str, body: str, timezone: str) -> CronSchedule:
    fields = body.split()
    if len(fields) != 6:
        raise TemplateError(
            f"schedule {text!r}: AWS cron has 6 fields "
            f"(minutes hours day-of-month month day-of-week year), got {len(fields)}"
        )
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise TemplateError(
            f"schedule {text!r}: exactly one of day-of-month and day-of-week must be '?'"
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TemplateError(f"schedule {text!r}: unknown time zone {timezone!r}") from exc
    return CronSchedule(
        expression=text,
        minutes=_field(text, "minutes", minute, 0, 59),
        hours=_field(text, "hours", hour, 0, 23),
        days_of_month=None if dom == "?" else _field(text, "day-of-month", dom, 1, 31),
        months=_field(text, "month", month, 1, 12, names=_MONTHS),
        days_of_week=None if dow == "?" else _field(text, "day-of-week", dow, 1, 7, names=_DAYS),
        years=_field(text, "year", year, 1970, _LAST_YEAR),
        timezone=timezone,
    )


def _field(
    text: str, name: str, value: str, low: int, high: int, *, names: dict[str, int] | None = None
) -> frozenset[int]:
    def fail(why: str) -> TemplateError:
        return TemplateError(f"schedule {text!r}: {name} field {value!r}: {why}")

    def number(token: str) -> int:
        upper = token.upper()
        if names and upper in names:
            return names[upper]
        if any(c in upper for c in "LW#"):
            raise fail("L, W and # are not supported by the local runner")
        if not token.isdigit():
            raise fail(f"{token!r} is not a number")
        n = int(token)
        if not low <= n <= high:
            raise fail(f"{n} is outside {low}-{high}")
        return n

    out: set[int] = set()
    for part in value.split(","):
        if not part:
            raise fail("empty list item")
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise fail(f"step {step_text!r} must be a positive number")
            step = int(step_text)
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = number(first), number(last)
            if start > end:
                raise fail(f"range {base!r} runs backwards")
        else:
            start = number(base)
            end = high if step_text else start
        out.update(range(start, end + 1, step))
    return frozenset(out)
