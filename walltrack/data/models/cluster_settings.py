"""Step 4 settings, evidence part: what the owner analyzer (`walltrack.core.cluster.analyzer`)
counts as proof that two wallets share an owner.

Defaults follow the calibrated market (sim/README.md "Owners"): insiders hide behind 1-2 hop
wallets (so a chain is followed 3 hops up to reach the owner), clusters have up to ~50 members
while an exchange hot wallet funds thousands (so a source funding more than 100 wallets is
infrastructure), members co-enter within a few slots.

A `StepSettings` registered in `steps.py`: the Settings tab's "Clustering" group, stored
versioned and read by the clustering step at each run (a change needs no redeploy).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from walltrack.data.models.inputs import StrictFloat
from walltrack.data.models.solana import SolanaAddress
from walltrack.data.models.step_settings import StepSettings
from walltrack.data.models.wallet_discovery_settings import DEFAULT_DENYLIST

EdgeWeight = Annotated[StrictFloat, Field(ge=0, le=100)]


class ClusterSettings(StepSettings):
    """Step 4: evidence of common ownership (funding chains, fee payers, transfers,
    co-entries), how it groups wallets into owners, and when the clustering runs."""

    step: ClassVar[str] = "clustering"
    title: ClassVar[str] = "Clustering (step 4)"

    hop_limit: int = Field(
        3, ge=1, le=6, description="Funding hops followed up from a wallet's earliest inbound SOL"
    )
    infrastructure_fanout: int = Field(
        100,
        ge=2,
        le=1_000_000,
        description="A source that funds (or pays fees for) more wallets than this is "
        "infrastructure (an exchange hot wallet, a relayer): it ends a chain and links nobody",
    )
    denylist: list[SolanaAddress] = Field(
        default_factory=lambda: list(DEFAULT_DENYLIST),
        max_length=10_000,
        description="Known infrastructure (programs, routers, exchange hot wallets): never an "
        "owner; step 3's wallet-discovery denylist by default",
    )
    co_entry_window_slots: int = Field(
        4, ge=0, le=150, description="Two buys of a token within this many slots co-enter"
    )
    co_entry_min_count: int = Field(
        2, ge=1, le=100, description="Co-entered tokens needed before a CO_ENTERED edge exists"
    )
    sniper_slots: int = Field(
        1,
        ge=0,
        le=10,
        description="Buys in a token's first N slots pair with nobody else in them "
        "(launch snipers are many independent bots, not an owner)",
    )
    weight_funded_by: EdgeWeight = Field(1.0, description="Weight of a FUNDED_BY edge")
    weight_fee_paid_by: EdgeWeight = Field(1.0, description="Weight of a FEE_PAID_BY edge")
    weight_transferred: EdgeWeight = Field(0.8, description="Weight of a TRANSFERRED edge")
    weight_co_entered: EdgeWeight = Field(
        0.1, description="Weight of one unit of co-entry rarity (inverse document frequency)"
    )

    # -- grouping (owners) -----------------------------------------------------------------
    leiden_resolution: Annotated[StrictFloat, Field(ge=0.01, le=1)] = Field(
        0.7,
        description="Leiden's resolution (constant Potts model) on the co-entry graph: the "
        "share of a group's wallet pairs that must have co-entered for it to be one owner "
        "(money-linked wallets stay together whatever it is)",
    )
    merge_min_co_entries: int = Field(
        3,
        ge=1,
        le=100,
        description="Co-entered tokens a CO_ENTERED edge needs before it may join two owners; "
        "even then a lone co-entry link (no second path between them) never merges",
    )
    merge_max_outside_share: Annotated[StrictFloat, Field(ge=0, le=1)] = Field(
        0.25,
        description="A co-entry group whose wallets' co-entry links leave it more than this "
        "share of the time is a crowd (copy bots trailing the same leaders), not an owner",
    )

    # -- schedule and cache (clusterrun) ---------------------------------------------------
    scheduled_clustering: bool = Field(
        True, description="Cluster on a schedule (besides the Clusters tab's Run button)"
    )
    interval_minutes: int = Field(
        360, ge=15, le=10_080, description="Scheduled clustering every N minutes"
    )
    evidence_stale_after_hours: int = Field(
        24,
        ge=0,
        le=8_760,
        description="A wallet's first history page (its funding, fee payers, transfers) is "
        "read again from Helius only when older than this; within one run it is read once",
    )
