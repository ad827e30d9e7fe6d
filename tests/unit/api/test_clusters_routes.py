"""Step 4's routes without servers: the app's real routing, validation and error mapping over
in-memory owners (hand-built models) and a clustering app that records what it was asked.

`POST /clusters/run` (202, one run at a time, 404 without profiled wallets), `GET /clusters`
(sort, order, paging, strict parameters), `GET /clusters/{owner_id}` (members, evidence with
proofs, history; 404 in the API's error shape), and the owner that `GET /wallets` and
`GET /wallets/{address}` now carry."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import base58
import pytest
from fastapi.testclient import TestClient

from walltrack.api import deps
from walltrack.api.app import create_app
from walltrack.api.routes import clusters
from walltrack.clock import ManualClock
from walltrack.data.models.owners import (
    EdgeProof,
    Owner,
    OwnerChange,
    OwnerDetail,
    OwnerEdge,
    OwnerMember,
    OwnersPage,
    OwnersQuery,
)
from walltrack.data.models.runs import RunStart
from walltrack.data.models.wallet_discovery import WalletQuery, WalletSummary
from walltrack.errors import NotFoundError

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
ALICE, BOB, FUNDER, CAROL = (base58.b58encode(bytes([i]) * 32).decode() for i in (1, 2, 3, 4))
SIGNATURE = "5" * 88


def _owner(owner_id: str, members: list[str], *, pnl: str, score: float | None) -> Owner:
    return Owner(
        owner_id=owner_id,
        run_id="run-1",
        size=len(members),
        linked_wallets=1 if len(members) > 1 else 0,
        members=members,
        combined_realised_pnl_sol=Decimal(pnl),
        combined_copy_edge=Decimal("0.05"),
        median_copy_edge=Decimal("0.04"),
        best_score=score,
        shared_tokens=3,
        evidence={"FUNDED_BY": 2} if len(members) > 1 else {},
        first_seen_at=NOW,
        updated_at=NOW,
    )


BIG = _owner("own-00000000000000aa", [ALICE, BOB], pnl="12.500000001", score=0.4)
SMALL = _owner("own-00000000000000bb", [CAROL], pnl="-1.25", score=0.9)
DETAIL = OwnerDetail(
    owner=BIG,
    members=[
        OwnerMember(
            address=ALICE,
            role="member",
            profiled=True,
            score=0.4,
            qualified=True,
            is_bot=False,
            realised_pnl_sol=Decimal("10.5"),
            copy_edge=Decimal("0.06"),
        ),
        OwnerMember(
            address=BOB,
            role="member",
            profiled=True,
            score=-0.3,
            qualified=False,
            is_bot=True,
            bot_flags=["launch_sniper"],
            realised_pnl_sol=Decimal("2.000000001"),
        ),
        OwnerMember(address=FUNDER, role="funder", profiled=False),
    ],
    edges=[
        OwnerEdge(
            kind="FUNDED_BY",
            source=ALICE,
            target=FUNDER,
            weight=1.0,
            count=1,
            proofs=[EdgeProof(signature=SIGNATURE, slot=42, time=NOW, lamports=1_500_000_000)],
        ),
        OwnerEdge(
            kind="FUNDED_BY",
            source=BOB,
            target=FUNDER,
            weight=1.0,
            count=1,
            hop=2,
            proofs=[EdgeProof(signature=SIGNATURE, slot=43, time=NOW, lamports=7)],
        ),
    ],
    history=[
        OwnerChange(
            run_id="run-1",
            kind="merge",
            from_ids=["own-1", "own-2"],
            to_ids=[BIG.owner_id],
            time=NOW,
        )
    ],
)


@dataclass
class Owners:
    """The owners of one finished run, in memory (the real store is Postgres: see
    tests/integration/test_clusters_api.py)."""

    items: list[Owner] = field(default_factory=lambda: [BIG, SMALL])
    asked: list[OwnersQuery] = field(default_factory=list)

    def owners(self, query: OwnersQuery) -> OwnersPage:
        self.asked.append(query)
        key = {
            "size": lambda o: o.size,
            "combined_pnl": lambda o: o.combined_realised_pnl_sol,
            "score": lambda o: o.best_score,
        }[query.sort]
        ranked = sorted(self.items, key=key, reverse=query.descending)
        page = ranked[query.offset : query.offset + query.limit]
        return OwnersPage(items=page, total=len(ranked), limit=query.limit, offset=query.offset)

    def owner(self, owner_id: str) -> OwnerDetail | None:
        return DETAIL if owner_id == BIG.owner_id else None

    def owner_of(self, addresses: Iterable[str]) -> dict[str, str]:
        ids = {a: o.owner_id for o in self.items for a in o.members}
        return {a: ids[a] for a in addresses if a in ids}

    def owner_sizes(self, owner_ids: Iterable[str]) -> dict[str, int]:
        wanted = set(owner_ids)
        return {o.owner_id: o.size for o in self.items if o.owner_id in wanted}


@dataclass
class Clustering:
    running: UUID | None = None
    profiled: bool = True
    starts: int = 0

    def start_manual(self) -> RunStart:
        if not self.profiled:
            raise NotFoundError("no profiled wallet to cluster yet: run wallet discovery first")
        if self.running is not None:
            return RunStart(run_id=self.running, started=False)
        self.starts += 1
        self.running = uuid4()
        return RunStart(run_id=self.running, started=True)


class Wallets:
    """The two wallets the Wallets routes read (no profile, no trades)."""

    def __init__(self) -> None:
        self.rows = [
            WalletSummary(address=a, status="candidate", first_seen_at=NOW)
            for a in (ALICE, CAROL, FUNDER)
        ]

    def page(self, query: WalletQuery) -> tuple[list[WalletSummary], int, int]:
        return self.rows, len(self.rows), 0

    def get(self, address: str) -> WalletSummary | None:
        return next((w for w in self.rows if w.address == address), None)

    def latest_profile(self, address: str) -> None:
        return None

    def wallet_swaps(self, address: str, **_: object) -> list[object]:
        return []


@pytest.fixture
def owners() -> Owners:
    return Owners()


@pytest.fixture
def clustering() -> Clustering:
    return Clustering()


@pytest.fixture
def api(
    owners: Owners, clustering: Clustering, auth_headers: dict[str, str]
) -> Iterator[TestClient]:
    app = create_app()
    app.dependency_overrides[clusters.owners_store] = lambda: owners
    app.dependency_overrides[clusters.clustering_app] = lambda: clustering
    app.dependency_overrides[deps.wallets] = Wallets
    app.dependency_overrides[deps.clock] = lambda: ManualClock(NOW)
    with TestClient(app, headers=auth_headers) as client:
        yield client


def test_a_run_starts_once_and_a_second_request_follows_it(
    api: TestClient, clustering: Clustering
) -> None:
    # Given no clustering running / When a run is asked for twice (no body, then `{}`)
    first = api.post("/clusters/run")
    second = api.post("/clusters/run", json={})
    # Then the first starts it (202, its status URL), the second answers the same run
    assert first.status_code == second.status_code == 202
    body = first.json()
    assert body["started"] is True
    assert body["status_url"] == f"/status/schedule-runs/{body['run_id']}"
    assert second.json() == {**body, "started": False}
    assert clustering.starts == 1


def test_a_run_with_an_option_or_without_profiled_wallets_is_refused(
    api: TestClient, clustering: Clustering
) -> None:
    # Given a body with a field no run takes / Then 422, nothing started
    refused = api.post("/clusters/run", json={"force": True})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "force"]
    # Given no wallet profiled yet / Then 404 in the API's error shape, nothing started
    clustering.profiled = False
    missing = api.post("/clusters/run")
    assert missing.status_code == 404
    assert "no profiled wallet" in missing.json()["message"]
    assert clustering.starts == 0


@pytest.mark.parametrize(
    ("sort", "order", "first"),
    [
        ("size", "desc", BIG.owner_id),
        ("size", "asc", SMALL.owner_id),
        ("combined_pnl", "desc", BIG.owner_id),
        ("combined_pnl", "asc", SMALL.owner_id),
        ("score", "desc", SMALL.owner_id),
    ],
)
def test_owners_are_listed_in_the_asked_order(
    api: TestClient, owners: Owners, sort: str, order: str, first: str
) -> None:
    # When the owners are listed sorted one way
    response = api.get("/clusters", params={"sort": sort, "order": order})
    # Then the store was asked for that order and the page says so, money exact
    assert response.status_code == 200
    page = response.json()
    assert owners.asked[-1] == OwnersQuery(sort=sort, descending=order == "desc")
    assert page["items"][0]["owner_id"] == first
    assert page["total"] == 2
    assert page["as_of"].startswith("2026-12-07T01:00:00")
    pnl = {o["owner_id"]: o["combined_realised_pnl_sol"] for o in page["items"]}
    assert pnl[BIG.owner_id] == "12.500000001"


def test_owners_are_paged(api: TestClient, owners: Owners) -> None:
    response = api.get("/clusters", params={"limit": 1, "offset": 1})
    assert response.status_code == 200
    page = response.json()
    assert [o["owner_id"] for o in page["items"]] == [SMALL.owner_id]
    assert (page["total"], page["limit"], page["offset"]) == (2, 1, 1)


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "members"},
        {"order": "up"},
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
        {"limit": "ten"},
    ],
)
def test_a_bad_list_parameter_is_a_422_naming_it(
    api: TestClient, params: dict[str, str | int]
) -> None:
    response = api.get("/clusters", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", next(iter(params))]


def test_an_owner_shows_its_members_evidence_and_history(api: TestClient) -> None:
    # When one owner is asked for
    response = api.get(f"/clusters/{BIG.owner_id}")
    # Then its members carry scores and flags, its edges their proofs, its history the merge
    assert response.status_code == 200
    body = response.json()
    assert body["owner"]["size"] == 2
    members = {m["address"]: m for m in body["members"]}
    assert members[BOB]["bot_flags"] == ["launch_sniper"]
    assert members[BOB]["realised_pnl_sol"] == "2.000000001"
    assert members[FUNDER]["role"] == "funder"
    assert members[FUNDER]["profiled"] is False
    proof = body["edges"][0]["proofs"][0]
    assert (proof["signature"], proof["slot"], proof["lamports"]) == (SIGNATURE, 42, 1_500_000_000)
    assert body["edges"][1]["hop"] == 2
    assert body["history"][0]["kind"] == "merge"
    assert body["history"][0]["from_ids"] == ["own-1", "own-2"]


@pytest.mark.parametrize(
    ("owner_id", "status"),
    [("own-ffffffffffffffff", 404), ("own id", 422), ("x" * 65, 422), ("-own", 422)],
)
def test_an_unknown_or_malformed_owner_id(api: TestClient, owner_id: str, status: int) -> None:
    response = api.get(f"/clusters/{owner_id}")
    assert response.status_code == status
    body = response.json()
    assert set(body) <= {"message", "detail", "component", "upstream", "upstream_status"}
    if status == 404:
        assert body["message"] == f"unknown owner {owner_id}"


def test_a_wallets_detail_carries_its_owner(api: TestClient) -> None:
    # Given ALICE grouped with BOB, FUNDER never grouped
    grouped = api.get(f"/wallets/{ALICE}")
    alone = api.get(f"/wallets/{FUNDER}")
    # Then ALICE's detail names her owner and its size; FUNDER's has none
    assert grouped.status_code == alone.status_code == 200
    assert grouped.json()["owner"] == {"owner_id": BIG.owner_id, "size": 2}
    assert alone.json()["owner"] is None


def test_the_wallets_list_carries_each_listed_wallets_owner(api: TestClient) -> None:
    response = api.get("/wallets")
    assert response.status_code == 200
    assert response.json()["owners"] == {
        ALICE: {"owner_id": BIG.owner_id, "size": 2},
        CAROL: {"owner_id": SMALL.owner_id, "size": 1},
    }


def test_the_document_lists_the_new_operations_with_their_errors(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert set(paths["/clusters/run"]["post"]["responses"]) >= {"202", "401", "404", "422"}
    assert set(paths["/clusters"]["get"]["responses"]) >= {"200", "401", "422"}
    assert set(paths["/clusters/{owner_id}"]["get"]["responses"]) >= {"200", "404", "422"}
