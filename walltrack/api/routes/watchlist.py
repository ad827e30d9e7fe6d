"""Step 5 over HTTP: the watchlist with why each wallet is on or off, pins and bans, the Helius
webhooks holding it and their last sync, and a sync started on demand.

A sync started here is a `schedule_runs` row (job `watchlist_sync`, one at a time) whose
progress is at `status_url`; the sync itself runs after the response, in this process (a few
Helius calls).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Protocol
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Body, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from walltrack.api.deps import AppContainer, BusinessClock
from walltrack.api.errors import EVERY_ROUTE, error_responses
from walltrack.api.responses import JsonBody
from walltrack.app.watchlist import WatchlistJobs
from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE
from walltrack.data.models.solana import (
    ADDRESS_MAX_CHARS,
    ADDRESS_MIN_CHARS,
    BASE58_ADDRESS,
    validate_address,
)
from walltrack.data.models.watchlist import (
    Actor,
    OverrideReason,
    WatchlistChange,
    WatchlistEntry,
    WatchlistSyncResult,
    WebhookShard,
)
from walltrack.errors import NotFoundError
from walltrack.log import get_logger

router = APIRouter(prefix="/watchlist", tags=["watchlist"], responses=error_responses(*EVERY_ROUTE))
log = get_logger(component="api.watchlist")

AddressPath = Annotated[
    str,
    Path(
        min_length=ADDRESS_MIN_CHARS,
        max_length=ADDRESS_MAX_CHARS,
        pattern=BASE58_ADDRESS,
        description="the wallet's address",
    ),
]


async def watchlist_jobs(app: AppContainer) -> WatchlistJobs:
    return app.watchlist_jobs


class WatchlistReads(Protocol):
    """What the routes read of the watchlist's state (the repository is built in the
    container)."""

    def entries(
        self, *, listed: bool | None, limit: int, offset: int
    ) -> tuple[list[WatchlistEntry], int]: ...
    def entry(self, address: str) -> WatchlistEntry | None: ...
    def listed_addresses(self) -> list[str]: ...
    def current_version(self) -> int: ...
    def shards(self) -> list[WebhookShard]: ...
    def last_sync(self) -> WatchlistSyncResult | None: ...
    def override_history(self, address: str) -> list[dict[str, Any]]: ...
    def changes(self, *, address: str | None = None, limit: int = 100) -> list[WatchlistChange]: ...


async def watchlist_store(app: AppContainer) -> WatchlistReads:
    return app.watchlist


Jobs = Annotated[WatchlistJobs, Depends(watchlist_jobs)]
Store = Annotated[WatchlistReads, Depends(watchlist_store)]


class OverrideRequest(BaseModel):
    """Why the wallet is pinned or banned (required), and who asks (default "api")."""

    model_config = ConfigDict(extra="forbid")

    reason: OverrideReason
    by: Actor = "api"


class LiftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: Actor = "api"


class StartSync(BaseModel):
    """A sync takes no options: the body is absent or `{}`."""

    model_config = ConfigDict(extra="forbid")


class SyncStarted(BaseModel):
    run_id: UUID
    status_url: str
    started: bool = Field(
        description="true: this request started the sync; false: a sync was already running"
        " (one at a time) and `run_id` is that run"
    )


class WatchlistPage(BaseModel):
    items: list[WatchlistEntry]
    total: int
    listed: int = Field(description="wallets followed now (whatever the filter)")
    version: int = Field(description="the watchlist's current version (0: never built)")
    limit: int
    offset: int
    as_of: datetime


class WebhooksState(BaseModel):
    shards: list[WebhookShard]
    last_sync: WatchlistSyncResult | None


class OverrideEvent(BaseModel):
    kind: Literal["pin", "ban"]
    created_by: str
    reason: str
    created_at: datetime
    removed_by: str | None
    removed_at: datetime | None


class EntryDetail(BaseModel):
    entry: WatchlistEntry
    overrides: list[OverrideEvent] = Field(description="every pin and ban, newest first")
    changes: list[WatchlistChange] = Field(description="its changes, newest first")


WATCHLIST_PAGE = JsonBody(WatchlistPage)


@router.get("", response_model=WatchlistPage, responses=error_responses(422))
def list_watchlist(
    *,
    store: Store,
    clock: BusinessClock,
    listed: Annotated[
        Literal["all", "true", "false"], Query(description="true: followed only; false: the rest")
    ] = "all",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Every judged wallet with its owner, score, confidence, whether it is followed and why,
    and its pin or ban; followed wallets first, by rank."""
    items, total = store.entries(
        listed=None if listed == "all" else listed == "true", limit=limit, offset=offset
    )
    page = WatchlistPage(
        items=items,
        total=total,
        listed=len(store.listed_addresses()),
        version=store.current_version(),
        limit=limit,
        offset=offset,
        as_of=clock.now(),
    )
    return WATCHLIST_PAGE.response(page)


