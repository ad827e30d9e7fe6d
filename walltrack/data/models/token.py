"""Tokens (step 1), their safety verdict, and snapshots (step 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE

TokenStatus = Literal["active", "dead", "rugged", "blocked"]
Outcome = Literal["pass", "warn", "fail", "pending"]
"""`pending`: a check could not run (its upstream refused us, was unavailable or timed out) and
none failed: the token does not pass until the check runs. Not `warn`, which means the checks
ran and found nothing conclusive."""
CheckOutcome = Literal["pass", "warn", "fail", "unknown", "pending"]
"""`unknown`: the check ran and its source had no answer (no RugCheck report yet), which warns;
`pending`: the check could not run at all."""
FactSource = Literal["asset", "holders", "rugcheck"]
"""Where the safety facts come from: Helius DAS (authorities, extensions, supply), Helius RPC
(the largest token accounts) and RugCheck (score, LP locked, risks)."""


class SafetyCheck(BaseModel):
    """One check of the safety gauntlet, with the threshold it was judged against."""

    model_config = ConfigDict(frozen=True)

    name: str
    outcome: CheckOutcome
    detail: str
    threshold: str | None = None
    upstream: str | None = None
    """A `pending` check's upstream (helius, rugcheck): the one that could not answer."""


class SafetyVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    verdict: Outcome
    checks: list[SafetyCheck]
    checked_at: datetime

    @property
    def reasons(self) -> list[str]:
        """The checks that made the verdict what it is (fails, pending, then warnings)."""
        order = ("fail", "pending", "warn")
        return [c.detail for o in order for c in self.checks if c.outcome == o]

    @property
    def unavailable(self) -> dict[str, str]:
        """Each upstream a pending check could not reach, and why (its first such check)."""
        found: dict[str, str] = {}
        for check in self.checks:
            if check.outcome == "pending" and check.upstream:
                found.setdefault(check.upstream, check.detail)
        return found


class TokenMarket(BaseModel):
    """Market figures of a token's best pair at one moment (USD as exact decimals)."""

    model_config = ConfigDict(frozen=True)

    price_usd: Decimal | None = None
    price_native: Decimal | None = None
    liquidity_usd: Decimal | None = None
    volume_h24_usd: Decimal | None = None
    txns_h1_buys: int | None = None
    txns_h1_sells: int | None = None
    fdv_usd: Decimal | None = None
    market_cap_usd: Decimal | None = None

    @property
    def txns_h1(self) -> int | None:
        if self.txns_h1_buys is None and self.txns_h1_sells is None:
            return None
        return (self.txns_h1_buys or 0) + (self.txns_h1_sells or 0)


class Token(BaseModel):
    model_config = ConfigDict(frozen=True)

    mint: str
    chain: str = "solana"
    symbol: str | None = None
    name: str | None = None
    pair_address: str | None = None
    dex_id: str | None = None
    quote_mint: str | None = None
    pair_created_at: datetime | None = None
    sources: list[str] = Field(default_factory=list)
    status: TokenStatus = "active"
    status_reason: str | None = None
    safety: SafetyVerdict | None = None
    market: TokenMarket = Field(default_factory=TokenMarket)
    first_seen_at: datetime | None = None
    last_refreshed_at: datetime | None = None
    filters_passed: bool = True
    filter_reasons: list[str] = Field(default_factory=list)


class TokenSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    mint: str
    taken_at: datetime
    market: TokenMarket


class PairCandidate(BaseModel):
    """A token as one discovery source saw it: its pair and market, before any filter."""

    model_config = ConfigDict(frozen=True)

    mint: str
    chain: str
    symbol: str | None = None
    name: str | None = None
    pair_address: str | None = None
    dex_id: str | None = None
    quote_mint: str | None = None
    pair_created_at: datetime | None = None
    market: TokenMarket = Field(default_factory=TokenMarket)
    pool_base_reserve: Decimal | None = None  # the pool's token reserve, UI units
    sources: list[str] = Field(default_factory=list)

    def as_token(self) -> Token:
        return Token(**self.model_dump(exclude={"market", "pool_base_reserve"}), market=self.market)


class SourceOutage(BaseModel):
    """A fact source that could not be read: its upstream refused us (401/403), was unavailable
    (5xx, 429, connection), did not answer in time, or answered in a shape we cannot read."""

    model_config = ConfigDict(frozen=True)

    source: FactSource
    upstream: str
    reason: str  # the client's error message: names the upstream, never a URL or a secret


class SafetyFacts(BaseModel):
    """What the safety gauntlet judges, gathered from DAS, RPC holders and RugCheck.

    `None` means "not learned": when the source answered without it (no RugCheck report yet)
    the check is `unknown`, which warns; when the source is in `outages` the check is
    `pending` (it could not run), which keeps the token from passing.
    """

    model_config = ConfigDict(frozen=True)

    mint_authority: str | None = None
    freeze_authority: str | None = None
    authorities_known: bool = False
    token_program: str | None = None
    extensions: list[str] = Field(default_factory=list)
    top10_holder_pct: Decimal | None = None
    lp_locked_pct: Decimal | None = None
    rugcheck_score_normalised: int | None = None
    rugcheck_danger_risks: list[str] = Field(default_factory=list)
    outages: list[SourceOutage] = Field(default_factory=list)

    def outage(self, source: FactSource) -> SourceOutage | None:
        return next((o for o in self.outages if o.source == source), None)


@dataclass
class SourceBatch:
    """What a market source returned: usable candidates, plus items it skipped (malformed)."""

    candidates: list[PairCandidate] = field(default_factory=list)
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


TokenSort = Literal[
    "first_seen_at", "liquidity_usd", "volume_h24_usd", "fdv_usd", "price_usd", "pair_created_at"
]


FilterState = Literal["passed", "rejected", "pending"]
"""`passed`: the token passes the filters and its safety checks ran; `pending`: it passes the
filters but a safety check could not run yet (so it is not passing); `rejected`: the filters
reject it."""


class TokenQuery(BaseModel):
    """A filtered, sorted page of tokens (the Discovery tab's list)."""

    model_config = ConfigDict(frozen=True, extra="forbid")  # a stale filter name fails

    status: TokenStatus | None = None
    verdict: Outcome | None = None
    filters: FilterState | None = None
    search: str | None = None
    sort: TokenSort = "first_seen_at"
    descending: bool = True
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
