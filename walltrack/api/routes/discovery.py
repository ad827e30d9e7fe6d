"""Step 1/2 over HTTP: run a scan, list/inspect tokens, add one by mint, block one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from walltrack.api.deps import BusinessClock, TokenJobs, Tokens
from walltrack.data.models.token import Token, TokenQuery, TokenSnapshot, TokenSort, TokenStatus
from walltrack.errors import NotFoundError

router = APIRouter(prefix="/discovery/tokens", tags=["discovery"])


class RunStarted(BaseModel):
    run_id: UUID
    status_url: str


class TokenPage(BaseModel):
    items: list[Token]
    total: int
    limit: int
    offset: int
    as_of: datetime  # business "now": ages are relative to it (the market's clock locally)


class TokenDetail(BaseModel):
    token: Token
    snapshots: list[TokenSnapshot]


class AddToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mint: str


@router.post("/run", response_model=RunStarted, status_code=202)
def run_scan(jobs: TokenJobs) -> RunStarted:
    """Start a scan now; its progress and result are at `status_url` (the scan runs in the
    token_scan function, so the request returns at once)."""
    run_id = jobs.start_manual_scan()
    return RunStarted(run_id=run_id, status_url=f"/status/schedule-runs/{run_id}")


@router.get("", response_model=TokenPage)
def list_tokens(  # one query parameter per filter the Discovery tab offers
    *,
    tokens: Tokens,
    clock: BusinessClock,
    status: TokenStatus | None = None,
    verdict: Literal["pass", "warn", "fail"] | None = None,
    filters: Literal["passed", "rejected", "any"] = "any",
    q: Annotated[str | None, Query(max_length=64)] = None,
    sort: TokenSort = "first_seen_at",
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> TokenPage:
    query = TokenQuery(
        status=status,
        verdict=verdict,
        filters_passed=None if filters == "any" else filters == "passed",
        search=q or None,
        sort=sort,
        descending=order == "desc",
        limit=limit,
        offset=offset,
    )
    items, total = tokens.page(query)
    return TokenPage(items=items, total=total, limit=limit, offset=offset, as_of=clock.now())


@router.post("", response_model=Token, status_code=201)
def add_token(body: AddToken, jobs: TokenJobs) -> Token:
    """Add a token by mint: 422 when the mint is malformed, 404 when no market knows it."""
    return jobs.add(body.mint)


@router.get("/{mint}", response_model=TokenDetail)
def token_detail(mint: str, tokens: Tokens) -> TokenDetail:
    token = tokens.get(mint)
    if token is None:
        raise NotFoundError(f"unknown token {mint}")
    return TokenDetail(token=token, snapshots=tokens.snapshots(mint))


@router.delete("/{mint}", response_model=Token)
def block_token(mint: str, jobs: TokenJobs) -> Token:
    """Block a token: it stays listed as blocked; scans do not revive it, refreshes skip it."""
    return jobs.block(mint)
