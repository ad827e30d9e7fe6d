"""A clustering run end to end on the calibrated world (real Postgres, the real Bolt graph
server, the served market, the local runtime's queues): every profiled wallet gets an owner,
hop-funded insiders come out as one owner each, Helius is asked once per page, and a second
run with nothing new changes nothing. The sim's truth picks the wallets and judges; the
product never reads it."""

from __future__ import annotations

import pytest

from sim.world import Scenario, World, build_world
from tests.integration.cluster.support import (
    HOP_CLUSTERS,
    Wire,
    count_pages,
    graph_size,
    mark_profiled,
    members,
    picked_wallets,
    run_to_end,
)
from tests.support.stack import Stack
from walltrack.data.models.cluster_settings import ClusterSettings


@pytest.fixture(scope="module")
def world() -> World:
    """Calibrated seed 1: owners hidden behind hop chains, exchanges and copy bots."""
    return build_world(Scenario.calibrated(seed=1))


def test_a_run_gives_every_wallet_an_owner_and_a_rerun_with_nothing_new_changes_nothing(
    stack: Stack, world: World
) -> None:
    # Given 36 profiled wallets: two insider clusters funded through hop chains, a directly
    # funded one, smart and retail wallets; Helius pages counted on the wire
    app = stack.container
    wire = Wire()
    count_pages(app, wire)
    wallets = picked_wallets(world)
    mark_profiled(app.db, wallets, at=app.clock.now())
    hop_limit = ClusterSettings().hop_limit

    # When a clustering run goes to its end through the cluster evidence queue
    run = run_to_end(stack)

    # Then it succeeded, every wallet counted once, and every profiled wallet has an owner
    assert run.status == "succeeded", run.error
    assert run.counts["wallets"] == run.counts["wallets_done"] == len(wallets)
    owner_of = app.owners.owner_of(wallets)
    assert set(owner_of) == set(wallets)
    # And each hop-funded insider cluster is one owner, reached up the chains: the truth's
    # funder at their top is that owner's too (a member linking the others)
    for cluster in HOP_CLUSTERS:
        [owner] = {owner_of[a] for a in members(world, cluster)}
        funder = world.addr[world.cluster_funder[cluster]]
        assert app.owners.owner_of([funder]) == {funder: owner}, cluster
    # And Helius was asked for each address's first page once, oldest first, never paged on,
    # at most `hop_limit` pages per wallet (its own and its funders' up the chain)
    assert wire.pages, "no history page was read"
    assert set(wire.pages.values()) == {1}
    assert all(p.get("sort-order") == "asc" for p in wire.params)
    assert not any("before-signature" in p for p in wire.params)
    assert sum(wire.pages.values()) <= hop_limit * len(wallets)
    assert set(wallets) <= set(wire.pages)
    assert run.counts["helius_calls"] == sum(wire.pages.values())

    # Given the graph and the owners as the first run left them
    before = graph_size(app)
    owners_before = app.owners.current_owner_ids()
    wire.reset()
    # When a second run finds no new evidence (every page cached within the staleness)
    again = run_to_end(stack)
    # Then it asked Helius nothing, and changed nothing: same nodes, relationships and
    # properties in the graph, the same owner ids for every wallet
    assert again.status == "succeeded", again.error
    assert sum(wire.pages.values()) == 0
    assert graph_size(app) == before
    assert app.owners.current_owner_ids() == owners_before
    assert again.counts["unchanged"] == again.counts["owners"]


def test_stale_evidence_is_read_again_once_per_run(stack: Stack, world: World) -> None:
    # Given wallets clustered once, then a staleness of 0 h (every cached page is stale)
    app = stack.container
    wire = Wire()
    count_pages(app, wire)
    wallets = picked_wallets(world, others=2)
    mark_profiled(app.db, wallets, at=app.clock.now())
    assert run_to_end(stack).status == "succeeded"
    first = dict(wire.pages)
    answer = stack.client.put("/config/clustering", json={"evidence_stale_after_hours": 0})
    assert answer.status_code == 200, answer.text
    wire.reset()
    # When the next run goes
    run = run_to_end(stack)
    # Then every page is read again, once in the run though funders are shared by wallets
    assert run.status == "succeeded", run.error
    assert dict(wire.pages) == first


def test_the_schedule_starts_a_run_when_due_and_one_run_at_a_time(
    stack: Stack, world: World
) -> None:
    # Given two profiled wallets and no clustering run yet
    app = stack.container
    wallets = picked_wallets(world, others=1)[-2:]
    mark_profiled(app.db, wallets, at=app.clock.now())
    # When the schedule ticks: never ran, so due
    first = app.clustering.tick()
    # Then a run starts, one evidence message per wallet
    assert first is not None
    assert first.started
    assert stack.runtime.queue("ClusterEvidenceQueue").approximate_count() == len(wallets)
    # And a tick within the interval starts nothing, records nothing
    assert app.clustering.tick() is None
    assert [r.id for r in app.runs.recent(job="clustering")] == [first.run_id]
    # And a manual run while it goes on is that run, and queues nothing more
    again = app.clustering.start_manual()
    assert (again.run_id, again.started) == (first.run_id, False)
    assert stack.runtime.queue("ClusterEvidenceQueue").approximate_count() == len(wallets)
    # When its messages are handled, it ends; with scheduled clustering off no tick starts one
    stack.runtime.run_until_idle()
    done = app.runs.get(first.run_id)
    assert done is not None
    assert done.status == "succeeded", done.error
    assert stack.client.put("/config/clustering", json={"scheduled_clustering": False}).is_success
    assert app.clustering.schedule().next_run_at is None
    with app.db.connection() as conn:  # as if it never ran: due again
        conn.execute("delete from public.schedule_runs where job = 'clustering'")
    assert app.clustering.tick() is None
    assert app.runs.recent(job="clustering") == []
