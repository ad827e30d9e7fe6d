"""The product's one clock type: business time, read through `Clock.now()`.

Business time (pair ages, snapshot times, schedules, run records, `Retry-After` dates) must
agree with the market the product trades against. Against the real world that is the wall
clock (`SystemClock`). Against the local simulated market, whose world starts at a fixed epoch
and may run N times faster, `walltrack run` sets `WALLTRACK_CLOCK="<market ISO time>@<unix
seconds>x<speed>"` (`ScaledClock`): at wall time <unix seconds> the market read <market ISO
time>, and it advances <speed> times as fast. Tests move a `ManualClock` by hand.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

CLOCK_ENV = "WALLTRACK_CLOCK"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current business time, timezone-aware UTC."""
        ...


class SystemClock:
    """The wall clock (production)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class ScaledClock:
    """Market time = anchor + (wall seconds since anchor_wall) x speed."""

    anchor: datetime
    anchor_wall: float
    speed: float

    def now(self) -> datetime:
        return self.anchor + timedelta(seconds=(time.time() - self.anchor_wall) * self.speed)

    def encode(self) -> str:
        return f"{self.anchor.isoformat()}@{self.anchor_wall:.3f}x{self.speed:g}"

    @classmethod
    def parse(cls, text: str) -> ScaledClock:
        try:
            anchor_text, rest = text.split("@", 1)
            wall_text, speed_text = rest.split("x", 1)
            anchor = datetime.fromisoformat(anchor_text.replace("Z", "+00:00"))
            clock = cls(anchor.astimezone(UTC), float(wall_text), float(speed_text))
        except ValueError as exc:
            raise ValueError(
                f"{CLOCK_ENV} must look like 2026-03-10T14:00:00Z@1764460000.0x60, got {text!r}"
            ) from exc
        if clock.speed < 0:
            raise ValueError(f"{CLOCK_ENV} speed must be ≥ 0 (0 = frozen), got {clock.speed}")
        return clock


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


def clock_from_text(text: str | None) -> Clock:
    """The clock `WALLTRACK_CLOCK` names: scaled market time, or the wall clock when unset."""
    return ScaledClock.parse(text) if text else SystemClock()