@router.get("/webhooks", response_model=WebhooksState)
def webhooks(store: Store) -> WebhooksState:
    """The Helius webhooks holding the followed addresses, and how the last sync ended."""
    return WebhooksState(shards=store.shards(), last_sync=store.last_sync())


@router.post(
    "/sync",
    response_model=SyncStarted,
    status_code=202,
    responses=error_responses(400, 409, 422),
)
def start_sync(
    jobs: Jobs, tasks: BackgroundTasks, body: Annotated[StartSync | None, Body()] = None
) -> SyncStarted:
    """Rebuild the watchlist and bring Helius's webhooks in step now; progress at
    `status_url`. One sync at a time: while one runs, the answer is that run."""
    run = jobs.start_manual()
    if run.started:
        tasks.add_task(_run_sync, jobs, run.run_id)
    return SyncStarted(
        run_id=run.run_id, status_url=f"/status/schedule-runs/{run.run_id}", started=run.started
    )


def _run_sync(jobs: WatchlistJobs, run_id: UUID) -> None:
    """The sync after the response: its failure is the run's (status failed, its error)."""
    try:
        jobs.run(run_id)
    except Exception as exc:  # noqa: BLE001 - recorded on the run; nobody awaits this task
        log.warning("watchlist sync failed", run_id=str(run_id), error=str(exc))


@router.get("/wallets/{address}", response_model=EntryDetail, responses=error_responses(404, 422))
def entry_detail(address: AddressPath, store: Store) -> EntryDetail:
    """One wallet's entry, its pins and bans (who, when, why) and its changes."""
    address = validate_address(address)
    entry = store.entry(address)
    if entry is None:
        raise NotFoundError(f"{address} is not on the watchlist (never judged)")
    return EntryDetail(
        entry=entry,
        overrides=[OverrideEvent.model_validate(o) for o in store.override_history(address)],
        changes=store.changes(address=address),
    )


@router.post(
    "/wallets/{address}/pin",
    response_model=WatchlistEntry,
    responses=error_responses(400, 404, 422),
)
def pin(address: AddressPath, body: OverrideRequest, jobs: Jobs) -> WatchlistEntry:
    """Always follow this wallet (unless banned: a ban wins); the entry says so at once, the
    webhooks follow at the next sync. 404 for a wallet never discovered."""
    return jobs.pin(validate_address(address), by=body.by, reason=body.reason)


@router.post(
    "/wallets/{address}/ban",
    response_model=WatchlistEntry,
    responses=error_responses(400, 404, 422),
)
def ban(address: AddressPath, body: OverrideRequest, jobs: Jobs) -> WatchlistEntry:
    """Never follow this wallet, whatever its score or pin."""
    return jobs.ban(validate_address(address), by=body.by, reason=body.reason)


@router.delete(
    "/wallets/{address}/pin",
    response_model=WatchlistEntry,
    responses=error_responses(400, 404, 422),
)
def unpin(
    address: AddressPath, jobs: Jobs, body: Annotated[LiftRequest | None, Body()] = None
) -> WatchlistEntry:
    """Lift the pin (kept in the history); 404 when the wallet has none."""
    return jobs.unpin(validate_address(address), by=(body or LiftRequest()).by)


@router.delete(
    "/wallets/{address}/ban",
    response_model=WatchlistEntry,
    responses=error_responses(400, 404, 422),
)
def unban(
    address: AddressPath, jobs: Jobs, body: Annotated[LiftRequest | None, Body()] = None
) -> WatchlistEntry:
    """Lift the ban (kept in the history); 404 when the wallet has none."""
    return jobs.unban(validate_address(address), by=(body or LiftRequest()).by)
