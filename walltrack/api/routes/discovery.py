"""Step 1/2 over HTTP: run a scan, list/inspect tokens, add one by mint, block and unblock one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from walltrack.api.deps import BusinessClock, TokenJobs, Tokens
from walltrack.api.errors import EVERY_ROUTE, UPSTREAM, error_responses
from walltrack.api.responses import JsonBody
from walltrack.data.models.inputs import (
    MAX_OFFSET,
    MAX_PAGE,
    NAME_LENGTH,
    PRINTABLE,
    SEARCH_LENGTH,
)
from walltrack.data.models.solana import MintAddress
from walltrack.data.models.token import (
    Outcome,
    Token,
    TokenQuery,
    TokenSnapshot,
    TokenSort,
    TokenStatus,
)
from walltrack.errors import NotFoundError

router = APIRouter(
    prefix="/discovery/tokens", tags=["discovery"], responses=error_responses(*EVERY_ROUTE)
)
MintPath = Annotated[
    str,
    Path(min_length=1, max_length=NAME_LENGTH, pattern=PRINTABLE, description="the token's mint"),
]


class RunStarted(BaseModel):
    run_id: UUID
    status_url: str
    started: bool = Field(
        description="true: this request started the run; false: a run of this step was already"
        " running (one at a time) and `run_id` is that run, nothing new was started"
    )


class StartScan(BaseModel):
    """A scan takes no options: the body is absent or `{}`; anything else is refused (422),
    so a stray or forged body never starts one."""

    model_config = ConfigDict(extra="forbid")


class TokenPage(BaseModel):
    items: list[Token]
    total: int
    limit: int
    offset: int
    as_of: datetime  # business "now": ages are relative to it (the market's clock locally)


TOKEN_PAGE = JsonBody(TokenPage)


class TokenDetail(BaseModel):
    token: Token
    snapshots: list[TokenSnapshot]


class AddToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mint: MintAddress


@router.post(
    "/run",
    response_model=RunStarted,
    status_code=202,
    responses=error_responses(400, 409, 422),
)
def run_scan(jobs: TokenJobs, body: Annotated[StartScan | None, Body()] = None) -> RunStarted:
    """Start a scan now; its progress and result are at `status_url` (the scan runs in the
    token_scan function, so the request returns at once). One scan at a time: while one runs
    (started here or by the schedule), the answer is that scan, with `started` false."""
    run = jobs.start_manual_scan()
    return RunStarted(
        run_id=run.run_id, status_url=f"/status/schedule-runs/{run.run_id}", started=run.started
    )


@router.get("", response_model=TokenPage, responses=error_responses(422))
def list_tokens(  # one query parameter per filter the Discovery tab offers
    *,
    tokens: Tokens,
    clock: BusinessClock,
    status: TokenStatus | None = None,
    verdict: Outcome | None = None,
    filters: Annotated[
        Literal["passed", "rejected", "pending", "any"],
        Query(
            description="passed: passes the filters, safety checked; pending: passes the"
            " filters but a safety check could not run yet (not passing); rejected: the"
            " filters reject it"
        ),
    ] = "any",
    q: Annotated[str | None, Query(max_length=SEARCH_LENGTH, pattern=PRINTABLE)] = None,
    sort: TokenSort = "first_seen_at",
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    query = TokenQuery(
        status=status,
        verdict=verdict,
        filters=None if filters == "any" else filters,
        search=q or None,
        sort=sort,
        descending=order == "desc",
        limit=limit,
        offset=offset,
    )
    items, total = tokens.page(query)
    page = TokenPage(items=items, total=total, limit=limit, offset=offset, as_of=clock.now())
    return TOKEN_PAGE.response(page)


@router.post(
    "",
    response_model=Token,
    status_code=201,
    responses=error_responses(400, 404, 422, *UPSTREAM),
)
def add_token(body: AddToken, jobs: TokenJobs) -> Token:
    """Add a token by mint: 422 when the mint is malformed, 404 when no market knows it."""
    return jobs.add(body.mint)


@router.get("/{mint}", response_model=TokenDetail, responses=error_responses(404, 422))
def token_detail(mint: MintPath, tokens: Tokens) -> TokenDetail:
    token = tokens.get(mint)
    if token is None:
        raise NotFoundError(f"unknown token {mint}")
    return TokenDetail(token=token, snapshots=tokens.snapshots(mint))


@router.delete("/{mint}", response_model=Token, responses=error_responses(404, 422))
def block_token(mint: MintPath, jobs: TokenJobs) -> Token:
    """Block a token: it stays listed as blocked; scans do not revive it, refreshes skip it.
    `POST /discovery/tokens/{mint}/unblock` undoes it."""
    return jobs.block(mint)


@router.post(
    "/{mint}/unblock",
    response_model=Token,
    responses=error_responses(404, 422),
)
def unblock_token(mint: MintPath, jobs: TokenJobs) -> Token:
    """Unblock a token: it is active again, so scans update it and refreshes judge it (a dead
    or rugged market marks it so again). A token that is not blocked is answered unchanged."""
    return jobs.unblock(mint)
