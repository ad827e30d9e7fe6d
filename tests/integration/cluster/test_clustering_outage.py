"""A graph server that stops in the middle of a clustering run: the run ends failed with the
reason, Postgres's current owners and the graph's data stay as the last good run left them,
and once the server is back the next run succeeds. On a graph engine of this module's own (the
session's stays up for the other tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sim.server import SimServer
from sim.world import Scenario, World, build_world
from tests.conftest import free_port
from tests.integration.cluster.support import graph_size, mark_profiled, picked_wallets, run_to_end
from tests.support.stack import Stack, local_stack
from walltrack.config.settings import EnvSettings
from walltrack.data.graph.embedded import EmbeddedGraph


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(Scenario.calibrated(seed=1))


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedGraph]:
    started = EmbeddedGraph(
        tmp_path_factory.mktemp("outage-graph"), bolt_port=free_port(), redis_port=free_port()
    )
    started.start()
    yield started
    started.close()


@pytest.fixture
def own_stack(
    base_env: EnvSettings,
    engine: EmbeddedGraph,
    sim: SimServer,
    auth_headers: dict[str, str],
) -> Iterator[Stack]:
    env = base_env.model_copy(update={"neo4j_uri": engine.uri, "graph_connect_timeout_s": 1})
    with local_stack(env, market_url=sim.base_url, headers=auth_headers) as running:
        yield running


def test_a_graph_outage_mid_run_fails_it_cleanly_and_the_next_run_succeeds(
    own_stack: Stack, engine: EmbeddedGraph, world: World
) -> None:
    # Given wallets clustered once, the graph and the owners as that run left them
    stack, app = own_stack, own_stack.container
    wallets = picked_wallets(world, others=2)
    mark_profiled(app.db, wallets[:-1], at=app.clock.now())
    assert run_to_end(stack).status == "succeeded"
    owners_before = app.owners.current_owner_ids()
    graph_before = graph_size(app)
    # And one more profiled wallet since
    mark_profiled(app.db, wallets[-1:], at=app.clock.now())

    # When a run starts, a first batch of wallets is collected, then the graph server stops
    # (its port closed too: connections are refused, as from a server that is down)
    started = app.clustering.start_manual()
    assert stack.runtime.tick() > 0
    engine.close()
    try:
        stack.runtime.run_until_idle()
        failed = app.runs.get(started.run_id)
        # Then the run ended failed, saying the graph was unavailable
        assert failed is not None
        assert failed.status == "failed", failed
        assert failed.error is not None
        assert failed.error.startswith("graph unavailable")
        assert "owners not written" in failed.error
        # And Postgres's current owners are still the first run's (the new wallet has none)
        assert app.owners.current_owner_ids() == owners_before
        assert app.owners.owner_of(wallets[-1:]) == {}
        # And no evidence message waits or went to the DLQ (the run is recorded, not retried)
        assert stack.runtime.queue("ClusterEvidenceQueue").approximate_count() == 0
        assert stack.runtime.queue("ClusterEvidenceDLQ").approximate_count() == 0
    finally:
        engine.start()

    # When the graph server is back: its data is what the first run wrote
    assert graph_size(app) == graph_before
    # And the next run succeeds: every wallet, the new one too, has its owner
    again = run_to_end(stack)
    assert again.status == "succeeded", again.error
    assert set(app.owners.current_owner_ids()) == set(wallets)
