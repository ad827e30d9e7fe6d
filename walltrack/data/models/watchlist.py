"""Step 5: the watchlist (the wallets WallTrack follows) and its Helius webhook shards.

`WatchlistSettings` is the Settings tab's "Watchlist" group (stored versioned, read at each
rebuild). The other models are what the selection (`walltrack.core.watchlist.selection`) reads and
decides, what a pin or ban records (who, when, why), the versioned changes, and the webhooks
holding the listed addresses as the last sync left them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from walltrack.data.models.helius import MAX_ADDRESSES_PER_WEBHOOK
from walltrack.data.models.inputs import StrictFloat, printable
from walltrack.data.models.step_settings import StepSettings

OverrideKind = Literal["pin", "ban"]
ShardState = Literal["synced", "failed"]
SyncState = Literal["synced", "unchanged", "failed"]

# stripped, then bounded, then checked for control characters (PrintableText's check runs
# after its own constraints, so a blank text would pass its min_length)
OverrideReason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(printable),
]
Actor = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(printable),
]


class WatchlistSettings(StepSettings):
    """Step 5: which wallets are followed (thresholds, size, per-owner cap) and how the Helius
    webhooks holding them are kept in step (shard size, sync interval)."""

    step: ClassVar[str] = "watchlist"
    title: ClassVar[str] = "Watchlist"

    # Defaults measured, not guessed: step 3's score ranks (bench/alpha.py: precision@20
    # 0.55-0.90 over 8 seeds) and bench/loop.py copies its top 20; the score shrinks toward the
    # -0.3 prior (`score_prior`), so a qualified wallet whose copy edge is not negative scores
    # at least -0.3 x (1 - confidence) >= -0.21 at the 0.3 confidence floor, while a threshold
    # of 0 followed no wallet of the calibrated world at all.
    max_wallets: int = Field(
        20,
        ge=1,
        le=1_000_000,
        description="Wallets followed at most (pinned wallets come on top of these)",
    )
    per_owner_cap: int = Field(
        2,
        ge=1,
        le=1_000,
        description="Wallets of one owner (step 4) followed at most, so one insider cluster "
        "cannot fill the list; a wallet without an owner is its own",
    )
    min_score: Annotated[StrictFloat, Field(ge=-2, le=2)] = Field(
        -0.25, description="Lowest score a followed wallet may have (scores shrink toward -0.3)"
    )
    min_confidence: Annotated[StrictFloat, Field(ge=0, le=1)] = Field(
        0.3, description="Lowest score confidence (n/(n+k) of copied buys) a followed wallet needs"
    )
    require_qualified: bool = Field(
        True, description="Follow only wallets step 3 qualified (copyable, enough trades)"
    )
    shard_size: int = Field(
        MAX_ADDRESSES_PER_WEBHOOK,
        ge=1,
        le=MAX_ADDRESSES_PER_WEBHOOK,
        description="Addresses per Helius webhook (Helius takes at most 100,000); more "
        "wallets are spread over several webhooks",
    )
    scheduled_sync: bool = Field(
        True, description="Sync the webhooks on a schedule (besides the Watchlist tab's button)"
    )
    sync_interval_minutes: int = Field(
        15, ge=1, le=10_080, description="Scheduled watchlist sync every N minutes"
    )


class WatchlistCandidate(BaseModel):
    """A profiled wallet as the selection reads it: its latest profile's headline figures and
    its current owner."""

    model_config = ConfigDict(frozen=True)

    address: str
    owner_id: str | None = None
    score: float | None = None
    confidence: float | None = None
    qualified: bool | None = None
    qualification: tuple[str, ...] = ()
    bot_flags: tuple[str, ...] = ()


class WatchlistOverride(BaseModel):
    """A manual pin (always follow) or ban (never follow): who asked, when and why."""

    model_config = ConfigDict(frozen=True)

    address: str
    kind: OverrideKind
    by: str
    at: datetime
    reason: str


class WatchlistDecision(BaseModel):
    """One wallet judged: on or off the list, and why (every wallet judged has a reason)."""

    model_config = ConfigDict(frozen=True)

    address: str
    owner_id: str | None
    score: float | None
    confidence: float | None
    listed: bool
    reason: str
    rank: int | None = Field(None, description="1 = best listed by score; None: not ranked")
    pinned: bool = False
    banned: bool = False


class WatchlistEntry(WatchlistDecision):
    """A decision as stored: the version that last changed it, and the pin/ban behind it."""

    version: int = Field(ge=0)
    changed_at: datetime
    override: WatchlistOverride | None = None


class WatchlistChange(BaseModel):
    """One wallet going on or off the list (or first judged) in one version."""

    model_config = ConfigDict(frozen=True)

    version: int = Field(ge=1)
    address: str
    listed_before: bool | None
    listed_after: bool
    reason: str
    at: datetime


class Rebuild(BaseModel):
    """What a rebuild did: the version it wrote (the previous one when nothing changed)."""

    model_config = ConfigDict(frozen=True)

    version: int = Field(ge=0)
    changes: int = Field(ge=0)
    listed: int = Field(ge=0)
    judged: int = Field(ge=0)


class WebhookShard(BaseModel):
    """One Helius webhook holding part of the listed addresses, as the last sync left it."""

    model_config = ConfigDict(frozen=True)

    webhook_id: str
    addresses: int = Field(ge=0)
    synced_at: datetime
    state: ShardState
    error: str | None = None


class WatchlistSyncResult(BaseModel):
    """The last sync: when, which watchlist version, what it sent, and how it ended."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    version: int = Field(ge=0)
    state: SyncState
    listed: int = Field(ge=0)
    created: int = Field(0, ge=0)
    replaced: int = Field(0, ge=0)
    deleted: int = Field(0, ge=0)
    kept: int = Field(0, ge=0, description="webhooks left as they were")
    error: str | None = None
