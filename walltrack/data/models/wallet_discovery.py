"""Step 3's discovery side: why a wallet is a candidate, what we hold of a token's trade tape,
and the wallet summary the Wallets list shows (its latest profile's headline figures)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CandidateReason = Literal["early_buyer", "top_trader"]
WalletStatus = Literal["candidate", "profiled", "failed"]


class WalletCandidate(BaseModel):
    """A trader of one token kept for profiling, with the reasons and its figures there."""

    model_config = ConfigDict(frozen=True)

    wallet: str
    mint: str
    reasons: tuple[CandidateReason, ...]
    first_buy_at: datetime | None
    bought_sol: Decimal = Field(ge=0)
    realised_pnl_sol: Decimal
    trades: int = Field(ge=0)


class DiscoveredFrom(BaseModel):
    model_config = ConfigDict(frozen=True)

    mint: str
    reasons: tuple[CandidateReason, ...]
    first_buy_at: datetime | None = None
    realised_pnl_sol: Decimal = Decimal(0)


class TokenTape(BaseModel):
    """What we hold of one token's public trades: fetched up to `newest_signature` at
    `fetched_at`; `partial` when the history cap cut older trades off."""

    model_config = ConfigDict(frozen=True)

    mint: str
    fetched_at: datetime
    newest_signature: str | None
    transactions: int = Field(ge=0)
    swaps: int = Field(ge=0)
    partial: bool


class WalletSummary(BaseModel):
    """One row of the Wallets list: status and the latest profile's headline figures."""

    model_config = ConfigDict(frozen=True)

    address: str
    status: WalletStatus
    first_seen_at: datetime
    profile_requested_at: datetime | None = None
    profiled_at: datetime | None = None
    error: str | None = None
    score: float | None = None
    confidence: float | None = None
    realised_pnl_sol: Decimal | None = None
    unrealised_pnl_sol: Decimal | None = None
    win_rate: float | None = None
    median_hold_seconds: float | None = None
    trades: int | None = None
    tokens: int | None = None
    copy_edge: Decimal | None = None
    copy_win_rate: float | None = None
    is_bot: bool | None = None
    bot_flags: tuple[str, ...] = ()
    partial: bool | None = None
    qualified: bool | None = None
    malformed_transactions: int = 0
    discovered_from: tuple[DiscoveredFrom, ...] = ()
