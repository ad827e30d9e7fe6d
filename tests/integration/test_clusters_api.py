"""Step 4's routes on the real embedded Postgres: owners saved by the real store (a grouping of
hand-built evidence), read back through the API as the Clusters and Wallets tabs read them; a
run started through the API is recorded once (one at a time)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import base58
import pytest
from fastapi.testclient import TestClient

from walltrack.api.app import create_app
from walltrack.app.container import Container
from walltrack.core.cluster.analyzer import Edge, EdgeKind, Evidence, Proof
from walltrack.core.cluster.grouping import Grouping, group_owners
from walltrack.data.models.cluster_settings import ClusterSettings

AT = datetime(2026, 12, 17, 12, tzinfo=UTC)


def _address(i: int) -> str:
    return base58.b58encode(bytes([i]) * 32).decode()


TREE = [_address(i) for i in (1, 2, 3)]  # one owner: funded through the same funder
PAIR = [_address(i) for i in (4, 5)]  # another, linked by a shared fee payer
ALONE = _address(6)  # a wallet alone: its own owner
FUNDER, PAYER = _address(7), _address(8)
WALLETS = [*TREE, *PAIR, ALONE]
FIGURES = {  # realised PnL, copy edge, trades, score, bot flags
    TREE[0]: ("1.000000001", "0.10", 10, 0.9, []),
    TREE[1]: ("2.5", "0.20", 30, 0.5, []),
    TREE[2]: ("-0.5", "0.30", 10, 0.4, ["launch_sniper"]),
    PAIR[0]: ("0.1", "0.05", 5, 0.2, []),
    PAIR[1]: ("0.2", "0.05", 5, 0.3, []),
    ALONE: ("9", "0.5", 50, 0.95, []),
}
SIGNATURE = "3" * 87


def _edge(kind: EdgeKind, source: str, target: str, *, count: int = 1) -> Edge:
    proofs = tuple(
        Proof(SIGNATURE, 100 + i, AT, lamports=1_500_000_000) for i in range(min(count, 10))
    )
    return Edge(kind, source, target, 1.0, count, proofs)


def _grouping(previous: dict[str, str]) -> Grouping:
    edges = [
        *(_edge("FUNDED_BY", wallet, FUNDER) for wallet in TREE),
        *(_edge("FEE_PAID_BY", wallet, PAYER, count=4) for wallet in PAIR),
    ]
    return group_owners(
        Evidence(tuple(edges), frozenset()), WALLETS, ClusterSettings(), previous=previous
    )


@pytest.fixture
def api(container: Container, auth_headers: dict[str, str]) -> Iterator[TestClient]:
    """The API over the composition root on the session's Postgres, with profiled wallets."""
    with container.db.connection() as conn:
        for address, (pnl, copy_edge, trades, score, flags) in FIGURES.items():
            conn.execute(
                "insert into public.wallets (address, status, first_seen_at, profiled_at,"
                " realised_pnl_sol, copy_edge, trades, score, is_bot, bot_flags, qualified)"
                " values (%s, 'profiled', %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (address, AT, AT, Decimal(pnl), Decimal(copy_edge), trades, score, bool(flags),
                 flags, not flags),
            )  # fmt: skip
    with TestClient(create_app(container), headers=auth_headers) as client:
        yield client


def test_before_any_run_there_are_no_owners_and_wallets_have_none(api: TestClient) -> None:
    listed = api.get("/clusters")
    assert listed.status_code == 200
    assert (listed.json()["items"], listed.json()["total"]) == ([], 0)
    assert api.get(f"/wallets/{TREE[0]}").json()["owner"] is None
    assert api.get("/wallets").json()["owners"] == {}
    missing = api.get("/clusters/own-0000000000000000")
    assert missing.status_code == 404
    assert missing.json() == {"message": "unknown owner own-0000000000000000"}


