"""When a settings-driven schedule is due.

The template's schedules tick every minute (EventBridge in AWS, timers locally); each tick asks
"is this job due?" against its interval setting and its last run. So an interval change in the
Settings tab takes effect at the next tick, without redeploying or restarting anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict


class ScheduleState(BaseModel):
    """A scheduled job as the Status tab shows it."""

    model_config = ConfigDict(frozen=True)

    job: str
    enabled: bool
    interval_minutes: int
    last_started_at: datetime | None
    next_run_at: datetime | None


def next_due(*, last_started: datetime | None, interval: timedelta, now: datetime) -> datetime:
    """A job that never ran is due now; otherwise one interval after its last start."""
    if last_started is None:
        return now
    return last_started + interval


def is_due(*, last_started: datetime | None, interval: timedelta, now: datetime) -> bool:
    return now >= next_due(last_started=last_started, interval=interval, now=now)


def schedule_state(
    *,
    job: str,
    enabled: bool,
    interval_minutes: int,
    last_started: datetime | None,
    now: datetime,
) -> ScheduleState:
    due = next_due(last_started=last_started, interval=timedelta(minutes=interval_minutes), now=now)
    return ScheduleState(
        job=job,
        enabled=enabled,
        interval_minutes=interval_minutes,
        last_started_at=last_started,
        next_run_at=max(due, now) if enabled else None,
    )
