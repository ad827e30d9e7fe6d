"""Fixtures of the integration tier, each defined once.

A module picks its simulated world and market with constants (all optional):
`SIM_SEED` (small scenario seed, default 7), `SIM_CONFIG` (a `SimConfig`, default frozen) and
`STACK_EXCLUDE` (template functions the local runtime leaves out).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sim.server import SimConfig, SimServer
from sim.world import Scenario, World, build_world
from tests.support.stack import Stack, local_stack
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.database import Database


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
def stack(
    request: pytest.FixtureRequest, base_env: EnvSettings, clean_db: Database, sim: SimServer
) -> Iterator[Stack]:
    """API + template functions + one container, against the module's market."""
    exclude = getattr(request.module, "STACK_EXCLUDE", ())
    with local_stack(base_env, market_url=sim.base_url, exclude=exclude) as running:
        yield running
