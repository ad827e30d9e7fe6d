"""Fixtures of the integration tier, each defined once.

A module picks its simulated world and market with constants (all optional):
`SIM_SEED` (small scenario seed, default 7), `SIM_CONFIG` (a `SimConfig`, default frozen) and
`STACK_EXCLUDE` (template functions the local runtime leaves out); and it may override the
small fixtures `stack_clock` (business time) and `stack_queues` (queue ports to use instead of
the runtime's) rather than the stack itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from sim.server import SimConfig, SimServer
from sim.world import Scenario, World, build_world
from tests.support.stack import Stack, local_stack
from walltrack.clock import Clock
from walltrack.config.settings import EnvSettings
from walltrack.data.models.messages import QueueName
from walltrack.data.postgres.database import Database
from walltrack.runtime.queues import QueuePort


@pytest.fixture(scope="module")
def world(request: pytest.FixtureRequest) -> World:
    """The module's small simulated world (2 h of history)."""
    return build_world(Scenario.small(seed=getattr(request.module, "SIM_SEED", 7)))


@pytest.fixture(scope="module")
def sim(request: pytest.FixtureRequest, world: World) -> Iterator[SimServer]:
    """The module's world served on loopback (frozen clock unless SIM_CONFIG says otherwise)."""
    config = getattr(request.module, "SIM_CONFIG", None) or SimConfig(speed=0)
    with SimServer(world, config) as server:
        yield server


@pytest.fixture
def stack_clock() -> Clock | None:
    """Business time of the stack's container (None: the market's epoch, moving in real time)."""
    return None


@pytest.fixture
def stack_queues() -> Mapping[QueueName, QueuePort] | None:
    """Queue ports the stack's container uses instead of the runtime's (None: none)."""
    return None


@pytest.fixture
def stack(
    request: pytest.FixtureRequest,
    base_env: EnvSettings,
    clean_db: Database,
    sim: SimServer,
    stack_clock: Clock | None,
    stack_queues: Mapping[QueueName, QueuePort] | None,
    auth_headers: dict[str, str],
) -> Iterator[Stack]:
    """API + template functions + one container, against the module's market."""
    with local_stack(
        base_env,
        market_url=sim.base_url,
        exclude=getattr(request.module, "STACK_EXCLUDE", ()),
        clock=stack_clock,
        queues=stack_queues,
        headers=auth_headers,
    ) as running:
        yield running
