"""Step 6's signals: each swap of a watched wallet, scored (a buy: an entry signal) or measured
(a sell: an exit signal, with the share of the holding it sold), accepted or rejected with the
reason, and kept either way (the Signals tab, the signal-quality bench, step 7's input).

Scores, weights and normalised values are statistics (floats in [0, 1]); money and token
amounts are exact decimals. A signal carries three times, so its latency shows: the swap's
on-chain time, when our ingest received it, and when it was scored.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from walltrack.data.models.inputs import MAX_OFFSET, MAX_PAGE, StrictDecimal, StrictFloat
from walltrack.data.models.step_settings import StepSettings
from walltrack.data.models.swap import SwapSide

SignalKind = Literal["entry", "exit"]
ComponentName = Literal[
    "wallet_score", "confidence", "owner_consensus", "token_safety", "liquidity", "size", "age"
]
COMPONENTS: tuple[ComponentName, ...] = (
    "wallet_score",
    "confidence",
    "owner_consensus",
    "token_safety",
    "liquidity",
    "size",
    "age",
)

Weight = Annotated[StrictFloat, Field(ge=0, le=100)]
Unit = Annotated[StrictFloat, Field(ge=0, le=1)]
UsdAmount = Annotated[StrictDecimal, Field(ge=0, max_digits=20, decimal_places=2)]
Ratio = Annotated[StrictDecimal, Field(ge=0, le=1000, max_digits=12, decimal_places=6)]


class SignalSettings(StepSettings):
    """Step 6: how a buy of a watched wallet is scored and which signals are accepted.

    The score is Σ weight·normalised / Σ weight over the components (each normalised to
    [0, 1]); a signal is accepted when no filter rejects it and the score reaches `min_score`.
    """

    step: ClassVar[str] = "signals"
    title: ClassVar[str] = "Signals"

    weight_wallet_score: Weight = Field(3.0, description="Weight of the wallet's score")
    weight_confidence: Weight = Field(1.0, description="Weight of the score's confidence")
    weight_owner_consensus: Weight = Field(
        1.0, description="Weight of owner consensus (distinct owners buying the token)"
    )
    weight_token_safety: Weight = Field(1.0, description="Weight of the token's safety verdict")
    weight_liquidity: Weight = Field(1.0, description="Weight of the token's pool liquidity")
    weight_size: Weight = Field(1.0, description="Weight of the buy's size vs the wallet's usual")
    weight_age: Weight = Field(1.0, description="Weight of the token's youth")
    min_score: Unit = Field(0.5, description="Lowest score accepted (0-1)")
    consensus_window_minutes: int = Field(
        30, ge=1, le=10_080, description="Owners buying the token within this window agree"
    )
    consensus_full_owners: int = Field(
        3, ge=2, le=100, description="Distinct owners (this one included) for full consensus"
    )
    require_safe_token: bool = Field(
        True,
        description="Reject unless the token's safety verdict is pass or warn (an unknown"
        " token, or one whose checks are pending, is rejected)",
    )
    min_liquidity_usd: UsdAmount = Field(
        Decimal("5000"),
        description="Lowest pool liquidity accepted (not applied to a bonding curve: no pool)",
    )
    full_liquidity_usd: UsdAmount = Field(
        Decimal("100000"), description="Pool liquidity that scores full marks"
    )
    max_token_age_hours: int = Field(
        72, ge=1, le=8_760, description="Oldest token accepted (from its pair's creation)"
    )
    max_delay_seconds: int = Field(
        300,
        ge=1,
        le=86_400,
        description="Reject a buy scored more than this long after it happened on chain (a"
        " delivery Helius retried late, a swap reconcile recovered hours after): the price it"
        " was bought at is gone",
    )
    min_size_ratio: Ratio = Field(
        Decimal("0.05"), description="Smallest buy accepted, as a share of the wallet's usual"
    )
    max_size_ratio: Ratio = Field(
        Decimal("20"), description="Largest buy accepted, as a multiple of the wallet's usual"
    )

    @model_validator(mode="after")
    def _coherent(self) -> SignalSettings:
        if not any(self.weights().values()):
            raise ValueError("at least one weight must be above 0")
        if self.min_size_ratio > self.max_size_ratio:
            raise ValueError("min_size_ratio must not exceed max_size_ratio")
        if self.min_liquidity_usd > self.full_liquidity_usd:
            raise ValueError("min_liquidity_usd must not exceed full_liquidity_usd")
        return self

    def weights(self) -> dict[ComponentName, float]:
        return {name: float(getattr(self, f"weight_{name}")) for name in COMPONENTS}


class SignalComponent(BaseModel):
    """One term of a signal's score: what was measured (`raw`, None when unknown), how it maps
    to [0, 1], its weight and its share of the score (weight·normalised / Σ weight)."""

    model_config = ConfigDict(frozen=True)

    name: ComponentName
    raw: float | None
    normalised: float = Field(ge=0, le=1)
    weight: float = Field(ge=0)
    contribution: float = Field(ge=0, le=1)
    detail: str = ""


class Signal(BaseModel):
    """One swap of a watched wallet as step 6 judged it (stored whatever the outcome)."""

    model_config = ConfigDict(frozen=True)

    id: int | None = None  # assigned when stored
    kind: SignalKind
    signature: str
    wallet: str
    owner_id: str  # the wallet's owner when scored (a wallet with none is its own owner)
    token_mint: str
    side: SwapSide
    token_amount: Decimal
    quote_mint: str
    quote_amount: Decimal
    onchain_at: datetime
    received_at: datetime
    scored_at: datetime
    via: Literal["webhook", "reconcile"]
    score: float | None = Field(None, ge=0, le=1)  # entries only
    components: tuple[SignalComponent, ...] = ()
    consensus_owners: tuple[str, ...] = ()
    fraction_sold: Decimal | None = Field(None, ge=0, le=1)  # exits only
    accepted: bool
    reason: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def delivery_seconds(self) -> float:
        """On-chain → received by our ingest."""
        return (self.received_at - self.onchain_at).total_seconds()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def latency_seconds(self) -> float:
        """On-chain → scored: what a copy of this trade would lag by, at least."""
        return (self.scored_at - self.onchain_at).total_seconds()


class SignalQuery(BaseModel):
    """A page of signals, newest scored first (the Signals tab's table)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accepted: bool | None = None
    kind: SignalKind | None = None
    wallet: str | None = None
    token: str | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
