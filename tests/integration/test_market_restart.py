"""The simulated market as `walltrack run` starts it, twice on one data folder: the second start
resumes the market's clock (the market's own and the product's) where the first left it, so
stored runs' schedules stay due on time; a folder of another world is refused, saying why.
The market child is in a session of its own, so a terminal's Ctrl-C does not reach it first."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from walltrack.cli.market import MarketOptions, MarketProcess, spawn_market, wait_until_ready
from walltrack.cli.market_clock import (
    CLOCK_FILE,
    MarketClockKeeper,
    WorldMismatchError,
    resume_options,
)
from walltrack.clock import CLOCK_ENV, Clock, clock_from_text
from walltrack.core.schedules import next_due

SPEED = 600.0  # ten market minutes per second


@pytest.fixture
def options() -> MarketOptions:
    return MarketOptions(seed=7, speed=SPEED, port=free_port(), small=True)


@pytest.fixture(autouse=True)
def _restore_clock_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """wait_until_ready sets the product's clock in the environment, as `walltrack run` does."""
    monkeypatch.setenv(CLOCK_ENV, "")


def _start(options: MarketOptions, data_dir: Path) -> tuple[MarketProcess, Clock]:
    market = spawn_market(resume_options(options, data_dir))
    try:
        wait_until_ready(market, timeout_s=60)
    except BaseException:
        market.stop()
        raise
    return market, clock_from_text(os.environ[CLOCK_ENV])


def _market_time(market: MarketProcess) -> datetime:
    """The market's own clock (a test may read the sim's status; the product never does)."""
    status = httpx.get(f"{market.options.base_url}/__sim/status", timeout=10).json()
    return datetime.fromtimestamp(status["clock"]["nowMs"] / 1000, tz=UTC)


@pytest.fixture
def first_run(options: MarketOptions, tmp_path: Path) -> tuple[datetime, datetime]:
    """A first `walltrack run`: its market, a scheduled run stamped late in it, a clean stop.
    Gives the run's start and the business time saved at the stop."""
    market, clock = _start(options, tmp_path)
    keeper = MarketClockKeeper(tmp_path, market.options, clock)
    try:
        keeper.start()
        time.sleep(1.5)  # fifteen market minutes
        run_started = clock.now()
    finally:
        keeper.stop()
        market.stop()
    saved = json.loads((tmp_path / CLOCK_FILE).read_text(encoding="utf-8"))
    return run_started, datetime.fromisoformat(saved["business_time"])


def test_a_restart_resumes_the_markets_clock_where_it_stopped(
    options: MarketOptions, tmp_path: Path, first_run: tuple[datetime, datetime]
) -> None:
    run_started, saved = first_run
    # Given a first run that reached `saved` on the market's clock and stopped
    assert saved >= run_started > datetime.fromisoformat("2026-03-10T14:10:00+00:00")
    # When `walltrack run` starts again on the same data folder
    market, clock = _start(options, tmp_path)
    try:
        # Then the market's own clock and the product's go on from there, not from the epoch
        assert _market_time(market) >= saved
        resumed = clock.now()
        assert resumed >= saved
        # And a schedule whose last run was the first run's is due within its interval
        interval = timedelta(minutes=5)
        assert next_due(last_started=run_started, interval=interval, now=resumed) <= (
            resumed + interval
        )
    finally:
        market.stop()


def test_another_worlds_data_folder_is_refused_with_the_way_on(
    options: MarketOptions, tmp_path: Path, first_run: tuple[datetime, datetime]
) -> None:
    # Given a data folder made against seed 7's small world
    # When a start asks for another seed, or the default world
    for other in (replace(options, seed=8), replace(options, small=False)):
        with pytest.raises(WorldMismatchError) as refused:
            resume_options(other, tmp_path)
        # Then it is refused, naming both worlds and how to go on
        message = str(refused.value)
        assert "seed 7, small world" in message
        assert "WALLTRACK_DATA_DIR" in message
    # And a change of speed, port or faults is the same world: it resumes
    same = replace(options, speed=1.0, port=free_port(), extra_args=("--error-5xx=0.1",))
    assert resume_options(same, tmp_path).resume_at == first_run[1]


def test_the_market_is_out_of_reach_of_the_terminals_ctrl_c(options: MarketOptions) -> None:
    # When `walltrack run` starts the market
    market = spawn_market(options)
    try:
        # Then the market leads a session of its own: SIGINT to the terminal's process group
        # (ours) does not reach it; `walltrack run` stops it after its own work
        assert os.getsid(market.process.pid) == market.process.pid
        assert os.getpgid(market.process.pid) != os.getpgrp()
    finally:
        market.stop()
