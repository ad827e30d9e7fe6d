"""EventBridge schedule expressions: `rate(...)` and 6-field `cron(...)`, and when they fire next.

`cron(...)` is validated and stepped by aws-croniter, because it speaks AWS's own 6-field
dialect (minutes hours day-of-month month day-of-week year, `?`, 1 = Sunday, MON/JAN names,
years), where the usual cron libraries speak 5-field Unix cron (Sunday = 0, no year, no `?`)
and fire at other times than AWS for the same text. It also knows AWS's L (last day of the
month or week, `L-3`, `6L`), W (nearest weekday, `15W`) and # (`6#3`, the third Friday), and
ranges that wrap (`FRI-MON`, `50-10`); this module used to refuse all of these.
`rate(...)` is parsed here: it is small, and AWS insists on `rate(1 minute)` / `rate(5 minutes)`.

aws-croniter counts in UTC only. A ScheduleV2's `ScheduleExpressionTimezone` is applied here:
the cron is stepped through the zone's wall time, converted to UTC, with EventBridge
Scheduler's daylight-saving rules (a wall time the clocks skip does not fire; one they repeat
fires once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aws_croniter import AwsCroniter
from aws_croniter.exceptions import AwsCroniterExpressionError

from walltrack.runtime.template import TemplateError

_RATE = re.compile(r"^rate\(\s*(\d+)\s+([a-z]+)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_CRON_FIELDS = "minutes hours day-of-month month day-of-week year"


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
    cron: AwsCroniter = field(compare=False, repr=False)
    timezone: str = "UTC"

    def next_after(self, after: datetime, *, anchor: datetime | None = None) -> datetime | None:
        """The first matching minute strictly after `after` (aware, returned in UTC)."""
        zone = ZoneInfo(self.timezone)
        # the zone's wall time, labelled UTC: the only kind of time aws-croniter takes
        wall = after.astimezone(zone).replace(tzinfo=UTC, fold=0)
        while (found := self._next_wall(wall)) is not None:
            local = found.replace(tzinfo=zone)  # fold=0: a repeated wall time's first pass
            fire = local.astimezone(UTC)
            skipped = fire.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None)
            # skipped: the clocks jump over this wall time (spring), so it does not fire;
            # fire <= after: `after` is in a repeated hour (autumn), past this time's one run
            if not skipped and fire > after:
                return fire
            wall = found
        return None

    def _next_wall(self, wall: datetime) -> datetime | None:
        """The first matching wall time strictly after `wall` (both labelled UTC)."""
        found: datetime | None = self.cron.get_next(wall)[0]
        # aws-croniter gives up (None) after 10 internal steps, which a sparse cron can need:
        # cron(0 0 29 2 ? *) from 2097 has to step over 2100 (not a leap year). A give-up has
        # always ruled out the month it started in, so go on from the next month while the
        # year field allows.
        last_year: int = max(self.cron.years)
        while found is None:
            wall = datetime(wall.year + wall.month // 12, wall.month % 12 + 1, 1, tzinfo=UTC)
            if wall.year > last_year:
                return None
            found = self.cron.get_next(wall, inclusive=True)[0]
        return found


Schedule = RateSchedule | CronSchedule


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
    # aws-croniter splits on single spaces; AWS takes any run of blanks between fields
    fields = body.split()
    if len(fields) == 6 and fields[4].upper() == "L":
        # a bare L in day-of-week is the last day of the week, Saturday (7); aws-croniter
        # accepts it but then never fires it
        fields[4] = "7"
    try:
        cron = AwsCroniter(" ".join(fields))
    except AwsCroniterExpressionError as exc:
        raise TemplateError(f"schedule {text!r}: {exc} (AWS cron: {_CRON_FIELDS})") from exc
    except ValueError as exc:
        # its validation passes a few forms it then cannot expand: `*-5`, `5-*`, `LW`, `0/0`
        raise TemplateError(f"schedule {text!r}: cannot expand it: {exc}") from exc
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TemplateError(f"schedule {text!r}: unknown time zone {timezone!r}") from exc
    return CronSchedule(text, cron, timezone)
