"""Steps 1-2 under DexScreener faults, through the real jobs (TokenDiscoveryJobs) of a real
container, real Postgres and the simulated market: 429 + Retry-After, malformed items, repeated
5xx.

The service clients sleep on a virtual clock that the sim's rate limiter and request log also
read, so a 60 s Retry-After costs no real time while every timestamp stays consistent.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from sim.server import DOCUMENTED_LIMITS, SimConfig, SimServer, max_in_window
from tests.support.stack import EPOCH, RELAXED, market_env
from walltrack.app.container import Container, build_container
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.database import Database
from walltrack.services.errors import TemporaryServiceError

REJECT_ALL = RELAXED | {"min_liquidity_usd": "1000000000"}  # no safety calls: fast
FEW_PASS = RELAXED | {"min_liquidity_usd": "20000"}  # the small world's two deep pools


class VirtualClock:
    """Monotonic seconds plus every pause the client 'slept' (without waiting for it)."""

    def __init__(self) -> None:
        self.skipped = 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return time.monotonic() + self.skipped

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.skipped += seconds
        await asyncio.sleep(0)


CLOCK = VirtualClock()
SIM_CONFIG = SimConfig(speed=0, clock=CLOCK.now)


class TickingClock:
    """Business time: the market's, one second on per reading."""

    def __init__(self) -> None:
        self._ticks = itertools.count()

    def now(self) -> datetime:
        return EPOCH + timedelta(seconds=next(self._ticks))


def _set_faults(sim: SimServer, **knobs: Any) -> None:
    """Set the sim's fault knobs and start a fresh request log (on the server's loop)."""

    async def apply() -> None:
        app = sim.sim
        app.config.rate_limits = knobs.get("rate_limits", {})
        app.config.dex_error_5xx = knobs.get("dex_error_5xx", 0.0)
        app.config.dex_malformed = knobs.get("dex_malformed", 0.0)
        app.requests.clear()
        app.hits.clear()

    sim.call(apply)
    CLOCK.slept.clear()


@pytest.fixture
def app(base_env: EnvSettings, clean_db: Database, sim: SimServer) -> Iterator[Container]:
    """A container on the market whose clients take their retry pauses on the virtual clock
    (no queue is configured: step 3 is not part of these tests; announcements stay in the
    outbox)."""
    _set_faults(sim)
    built = build_container(
        market_env(base_env, sim.base_url, helius_plan="free"),
        clock=TickingClock(),
        transport={"sleep": CLOCK.sleep},
    )
    yield built
    built.close()
    _set_faults(sim)


def _configure(app: Container, values: dict[str, Any]) -> None:
    app.step_settings.update("token_discovery", values)


def _request_log(sim: SimServer) -> dict[str, Any]:
    groups: dict[str, Any] = httpx.get(
        f"{sim.base_url}/__sim/requests", params={"log": "1"}, timeout=10
    ).json()["groups"]
    return groups


def _last_run(app: Container, job: str) -> Any:
    return app.runs.recent(limit=1, job=job)[0]


def test_rate_limited_scan_waits_what_retry_after_asks_and_keeps_to_the_documented_limits(
    app: Container, sim: SimServer
) -> None:
    # Given DexScreener allowing only 2 requests a minute per group (documented: 60 and 300)
    # and a scan that needs 3 feed calls and 3 pair calls (tokens/v1 + two searches)
    _set_faults(sim, rate_limits={"dex_slow": 2, "dex_fast": 2})
    _configure(app, REJECT_ALL | {"search_terms": ["pepe", "cat"]})
    # When the scan runs
    report = app.token_jobs.scan()
    # Then it succeeded with every source's candidates
    run = _last_run(app, "token_scan")
    assert run.status == "succeeded", run.error
    assert run.counts["candidates"] == report.candidates > 0
    log = _request_log(sim)
    retry_afters: list[float] = []
    for group in ("dex_slow", "dex_fast"):
        rows = log[group]["log"]
        # And the market did answer 429s ...
        assert log[group]["rateLimited"] >= 1, rows
        # ... after each of which the next request came no sooner than Retry-After
        for (at, status, retry_after), (next_at, _, _) in itertools.pairwise(rows):
            if status == 429:
                assert next_at - at >= retry_after, rows
                retry_afters.append(retry_after)
        assert rows[-1][1] == 200
        # And no minute held more admitted requests than the (tightened) limit
        assert log[group]["maxAdmittedPerWindow"] <= 2
        # And the client's own pacing keeps any minute under the documented limit: consecutive
        # requests at least 60 s / limit apart (50 ms slack for loopback jitter)
        times = [row[0] for row in rows]
        spacing = 60 / DOCUMENTED_LIMITS[group]
        assert min(b - a for a, b in itertools.pairwise(times)) >= spacing - 0.05
        assert max_in_window(times) <= DOCUMENTED_LIMITS[group]
    # And the client waited exactly what the server asked for (no exponential guess)
    assert sorted(CLOCK.slept) == sorted(retry_afters)