def test_a_saved_run_is_listed_sorted_and_paged_and_each_owner_shows_its_evidence(
    api: TestClient, container: Container
) -> None:
    # Given a run that grouped the tree, the pair and the lone wallet
    grouping = _grouping({})
    container.owners.save_grouping("run-1", grouping, at=AT)
    tree_id, pair_id, alone_id = (grouping.owner_of[w] for w in (TREE[0], PAIR[0], ALONE))
    # When the owners are listed by size, by combined PnL (ascending) and by best score
    by_size = api.get("/clusters").json()
    by_pnl = api.get("/clusters", params={"sort": "combined_pnl", "order": "asc"}).json()
    by_score = api.get("/clusters", params={"sort": "score"}).json()
    # Then each order is the store's, money exact
    assert [o["owner_id"] for o in by_size["items"]] == [tree_id, pair_id, alone_id]
    assert [o["combined_realised_pnl_sol"] for o in by_pnl["items"]] == [
        "0.3",
        "3.000000001",
        "9",
    ]
    assert [o["owner_id"] for o in by_score["items"]] == [alone_id, tree_id, pair_id]
    # And pages hold what they say
    second = api.get("/clusters", params={"limit": 1, "offset": 1}).json()
    assert [o["owner_id"] for o in second["items"]] == [pair_id]
    assert (second["total"], second["limit"], second["offset"]) == (3, 1, 1)

    # When the tree's owner is opened
    detail = api.get(f"/clusters/{tree_id}").json()
    # Then its members carry their scores and flags, the funder links them, edges their proofs
    assert detail["owner"]["size"] == 3
    assert sorted(detail["owner"]["members"]) == sorted(TREE)
    members = {m["address"]: m for m in detail["members"]}
    assert members[TREE[2]]["bot_flags"] == ["launch_sniper"]
    assert members[TREE[0]]["score"] == 0.9
    assert members[FUNDER]["role"] == "funder"
    assert members[FUNDER]["profiled"] is False
    assert {(e["kind"], e["target"]) for e in detail["edges"]} == {("FUNDED_BY", FUNDER)}
    assert detail["edges"][0]["proofs"][0]["signature"] == SIGNATURE
    assert detail["edges"][0]["proofs"][0]["lamports"] == 1_500_000_000
    assert [(h["kind"], h["to_ids"]) for h in detail["history"]] == [("new", [tree_id])]

    # And each wallet names its owner and its size, alone and in the list
    assert api.get(f"/wallets/{TREE[1]}").json()["owner"] == {"owner_id": tree_id, "size": 3}
    assert api.get(f"/wallets/{ALONE}").json()["owner"] == {"owner_id": alone_id, "size": 1}
    owners = api.get("/wallets", params={"flags": "any"}).json()["owners"]
    assert owners[PAIR[1]] == {"owner_id": pair_id, "size": 2}
    assert set(owners) == set(WALLETS)


def test_a_run_is_started_once_and_recorded(api: TestClient) -> None:
    # When a clustering run is asked for twice
    first = api.post("/clusters/run")
    second = api.post("/clusters/run", json={})
    # Then one run started; the second answer is that run
    assert first.status_code == second.status_code == 202, first.text
    run_id = first.json()["run_id"]
    assert first.json()["started"] is True
    assert second.json() == {**first.json(), "started": False}
    # And it is the clustering step's running run
    running = api.get(
        "/status/schedule-runs", params={"job": "clustering", "status": "running"}
    ).json()
    assert [r["id"] for r in running] == [run_id]
    assert api.get(first.json()["status_url"]).json()["job"] == "clustering"


def test_a_run_without_profiled_wallets_is_a_404_and_records_nothing(
    container: Container, auth_headers: dict[str, str]
) -> None:
    with TestClient(create_app(container), headers=auth_headers) as api:
        refused = api.post("/clusters/run")
        assert refused.status_code == 404
        assert "profiled" in refused.json()["message"]
        assert api.get("/status/schedule-runs", params={"job": "clustering"}).json() == []
