"""Reconcile against a Helius that answers 429 with Retry-After: it waits what was asked (on a
virtual clock that the market's rate limiter and request log also read, so a 60 s wait costs
no real time) and still recovers every swap."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sim.server import SimConfig, SimServer
from sim.world import World
from tests.integration.ingest.support import expected_keys, ingested_keys, list_wallets
from tests.integration.ingest.test_reconcile import _most_active
from tests.support.stack import market_env
from walltrack.app.container import Container, build_container
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.database import Database
from walltrack.services.base import RetryPolicy

N_WALLETS = 6
HELIUS_PER_MINUTE = 3


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


def _limit(sim: SimServer, per_minute: int) -> None:
    async def apply() -> None:
        sim.sim.config.rate_limits = {"helius": per_minute} if per_minute else {}
        sim.sim.requests.clear()
        sim.sim.hits.clear()

    sim.call(apply)


@pytest.fixture
def app(base_env: EnvSettings, clean_db: Database, sim: SimServer) -> Iterator[Container]:
    _limit(sim, HELIUS_PER_MINUTE)
    built = build_container(
        market_env(base_env, sim.base_url, helius_plan="free"), transport={"sleep": CLOCK.sleep}
    )
    yield built
    built.close()
    _limit(sim, 0)


def test_reconcile_waits_out_a_429_and_recovers_everything(
    app: Container, sim: SimServer, world: World
) -> None:
    # Given 6 listed wallets, listed 40 minutes ago, and Helius allowing 3 requests a minute
    wallets = _most_active(world, N_WALLETS)
    since = datetime.fromtimestamp(world.now_ms / 1000, tz=UTC) - timedelta(minutes=40)
    list_wallets(app, wallets, since=since)
    since_s = int(since.timestamp())
    truth = expected_keys(
        world, wallets, [tx for tx in range(world.n_tx()) if world.t_ts[tx] // 1000 >= since_s]
    )
    assert truth
    # When reconcile runs (one history read per wallet at least: more than the minute allows)
    report = app.reconcile.run()
    # Then it succeeded and recovered every swap of the listed wallets since their listing
    assert report.error is None
    assert report.wallets_done == N_WALLETS
    assert ingested_keys(app, via="reconcile") == set(truth)
    assert report.swaps_recovered == len(truth)
    # And Helius did answer 429s, after each of which the next request came no sooner than
    # the Retry-After it asked for (the client slept exactly that)
    log = httpx.get(f"{sim.base_url}/__sim/requests", params={"log": "1"}, timeout=10).json()
    rows = log["groups"]["helius"]["log"]
    assert log["groups"]["helius"]["rateLimited"] >= 1, rows
    retry_afters = []
    for (at, status, retry_after), (next_at, _, _) in itertools.pairwise(rows):
        if status == 429:
            assert next_at - at >= retry_after, rows
            retry_afters.append(retry_after)
    assert retry_afters
    assert set(retry_afters) <= set(CLOCK.slept)
    assert rows[-1][1] == 200


def test_a_longer_outage_ends_the_run_and_the_next_resumes_from_the_cursors(
    base_env: EnvSettings, clean_db: Database, sim: SimServer, world: World
) -> None:
    # Given a client that does not wait more than 1 s for Helius, which allows 3 calls a minute
    _limit(sim, HELIUS_PER_MINUTE)
    app = build_container(
        market_env(base_env, sim.base_url, helius_plan="free"),
        transport={"sleep": CLOCK.sleep, "retry": RetryPolicy(max_retry_after_s=1)},
    )
    try:
        wallets = _most_active(world, N_WALLETS)
        since = datetime.fromtimestamp(world.now_ms / 1000, tz=UTC) - timedelta(minutes=40)
        list_wallets(app, wallets, since=since)
        since_s = int(since.timestamp())
        truth = expected_keys(
            world, wallets, [tx for tx in range(world.n_tx()) if world.t_ts[tx] // 1000 >= since_s]
        )
        # When reconcile runs into the limit
        first = app.reconcile.run()
        # Then the run ends failed, naming the upstream, with the wallets read before it kept
        assert first.error is not None
        assert "429" in first.error
        assert 0 < first.wallets_done < N_WALLETS
        run = app.runs.recent(limit=1, job="reconcile")[0]
        assert (run.status, run.error) == ("failed", first.error)
        assert len(app.ingest_repo.cursors(wallets)) == first.wallets_done
        # When Helius allows calls again and the next run comes
        _limit(sim, 0)
        second = app.reconcile.run()
        # Then it finishes, and the two runs together recovered every swap exactly once
        assert second.error is None
        assert ingested_keys(app, via="reconcile") == set(truth)
        assert first.swaps_recovered + second.swaps_recovered == len(truth)
    finally:
        app.close()
