"""The product's clock: wall-clock UTC in production; the market's clock beside a simulation.

Business time (pair ages, snapshot times, schedules, run records) must agree with the market
the product trades against. Against the real world that is the wall clock. Against the local
simulated market, whose world starts at a fixed epoch and may run N times faster, `walltrack run`
sets `WALLTRACK_CLOCK="<market ISO time>@<unix seconds>x<speed>"`: at wall time <unix seconds>
the market read <market ISO time>, and it advances <speed> times as fast.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]

CLOCK_ENV = "WALLTRACK_CLOCK"


@dataclass(frozen=True)
class ScaledClock:
    """Market time = anchor + (wall seconds since anchor_wall) x speed."""

    anchor: datetime
    anchor_wall: float
    speed: float

    def __call__(self) -> datetime:
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


def wall_clock() -> datetime:
    return datetime.now(tz=UTC)


_cache: tuple[str | None, Clock] | None = None


def product_clock() -> Clock:
    """The clock named by the environment (re-read when the variable changes)."""
    global _cache  # noqa: PLW0603 - a one-entry cache of the parsed variable
    text = os.environ.get(CLOCK_ENV) or None
    if _cache is None or _cache[0] != text:
        _cache = (text, ScaledClock.parse(text) if text else wall_clock)
    return _cache[1]


def now() -> datetime:
    """Business 'now' (UTC, aware)."""
    return product_clock()()
