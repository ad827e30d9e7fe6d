"""Clocks for the local runner: the real one, and a manual one so tests control time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """Time moves only when a test says so: schedules and visibility timeouts become exact."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, when: datetime) -> datetime:
        """Jump to `when` (not earlier than now)."""
        with self._lock:
            if when < self._now:
                raise ValueError("time only moves forward")
            self._now = when.astimezone(UTC)
            return self._now
