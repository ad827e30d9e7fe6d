"""Step 2 against a market that moves: a token the simulated market rugs (liquidity pulled from
its AMM pool after graduation) is marked rugged by token_refresh, run by its schedule from
template.yaml. The market and business clocks are stepped together, so the test waits for
nothing. Only the choice of token reads the sim's truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sim.server import SimClock, SimServer
from sim.world import Scenario, World, build_world
from tests.support.stack import EPOCH, Stack
from walltrack.clock import ManualClock

SIM_SEED = 5  # its small world has a graduated token rugged a few minutes after the history ends


@pytest.fixture
def business_clock() -> ManualClock:
    return ManualClock(EPOCH)


@pytest.fixture
def stack_clock(business_clock: ManualClock) -> ManualClock:
    """This module's stack keeps business time on a clock the test steps with the market."""
    return business_clock


def _step_to(sim: SimServer, business_clock: ManualClock, at_ms: int) -> None:
    """Move the market to `at_ms` and the product's business clock with it (both frozen)."""
    sim.sim.clock = SimClock(at_ms, 0)
    sim.call(sim.sim.tick)
    business_clock.set(datetime.fromtimestamp(at_ms / 1000, tz=UTC))


def _future_rug(world: World) -> tuple[str, int]:
    """Truth: a token graduated before the history ended whose liquidity is pulled later."""
    start = world.now_ms
    probe = build_world(Scenario.small(seed=SIM_SEED))
    probe.advance_to(start + 3_600_000)
    for token in probe.truth()["tokens"]:
        graduated, rugged = token.get("graduatedAt"), token.get("ruggedAt")
        live = bool(graduated and rugged and graduated * 1000 < start < rugged * 1000)
        if token["fate"] == "rug" and live:
            return token["mint"], rugged * 1000
    raise AssertionError("this seed no longer has a live rug: pick another")


def test_a_token_the_market_rugs_is_marked_rugged_by_the_schedule(
    stack: Stack, sim: SimServer, world: World, business_clock: ManualClock
) -> None:
    client, runtime = stack.client, stack.runtime
    mint, rugged_ms = _future_rug(world)
    start = world.now_ms
    assert client.put("/config/token_refresh", json={"interval_minutes": 1}).status_code == 200
    # Given the token tracked while its pool still has liquidity
    _step_to(sim, business_clock, start)
    assert client.post("/discovery/tokens", json={"mint": mint}).status_code == 201
    before = client.get(f"/discovery/tokens/{mint}").json()
    assert before["token"]["status"] == "active"
    assert float(before["token"]["market"]["liquidity_usd"]) > 0
    # When the market moves past the rug and token_refresh's schedule ticks each minute
    moment = start
    while moment < rugged_ms + 3 * 60_000:
        moment += 60_000
        _step_to(sim, business_clock, moment)
        runtime.fire_schedule("TokenRefreshFunction")
    # Then the token is marked rugged, with the liquidity drop as the reason
    after = client.get(f"/discovery/tokens/{mint}").json()
    assert after["token"]["status"] == "rugged", after["token"]
    assert "liquidity" in after["token"]["status_reason"]
    assert len(after["snapshots"]) >= 3
    runs = client.get("/status/schedule-runs").json()
    assert any(r["job"] == "token_refresh" and r["status"] == "succeeded" for r in runs)
    # (the market said so too: its truth has the token rugged before the last refresh)
    truth = httpx.get(f"{sim.base_url}/__sim/truth").json()
    [token] = [t for t in truth["tokens"] if t["mint"] == mint]
    assert token["ruggedAt"] * 1000 == rugged_ms
    assert rugged_ms < moment - timedelta(minutes=2).total_seconds() * 1000
