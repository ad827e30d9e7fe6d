"""Step 3's discovery side: why a wallet is a candidate, how far a token's public trades were
read, the values step 3's market ports hand back (an address's transactions, SOL prices), and
the wallet summary the Wallets list shows (its latest profile's headline figures)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from walltrack.data.models.enhanced_tx import EnhancedTx
from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE

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


class TimeSpan(NamedTuple):
    """A half-open block-time range [start, end) of an address's history, in whole seconds
    (block times are whole seconds); `start` None = from its first transaction."""

    start: datetime | None
    end: datetime


class TokenTradeSync(BaseModel):
    """What of one token's public trades was read into `swaps`: the block-time ranges read in
    full (`covered`; anything outside them is unknown, never "no trades"), when last read,
    how many transactions and swaps in all; `partial` when the last read's cap cut it short.
    Saved, it adds to what is stored (counts summed, ranges united)."""

    model_config = ConfigDict(frozen=True)

    mint: str
    fetched_at: datetime
    newest_signature: str | None
    transactions: int = Field(ge=0)
    swaps: int = Field(ge=0)
    partial: bool
    covered: tuple[TimeSpan, ...] = ()


@dataclass(frozen=True)
class AddressTransactions:
    """One address's enhanced transactions, newest first, as read from its history.

    `transactions` are the readable ones; `malformed` holds a reason per unreadable one (they
    are skipped and counted, never guessed at); `fetched` counts both. `newest_signature` is
    the newest transaction read (readable or not), where the next incremental read stops.
    `partial` when a cap, not the start of the history, ended the read.
    """

    transactions: Sequence[EnhancedTx]
    malformed: Sequence[str]
    fetched: int
    newest_signature: str | None
    partial: bool
    last_signature: str | None = None
    last_time: datetime | None = None
    """The last transaction read (the oldest, or the newest when read oldest first), readable
    or not, and its block time: where a capped read stopped and the next one resumes."""


@dataclass(frozen=True)
class SolPrices:
    """SOL per USDC and current SOL prices of tokens (missing = unknown, never guessed)."""

    sol_per_usdc: Decimal | None
    tokens_sol: Mapping[str, Decimal] = field(default_factory=dict)


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
    copy_edge: Decimal | None = None  # pooled over every copied buy, uncapped
    score_edge: Decimal | None = None  # the typical copied buy, capped: what the score reads
    copy_win_rate: float | None = None
    is_bot: bool | None = None
    bot_flags: tuple[str, ...] = ()
    partial: bool | None = None
    qualified: bool | None = None
    qualification: tuple[str, ...] = ()  # why (not) qualified: see WalletProfile.qualification
    malformed_transactions: int = 0
    discovered_from: tuple[DiscoveredFrom, ...] = ()


WalletSort = Literal[
    "rank",
    "score",
    "confidence",
    "realised_pnl_sol",
    "win_rate",
    "trades",
    "copy_edge",
    "score_edge",
    "first_seen_at",
    "profiled_at",
]
"""`rank`: the wallets the product would follow (qualified, no bot flag) first, each group by
score; the others sort by the column."""
FlagFilter = Literal["any", "bot", "clean"]


class WalletQuery(BaseModel):
    """A filtered, sorted page of wallets (the Wallets tab's list)."""

    model_config = ConfigDict(frozen=True)

    token: str | None = None
    status: WalletStatus | None = None
    flags: FlagFilter = "any"
    qualified: bool | None = None
    sort: WalletSort = "rank"
    descending: bool = True
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
