"""Step 3 over HTTP: find a token's (or every active token's) wallets, list and inspect them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from walltrack.api.deps import BusinessClock, WalletJobsDep, Wallets
from walltrack.api.errors import EVERY_ROUTE, error_responses
from walltrack.api.responses import JsonBody
from walltrack.api.routes.clusters import OwnerRef, Owners, owner_refs
from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE, NAME_LENGTH, PRINTABLE
from walltrack.data.models.solana import (
    ADDRESS_MAX_CHARS,
    ADDRESS_MIN_CHARS,
    BASE58_ADDRESS,
    MintAddress,
    validate_address,
)
from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet import WalletProfile
from walltrack.data.models.wallet_discovery import (
    FlagFilter,
    WalletQuery,
    WalletSort,
    WalletStatus,
    WalletSummary,
)
from walltrack.errors import NotFoundError

router = APIRouter(tags=["wallets"], responses=error_responses(*EVERY_ROUTE))
MAX_TRADES = 500


class DiscoverWallets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mint: MintAddress | None = None  # None: every active token


class DiscoveryStarted(BaseModel):
    run_id: UUID
    status_url: str
    tokens: int
    started: bool = Field(
        description="true: this request started the run; false: a manual wallet discovery was"
        " already running (one at a time) and `run_id`/`tokens` are that run's, nothing was"
        " queued for this request"
    )


class WalletPage(BaseModel):
    items: list[WalletSummary]
    total: int
    pending: int  # candidates in this scope still waiting for their profile
    limit: int
    offset: int
    as_of: datetime
    owners: dict[str, OwnerRef] = Field(
        default_factory=dict,
        description="each listed wallet's current owner (step 4), by address; a wallet no"
        " clustering run has grouped yet is absent",
    )


WALLET_PAGE = JsonBody(WalletPage)


class PnlPoint(BaseModel):
    at: datetime
    cumulative_pnl_sol: Decimal


class WalletDetail(BaseModel):
    wallet: WalletSummary
    profile: WalletProfile | None
    trades: list[Swap]  # newest MAX_TRADES of the profiled window, oldest first
    pnl_curve: list[PnlPoint]  # realised PnL of the profile's round trips, by sell time
    owner: OwnerRef | None = Field(
        None, description="the wallet's current owner (step 4); null until a clustering run"
    )


WALLET_DETAIL = JsonBody(WalletDetail)


@router.post(
    "/discovery/wallets/run",
    response_model=DiscoveryStarted,
    status_code=202,
    responses=error_responses(400, 404, 409, 422),
)
def run_discovery(body: DiscoverWallets, jobs: WalletJobsDep) -> DiscoveryStarted:
    """Find the wallets of one token (or all active ones) now; progress at `status_url`,
    profiles follow asynchronously (`GET /wallets` counts those `pending`). One manual run at
    a time: while one runs, the answer is that run, with `started` false."""
    run, tokens = jobs.start_manual(body.mint)
    return DiscoveryStarted(
        run_id=run.run_id,
        status_url=f"/status/schedule-runs/{run.run_id}",
        tokens=tokens,
        started=run.started,
    )


@router.get("/wallets", response_model=WalletPage, responses=error_responses(422))
def list_wallets(  # one query parameter per filter the Wallets tab offers
    *,
    wallets: Wallets,
    owners: Owners,
    clock: BusinessClock,
    token: Annotated[str | None, Query(max_length=NAME_LENGTH, pattern=PRINTABLE)] = None,
    flags: FlagFilter = "any",
    status: WalletStatus | Literal["any"] = "any",
    qualified: Literal["any", "true", "false"] = "any",
    sort: Annotated[
        WalletSort,
        Query(
            description="rank (default): the wallets the product would follow (qualified, no"
            " bot flag) first, each group by score; any other value sorts by that column"
        ),
    ] = "rank",
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Wallets with their latest profile's headline figures. `qualified` and `qualification`
    say whether the product would follow a wallet and why; `score_edge` is the copy edge the
    score reads (each copied buy capped), `copy_edge` the pooled, uncapped one. `pending`
    counts the scope's candidates awaiting a profile (token filter only); `owners` names each
    listed wallet's owner (step 4) and its size."""
    query = WalletQuery(
        token=token or None,
        status=None if status == "any" else status,
        flags=flags,
        qualified=None if qualified == "any" else qualified == "true",
        sort=sort,
        descending=order == "desc",
        limit=limit,
        offset=offset,
    )
    items, total, pending = wallets.page(query)
    page = WalletPage(
        items=items,
        total=total,
        pending=pending,
        limit=limit,
        offset=offset,
        as_of=clock.now(),
        owners=owner_refs(owners, [w.address for w in items]),
    )
    return WALLET_PAGE.response(page)


@router.get("/wallets/{address}", response_model=WalletDetail, responses=error_responses(404, 422))
def wallet_detail(
    address: Annotated[
        str,
        Path(min_length=ADDRESS_MIN_CHARS, max_length=ADDRESS_MAX_CHARS, pattern=BASE58_ADDRESS),
    ],
    wallets: Wallets,
    owners: Owners,
) -> Response:
    address = validate_address(address)
    wallet = wallets.get(address)
    if wallet is None:
        raise NotFoundError(f"unknown wallet {address}")
    profile = wallets.latest_profile(address)
    since, until = (profile.window_start, profile.window_end) if profile else (None, None)
    trades = wallets.wallet_swaps(address, since=since, until=until)[-MAX_TRADES:]
    detail = WalletDetail(
        wallet=wallet,
        profile=profile,
        trades=trades,
        pnl_curve=pnl_curve(profile),
        owner=owner_refs(owners, [address]).get(address),
    )
    return WALLET_DETAIL.response(detail)


def pnl_curve(profile: WalletProfile | None) -> list[PnlPoint]:
    if profile is None:
        return []
    total = Decimal(0)
    points = []
    for trip in sorted(profile.round_trips, key=lambda t: t.sold_at):
        total += trip.pnl_sol
        points.append(PnlPoint(at=trip.sold_at, cumulative_pnl_sol=total))
    return points
