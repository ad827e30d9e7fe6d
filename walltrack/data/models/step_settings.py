"""Typed per-step settings, stored versioned in Postgres (`step_settings`).

Each step of the pipeline has one model here; defaults are the values a new installation runs
with. A model rejects unknown fields, so a typo in a PUT is an error, never silently ignored.
Numbers are strict (an integer is a JSON integer; a decimal or float a JSON number or plain
decimal text, never `"1_000"` or `" 1 "`), strings and lists are bounded and strings hold no
control character: a settings value is stored as JSONB and shown in the dashboard.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from walltrack.data.models.inputs import PrintableText, StrictDecimal, excerpt
from walltrack.data.models.solana import SOL_MINT, USDC_MINT, SolanaAddress

SearchTerm = Annotated[
    PrintableText, StringConstraints(min_length=1, max_length=50, strip_whitespace=True)
]
ExtensionName = Annotated[PrintableText, StringConstraints(max_length=40)]
UsdAmount = Annotated[StrictDecimal, Field(ge=0, max_digits=20, decimal_places=2)]
Percent = Annotated[StrictDecimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]

TOKEN_2022_TRAP_EXTENSIONS = (
    "transfer_fee_config",
    "permanent_delegate",
    "transfer_hook",
    "default_account_state",
    "non_transferable",
)


class StepSettings(BaseModel):
    """Base of every step's settings."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
    step: ClassVar[str]
    title: ClassVar[str]


class TokenDiscoverySettings(StepSettings):
    """Step 1: where tokens come from, which pass, and the safety gauntlet's thresholds."""

    step: ClassVar[str] = "token_discovery"
    title: ClassVar[str] = "Token discovery (step 1)"

    scheduled_scan: bool = Field(
        True, description="Scan on a schedule (besides the Discovery tab's Run scan button)"
    )
    scan_interval_minutes: int = Field(
        60, ge=5, le=10_080, description="Scheduled scan every N minutes"
    )
    source_latest_profiles: bool = Field(True, description="Scan DexScreener latest profiles")
    source_latest_boosts: bool = Field(True, description="Scan DexScreener latest boosts")
    source_top_boosts: bool = Field(True, description="Scan DexScreener top boosts")
    search_terms: list[SearchTerm] = Field(
        default_factory=list, max_length=20, description="DexScreener search terms"
    )
    min_liquidity_usd: UsdAmount = Field(
        Decimal("10000"),
        description="Minimum pool liquidity (not applied to a bonding curve, which has none:"
        " volume, transactions and market cap judge it)",
    )
    min_volume_24h_usd: UsdAmount = Field(Decimal("5000"), description="Minimum 24 h volume")
    min_pair_age_minutes: int = Field(0, ge=0, le=525_600, description="Youngest pair accepted")
    max_pair_age_hours: int = Field(72, ge=1, le=8_760, description="Oldest pair accepted")
    min_market_cap_usd: UsdAmount | None = Field(None, description="Minimum market cap (or FDV)")
    max_market_cap_usd: UsdAmount | None = Field(None, description="Maximum market cap (or FDV)")
    min_txns_1h: int = Field(10, ge=0, le=1_000_000, description="Minimum buys+sells in 1 h")
    quote_allowlist: list[SolanaAddress] = Field(
        default_factory=lambda: [SOL_MINT, USDC_MINT],
        min_length=1,
        max_length=20,
        description="Quote-token mints accepted",
    )
    require_mint_authority_revoked: bool = Field(True, description="Fail if mint authority live")
    require_freeze_authority_revoked: bool = Field(True, description="Fail if freeze auth live")
    blocked_token2022_extensions: list[ExtensionName] = Field(
        default_factory=lambda: list(TOKEN_2022_TRAP_EXTENSIONS),
        max_length=len(TOKEN_2022_TRAP_EXTENSIONS),
        description="Token-2022 extensions that fail a token",
    )
    max_top10_holder_pct: Percent = Field(Decimal("50"), description="Top-10 holders' max share")
    min_lp_locked_pct: Percent = Field(Decimal("0"), description="Minimum LP locked/burnt share")
    max_rugcheck_score_normalised: int = Field(
        70, ge=0, le=100, description="RugCheck score_normalised above this fails"
    )
    warn_rugcheck_score_normalised: int = Field(
        40, ge=0, le=100, description="RugCheck score_normalised above this warns"
    )

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> TokenDiscoverySettings:
        if self.min_pair_age_minutes > self.max_pair_age_hours * 60:
            raise ValueError("min_pair_age_minutes must not exceed max_pair_age_hours")
        if (
            self.min_market_cap_usd is not None
            and self.max_market_cap_usd is not None
            and self.min_market_cap_usd > self.max_market_cap_usd
        ):
            raise ValueError("min_market_cap_usd must not exceed max_market_cap_usd")
        if self.warn_rugcheck_score_normalised > self.max_rugcheck_score_normalised:
            raise ValueError("warn_rugcheck_score_normalised must not exceed the fail threshold")
        unknown = set(self.blocked_token2022_extensions) - set(TOKEN_2022_TRAP_EXTENSIONS)
        if unknown:
            names = ", ".join(excerpt(name) for name in sorted(unknown)[:5])
            raise ValueError(f"unknown Token-2022 extensions: {names}")
        return self


class TokenRefreshSettings(StepSettings):
    """Step 2: how often tokens are refreshed and when they count as dead or rugged."""

    step: ClassVar[str] = "token_refresh"
    title: ClassVar[str] = "Token surveillance (step 2)"

    interval_minutes: int = Field(5, ge=1, le=1_440, description="Refresh every N minutes")
    batch_size: int = Field(30, ge=1, le=30, description="Addresses per tokens/v1 call (≤ 30)")
    dead_min_liquidity_usd: UsdAmount = Field(
        Decimal("1000"), description="Below this liquidity a token may be dead"
    )
    dead_after_minutes: int = Field(
        120, ge=1, le=43_200, description="No trades / low liquidity this long → dead"
    )
    rug_liquidity_drop_pct: Percent = Field(
        Decimal("80"), gt=0, description="Liquidity drop that marks a rug"
    )
    rug_window_minutes: int = Field(30, ge=1, le=1_440, description="Window for the rug drop")
    safety_recheck_minutes: int = Field(
        60, ge=1, le=10_080, description="Re-run safety checks every N minutes"
    )

    @model_validator(mode="after")
    def _recheck_not_faster_than_refresh(self) -> TokenRefreshSettings:
        if self.safety_recheck_minutes < self.interval_minutes:
            raise ValueError("safety_recheck_minutes must be ≥ interval_minutes")
        return self


class VersionedStepSettings(BaseModel):
    """A step's current settings as stored (version 0 = never saved, defaults)."""

    model_config = ConfigDict(frozen=True)

    step: str
    title: str
    version: int
    values: dict[str, Any]
    updated_at: datetime | None = None
