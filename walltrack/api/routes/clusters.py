"""Step 4 over HTTP: run a clustering, list the owners, inspect one (members, evidence, history).

The owners are read from Postgres (`OwnersStore`), where a clustering run writes them in one
transaction; a run is started through the clustering application (one at a time, like the other
steps' runs) and its progress is a `schedule_runs` row at `status_url`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal, Protocol
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from walltrack.api.deps import AppContainer, BusinessClock
from walltrack.api.errors import EVERY_ROUTE, error_responses
from walltrack.api.responses import JsonBody
from walltrack.core.cluster.ports import OwnersStore
from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE
from walltrack.data.models.owners import Owner, OwnerDetail, OwnerSort, OwnersQuery
from walltrack.data.models.runs import RunStart
from walltrack.errors import NotFoundError

router = APIRouter(prefix="/clusters", tags=["clusters"], responses=error_responses(*EVERY_ROUTE))

OWNER_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
"""What an owner id looks like (`own-` and 16 hex digits today): letters, digits, `-`, `_`."""
OwnerIdPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=OWNER_ID, description="the owner's id")
]


class ClusteringStarter(Protocol):
    """What the route needs of the clustering application: a manual run, one at a time."""

    def start_manual(self) -> RunStart: ...


async def owners_store(app: AppContainer) -> OwnersStore:
    return app.owners


async def clustering_app(app: AppContainer) -> ClusteringStarter:
    return app.clustering


Owners = Annotated[OwnersStore, Depends(owners_store)]
Clustering = Annotated[ClusteringStarter, Depends(clustering_app)]


class StartClustering(BaseModel):
    """A run takes no options: the body is absent or `{}`; anything else is refused (422)."""

    model_config = ConfigDict(extra="forbid")


class ClusteringStarted(BaseModel):
    run_id: UUID
    status_url: str
    started: bool = Field(
        description="true: this request started the run; false: a clustering run was already"
        " running (one at a time) and `run_id` is that run, nothing new was started"
    )


class OwnerPage(BaseModel):
    items: list[Owner]
    total: int
    limit: int
    offset: int
    as_of: datetime  # business "now" (the market's clock locally)


class OwnerRef(BaseModel):
    """A wallet's current owner, as the Wallets list and a wallet's detail show it."""

    model_config = ConfigDict(frozen=True)

    owner_id: str
    size: int = Field(ge=1, description="profiled wallets in the owner")


OWNER_PAGE = JsonBody(OwnerPage)
OWNER_DETAIL = JsonBody(OwnerDetail)


@router.post(
    "/run",
    response_model=ClusteringStarted,
    status_code=202,
    responses=error_responses(400, 404, 409, 422),
)
def run_clustering(
    clustering: Clustering, body: Annotated[StartClustering | None, Body()] = None
) -> ClusteringStarted:
    """Group the profiled wallets into owners now: evidence is collected per wallet (fanned
    out), then grouped once every wallet is in; progress at `status_url`. One run at a time:
    while one runs (started here or by the schedule), the answer is that run, `started` false.
    404 while no wallet is profiled (nothing to group; nothing is started)."""
    run = clustering.start_manual()
    return ClusteringStarted(
        run_id=run.run_id, status_url=f"/status/schedule-runs/{run.run_id}", started=run.started
    )


@router.get("", response_model=OwnerPage, responses=error_responses(422))
def list_owners(
    *,
    owners: Owners,
    clock: BusinessClock,
    sort: Annotated[
        OwnerSort,
        Query(
            description="size: profiled wallets; combined_pnl: the members' realised PnL"
            " summed; score: the best member's score"
        ),
    ] = "size",
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """The owners of the last clustering run (a wallet alone is its own owner of size 1);
    empty until a run has finished."""
    page = owners.owners(
        OwnersQuery(sort=sort, descending=order == "desc", limit=limit, offset=offset)
    )
    body = OwnerPage(
        items=page.items, total=page.total, limit=limit, offset=offset, as_of=clock.now()
    )
    return OWNER_PAGE.response(body)


@router.get("/{owner_id}", response_model=OwnerDetail, responses=error_responses(404, 422))
def owner_detail(owner_id: OwnerIdPath, owners: Owners) -> Response:
    """One owner: its members with their scores and bot flags, the edges between them with the
    transactions that prove each, and how runs split or merged it."""
    detail = owners.owner(owner_id)
    if detail is None:
        raise NotFoundError(f"unknown owner {owner_id}")
    return OWNER_DETAIL.response(detail)


def owner_refs(owners: OwnersStore, addresses: Iterable[str]) -> dict[str, OwnerRef]:
    """Each given wallet's current owner (id and size); wallets without one are left out."""
    ids = owners.owner_of(addresses)
    sizes = owners.owner_sizes(set(ids.values())) if ids else {}
    return {
        address: OwnerRef(owner_id=owner_id, size=sizes[owner_id])
        for address, owner_id in ids.items()
        if owner_id in sizes
    }
