"""The simulated market's clock across restarts of `walltrack run`.

Everything the product stores is stamped with business time, the market's clock: runs and their
schedules' next run, snapshots, token ages, queue visibility. A market that started again at its
epoch would put all of it in the future (no scheduled run due for hours, ages going backwards).
So the stack writes the business time it has reached to `<data dir>/market-clock.json` (every
`HEARTBEAT_S` and once more when it stops), and the next start asks the market, through its
command line (`--resume-at`), to run its world up to that time before serving. The product
tells the market a time only; it never reads the market's own state.

The file also names the world (seed, size, world-shaping sim options): data made against one
world means nothing in another, so a start with a different world is refused, saying how to go
on. A stack killed without stopping (`kill -9`) may have stamped up to one heartbeat of business
time after its last write, so that start resumes one heartbeat later.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from walltrack.cli.market import SIM_EPOCH, MarketOptions, MarketStartError
from walltrack.clock import Clock
from walltrack.log import get_logger

CLOCK_FILE = "market-clock.json"
HEARTBEAT_S = 1.0

log = get_logger(component="market_clock")


class WorldMismatchError(MarketStartError):
    """The data folder holds another simulated world's data."""


def _describe(world: dict[str, Any]) -> str:
    size = "small" if world.get("small") else "default"
    text = f"seed {world.get('seed')}, {world.get('scenario') or size} world"
    if world.get("history_hours") is not None:
        text += f", {world['history_hours']} h of history"
    return text


def resume_options(options: MarketOptions, data_dir: Path) -> MarketOptions:
    """`options` with the market resuming where this data folder's last run left it
    (unchanged on a first start). Raises `WorldMismatchError` for another world's folder."""
    path = data_dir / CLOCK_FILE
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        world, reached = saved["world"], datetime.fromisoformat(saved["business_time"])
        speed, stopped = float(saved["speed"]), bool(saved["stopped"])
    except FileNotFoundError:
        return options
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MarketStartError(
            f"{path} cannot be read ({type(exc).__name__}: {exc}); delete it to start the "
            "simulated market at its epoch (stored runs then lie in its future)"
        ) from None
    if world != options.world():
        raise WorldMismatchError(
            f"the data in {data_dir} belongs to the simulated market's {_describe(world)}, "
            f"which had reached {reached.isoformat()}; this start asks for the "
            f"{_describe(options.world())}. Start with the same market options, or give this "
            "world its own folder (WALLTRACK_DATA_DIR=...), or delete the folder to start afresh."
        )
    if not stopped:  # killed: it may have stamped times up to one heartbeat after the file's
        reached += timedelta(seconds=HEARTBEAT_S * speed)
    return replace(options, resume_at=max(reached, datetime.fromisoformat(SIM_EPOCH)))


class MarketClockKeeper:
    """Keeps `<data dir>/market-clock.json` at the business time the stack has reached."""

    def __init__(self, data_dir: Path, options: MarketOptions, clock: Clock) -> None:
        self._path = data_dir / CLOCK_FILE
        self._options = options
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="market-clock", daemon=True)

    def start(self) -> None:
        self.write(stopped=False)
        self._thread.start()

    def stop(self) -> None:
        """The last write, marked as a clean stop (the next start resumes exactly there)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.write(stopped=True)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                self.write(stopped=False)
            except OSError as exc:  # a full disk must not stop the stack; the next beat retries
                log.warning("market clock not saved", path=str(self._path), error=str(exc))

    def write(self, *, stopped: bool) -> None:
        record = {
            "world": self._options.world(),
            "business_time": self._clock.now().isoformat(),
            "speed": self._options.speed,
            "stopped": stopped,
        }
        # Written whole then renamed: a crash mid-write leaves the previous file, never half one.
        temporary = self._path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(temporary, self._path)