def test_a_malformed_item_is_skipped_and_counted_and_the_scan_goes_on(
    app: Container, sim: SimServer
) -> None:
    # Given DexScreener breaking one profile/boost/pair in ten (fixed by the seed)
    _set_faults(sim, dex_malformed=0.1)
    _configure(app, FEW_PASS)
    world = sim.sim.world
    launched = [t for t in world.tokens[1:] if t.created_ms <= world.now_ms]
    broken_pair = {
        t.mint
        for t in launched
        if sim.sim.is_malformed("pair", world.addr[world.pool_entity[t.active_pool]])
    }
    served_before = sim.sim.malformed_served
    # When the scan runs
    report = app.token_jobs.scan()
    # Then the run succeeded and counts exactly the items the market broke
    run = _last_run(app, "token_scan")
    assert run.status == "succeeded", run.error
    served = sim.sim.malformed_served - served_before
    assert served > 0
    assert run.counts["skipped_malformed"] == served
    # And a token whose pair came broken is left out, the others went on through the steps
    kept = [app.tokens.get(t.mint) for t in launched]  # rejected ones are kept too, flagged
    stored = [k.mint for k in kept if k is not None and k.filters_passed]
    considered = set(report.rejected) | set(stored)
    assert considered, "candidates reached the filters"
    assert not considered & broken_pair
    assert run.counts["new_tokens"] == report.passed_filters == len(stored) >= 1
    assert all(app.tokens.snapshots(m) for m in stored)


def test_repeated_5xx_fails_the_run_with_the_error_and_keeps_previous_data(
    app: Container, sim: SimServer
) -> None:
    # Given a stored token (the market's deepest pool) with its first snapshot
    world = sim.sim.world
    deepest = max(world.tokens[1:], key=lambda t: world.pools[t.active_pool].real_quote)
    app.token_jobs.add(deepest.mint)
    mints = app.tokens.active_mints()
    assert mints == [deepest.mint]
    before = {m: (app.tokens.get(m), app.tokens.snapshots(m)) for m in mints}
    # And DexScreener answering 503 to every call
    _set_faults(sim, dex_error_5xx=1.0)
    # When a scan and a refresh run
    with pytest.raises(TemporaryServiceError):
        app.token_jobs.scan()
    with pytest.raises(TemporaryServiceError):
        app.token_jobs.refresh()
    # Then both runs are recorded failed, naming the HTTP error
    for job in ("token_scan", "token_refresh"):
        run = _last_run(app, job)
        assert run.status == "failed"
        assert run.error is not None
        assert "HTTP 503" in run.error
    # And each gave up on its first call after the retries (4 attempts, backoff between them)
    log = _request_log(sim)
    assert [row[1] for row in log["dex_slow"]["log"]] == [503] * 4
    assert [row[1] for row in log["dex_fast"]["log"]] == [503] * 4
    assert len(CLOCK.slept) == 6
    # And the tokens and their snapshots are exactly as before
    assert app.tokens.active_mints() == mints
    assert {m: (app.tokens.get(m), app.tokens.snapshots(m)) for m in mints} == before
