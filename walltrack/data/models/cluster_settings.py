"""Step 4 settings, evidence part: what the owner analyzer (`walltrack.core.cluster.analyzer`)
counts as proof that two wallets share an owner.

Defaults follow the calibrated market (sim/README.md "Owners"): insiders hide behind 1-2 hop
wallets (so a chain is followed 3 hops up to reach the owner), clusters have up to ~50 members
while an exchange hot wallet funds thousands (so a source funding more than 100 wallets is
infrastructure), members co-enter within a few slots.

A plain model for now, with `StepSettings`' strictness: it becomes a `StepSettings` registered
in `steps.py` (the Settings tab's "Clustering" group) with the clustering step itself, since a
registered model is served by the API and shown in the dashboard.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from walltrack.data.models.inputs import StrictFloat
from walltrack.data.models.solana import SolanaAddress
from walltrack.data.models.wallet_discovery_settings import DEFAULT_DENYLIST

EdgeWeight = Annotated[StrictFloat, Field(ge=0, le=100)]


class ClusterSettings(BaseModel):
    """Evidence of common ownership: funding chains, fee payers, transfers, co-entries."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

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
