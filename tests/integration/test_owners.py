"""Owners saved to the real embedded Postgres and the real Bolt graph server (issue 16 item 2)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walltrack.config.settings import EnvSettings
from walltrack.core.cluster.analyzer import Edge, EdgeKind, Evidence, Proof
from walltrack.core.cluster.grouping import Grouping, group_owners
from walltrack.core.cluster.ports import OwnersGraph, OwnersStore
from walltrack.data.graph.driver import driver_for
from walltrack.data.graph.repository import GraphRepository
from walltrack.data.models.cluster_settings import ClusterSettings
from walltrack.data.models.owners import GroupingView, OwnersQuery
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.owners import OwnersRepository

AT = datetime(2026, 12, 17, 12, tzinfo=UTC)
LATER = AT + timedelta(hours=6)


def edge(kind: EdgeKind, source: str, target: str, *, count: int = 1) -> Edge:
    proofs = tuple(
        Proof(f"sig-{source}-{target}-{i}", 100 + i, AT, lamports=1_500_000_000, mint=None)
        for i in range(min(count, 10))
    )
    return Edge(kind, source, target, 1.0, count, proofs)


def tree(prefix: str, funder: str, size: int) -> list[Edge]:
    """`size` wallets funded by `funder` (not profiled)."""
    return [edge("FUNDED_BY", f"{prefix}{i}", funder) for i in range(size)]


def grouping_of(edges: list[Edge], wallets: list[str], previous: dict[str, str]) -> Grouping:
    return group_owners(
        Evidence(tuple(edges), frozenset()), wallets, ClusterSettings(), previous=previous
    )


def add_wallets(db: Database, figures: dict[str, tuple[str, str, int, float]]) -> None:
    """wallets rows: address -> (realised PnL, copy edge, trades, score)."""
    with db.connection() as conn:
        for address, (pnl, copy_edge, trades, score) in figures.items():
            conn.execute(
                "insert into public.wallets (address, status, first_seen_at, realised_pnl_sol,"
                " copy_edge, trades, score, is_bot, bot_flags, qualified)"
                " values (%s, 'profiled', %s, %s, %s, %s, %s, false, '{}', true)",
                (address, AT, Decimal(pnl), Decimal(copy_edge), trades, score),
            )


WALLETS = ["a0", "a1", "a2", "b0", "b1", "s0"]
FIGURES = {
    "a0": ("1.000000001", "0.10", 10, 0.9),
    "a1": ("2.5", "0.20", 30, 0.5),
    "a2": ("-0.5", "0.30", 10, 0.4),
    "b0": ("0.1", "0.05", 5, 0.2),
    "b1": ("0.2", "0.05", 5, 0.3),
    "s0": ("9", "0.5", 50, 0.95),
}


@pytest.fixture
def owners(clean_db: Database) -> OwnersRepository:
    add_wallets(clean_db, FIGURES)
    return OwnersRepository(clean_db)


@pytest.fixture
def graph(graph_uri: str) -> GraphRepository:
    return GraphRepository(driver_for(EnvSettings(_env_file=None, neo4j_uri=graph_uri)))


def first_run() -> Grouping:
    return grouping_of([*tree("a", "FA", 3), *tree("b", "FB", 2)], WALLETS, {})


def test_a_run_gives_every_profiled_wallet_an_owner_with_exact_figures(
    owners: OwnersRepository, clean_db: Database
) -> None:
    # Given two funding trees and a wallet alone
    grouping = first_run()
    view: GroupingView = grouping  # the core's grouping is what the adapters read
    store: OwnersStore = owners  # and the adapter is the recipe's port (both checked by mypy)
    # When saved
    store.save_grouping("run-1", grouping, at=AT)
    assert view.owners == grouping.owners
    # Then every profiled wallet has an owner id, the lone wallet its own
    with clean_db.connection() as conn:
        rows = conn.execute("select address, owner_id from public.wallets").fetchall()
    owner_of = {row["address"]: row["owner_id"] for row in rows}
    assert None not in owner_of.values()
    assert owner_of == owners.current_owner_ids()
    assert len({owner_of[a] for a in ("a0", "a1", "a2")}) == 1
    assert owner_of["s0"] not in {owner_of["a0"], owner_of["b0"]}
    # And the owners list pages and sorts by size, PnL and score
    page = owners.owners(OwnersQuery(sort="size", limit=2))
    assert page.total == 3
    assert [o.size for o in page.items] == [3, 2]
    assert page.items[0].members == ["a0", "a1", "a2"]
    by_pnl = owners.owners(OwnersQuery(sort="combined_pnl"))
    assert [o.combined_realised_pnl_sol for o in by_pnl.items] == [
        Decimal(9),
        Decimal("3.000000001"),
        Decimal("0.3"),
    ]
    by_score = owners.owners(OwnersQuery(sort="score", descending=False))
    assert [o.best_score for o in by_score.items] == [0.3, 0.9, 0.95]
    # And the tree's figures: PnL summed exactly, copy edge weighted by trades
    detail = owners.owner(owner_of["a0"])
    assert detail is not None
    assert detail.owner.combined_copy_edge == Decimal("0.2")  # (1 + 6 + 3) / 50
    assert detail.owner.median_copy_edge == Decimal("0.20")
    assert detail.owner.evidence == {"FUNDED_BY": 3}
    assert detail.owner.linked_wallets == 1
    # And its members with their roles and figures, its edges with their proofs, its history
    roles = {m.address: (m.role, m.profiled) for m in detail.members}
    assert roles["FA"] == ("funder", False)
    assert roles["a1"] == ("member", True)
    assert {m.address: m.realised_pnl_sol for m in detail.members}["a1"] == Decimal("2.5")
    assert len(detail.edges) == 3
    assert detail.edges[0].proofs[0].lamports == 1_500_000_000
    assert [(c.kind, c.to_ids) for c in detail.history] == [("new", [owner_of["a0"]])]
    assert owners.owner("own-none") is None
    assert owners.owner_of(["a2", "FA", "zz"]) == {"a2": owner_of["a0"], "FA": owner_of["a0"]}
    assert owners.owner_sizes([owner_of["a0"], owner_of["s0"], "own-none"]) == {
        owner_of["a0"]: 3,
        owner_of["s0"]: 1,
    }


def test_a_second_run_keeps_ids_records_a_split_and_keeps_the_old_owner_readable(
    owners: OwnersRepository,
) -> None:
    # Given a first run saved
    first = first_run()
    owners.save_grouping("run-1", first, at=AT)
    tree_id = first.owner_of["a0"]
    b_id = first.owner_of["b0"]
    # When the next run sees a2 funded elsewhere and b0, b1 no longer linked
    second = grouping_of(
        [*tree("a", "FA", 2), edge("FUNDED_BY", "a2", "FX")], WALLETS, owners.current_owner_ids()
    )
    owners.save_grouping("run-2", second, at=LATER)
    # Then the larger part keeps the id, the splits are in both owners' histories
    now = owners.current_owner_ids()
    assert now["a0"] == tree_id
    assert now["a2"] != tree_id
    detail = owners.owner(tree_id)
    assert detail is not None
    assert [(c.run_id, c.kind) for c in detail.history] == [("run-1", "new"), ("run-2", "split")]
    assert detail.owner.first_seen_at == AT
    assert detail.owner.updated_at == LATER
    assert detail.owner.size == 2
    # And the b owner split in two: b0 kept the id, b1 got a new one
    assert now["b0"] == b_id
    assert owners.owners(OwnersQuery()).total == 5


def test_a_save_that_fails_half_way_leaves_the_previous_run_current(
    owners: OwnersRepository, clean_db: Database
) -> None:
    # Given a first run saved
    owners.save_grouping("run-1", first_run(), at=AT)
    before = owners.current_owner_ids()
    # When the next run's save fails after its owners and members are written (an edge the
    # table refuses: count 0)
    broken = grouping_of(
        [*tree("a", "FA", 3), Edge("FUNDED_BY", "b0", "a0", 1.0, 0, ())], WALLETS, before
    )
    with pytest.raises(Exception, match="owner_edges"):
        owners.save_grouping("run-broken", broken, at=LATER)
    # Then the first run is still current, whole
    assert owners.current_owner_ids() == before
    page = owners.owners(OwnersQuery())
    assert {o.run_id for o in page.items} == {"run-1"}
    with clean_db.connection() as conn:
        changes = conn.execute("select distinct run_id from public.owner_changes").fetchall()
    assert [row["run_id"] for row in changes] == ["run-1"]


def test_graph_writes_are_idempotent_and_follow_the_owners(graph: GraphRepository) -> None:
    # Given evidence of every kind (proofs large enough to need several UNWIND batches)
    edges = [
        *tree("g-a", "g-FA", 60),
        edge("FEE_PAID_BY", "g-b0", "g-payer", count=12),
        edge("FEE_PAID_BY", "g-b1", "g-payer", count=12),
        edge("TRANSFERRED", "g-a0", "g-a1", count=3),
        # a rarity weight with more digits than the embedded engine prints (six decimals)
        Edge("CO_ENTERED", "g-c0", "g-c1", 0.1 * math.log(907 / 31), 2, ()),
    ]
    wallets = [f"g-a{i}" for i in range(60)] + ["g-b0", "g-b1", "g-c0", "g-c1"]
    grouping = grouping_of(edges, wallets, {})
    port: OwnersGraph = graph  # the adapter is the recipe's port (checked by mypy)
    # When written once, then again with no new evidence
    assert port.write_evidence(edges) == len(edges)
    graph.write_owners(grouping)
    once = graph.counts()
    graph.write_evidence(edges)
    moved = graph.write_owners(grouping)
    # Then nothing changed: nodes, relationships and their properties
    assert graph.counts() == once
    assert moved == 0
    # And the owner's evidence reads back with its proof signatures
    stored = graph.owner_evidence(grouping.owner_of["g-b0"])
    fee = [r for r in stored if r["kind"] == "FEE_PAID_BY" and r["source"] == "g-b0"]
    assert fee[0]["count"] == 12
    assert len(fee[0]["signatures"]) == 10
    alone = graph.owner_evidence(grouping.owner_of["g-c0"])
    co_entry = next(r for r in alone if r["kind"] == "CO_ENTERED")
    assert co_entry["weight_micro"] == round(0.1 * math.log(907 / 31) * 1_000_000)
    # When the next run no longer sees g-b1 paid for by the payer (it leaves that owner)
    regrouped = grouping_of(
        [e for e in edges if e.source != "g-b1"], wallets, dict(grouping.owner_of)
    )
    changed = graph.write_owners(regrouped)
    # Then only the moved membership and the new owner are written
    assert changed == 2
    after = graph.counts()
    assert after["nodes"] == once["nodes"] + 1  # g-b1's new owner
    assert after["relationships"] == once["relationships"]
