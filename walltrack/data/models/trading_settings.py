"""Steps 7-8 settings: risk rules, position sizing, exit strategies and order execution.

`StepSettings` registered in `steps.py`: the Settings tab's groups, stored versioned and read at
each use (a change needs no redeploy). SOL amounts are exact decimals (9 places: lamports);
percentages are 0-100. A position copies the exit settings at opening (`Position.exit_plan`), so
a later change applies to new positions only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from walltrack.data.models.inputs import StrictDecimal
from walltrack.data.models.step_settings import Percent, StepSettings

SolAmount = Annotated[StrictDecimal, Field(ge=0, le=1_000_000, decimal_places=9)]
LAMPORTS_PER_SOL = 1_000_000_000


def lamports(sol: Decimal) -> int:
    """SOL → lamports, exactly (settings hold at most 9 decimal places)."""
    return int(sol * LAMPORTS_PER_SOL)


class RiskSettings(StepSettings):
    """Step 7: what may block a new entry. Never blocks an exit."""

    step: ClassVar[str] = "risk"
    title: ClassVar[str] = "Risk (step 7)"

    kill_switch: bool = Field(False, description="Block every new entry (exits keep running)")
    max_open_positions: int = Field(5, ge=0, le=1_000, description="Open positions at most")
    max_exposure_per_token_sol: SolAmount = Field(
        Decimal("1"), description="Cost of open positions in one token at most (SOL)"
    )
    max_exposure_per_owner_sol: SolAmount = Field(
        Decimal("2"), description="Cost of open positions following one owner at most (SOL)"
    )
    max_total_exposure_sol: SolAmount = Field(
        Decimal("5"), description="Cost of all open positions at most (SOL)"
    )
    daily_loss_limit_sol: SolAmount = Field(
        Decimal("2"), description="Stop entries for the day once net realised loss reaches it"
    )
    max_drawdown_pct: Percent = Field(
        Decimal("25"), description="Stop entries while equity is this far under its peak (%)"
    )
    loss_streak: int = Field(
        3, ge=1, le=100, description="Consecutive losing positions that start a cooldown"
    )
    cooldown_minutes: int = Field(
        60, ge=0, le=10_080, description="No entries for this long after a losing streak"
    )


class SizingSettings(StepSettings):
    """Step 7: how much SOL an entry spends."""

    step: ClassVar[str] = "sizing"
    title: ClassVar[str] = "Sizing (step 7)"

    paper_starting_sol: SolAmount = Field(
        Decimal("10"), description="Paper equity the ledger starts with (SOL)"
    )
    mode: Literal["fixed", "equity_pct"] = Field(
        "fixed", description="fixed: fixed_sol per entry; equity_pct: a share of paper equity"
    )
    fixed_sol: SolAmount = Field(Decimal("0.5"), description="SOL per entry (fixed mode)")
    equity_pct: Percent = Field(
        Decimal("5"), description="Share of paper equity per entry (equity_pct mode, %)"
    )
    scale_by_score: bool = Field(True, description="Multiply the size by the signal's score (0-1)")
    min_size_sol: SolAmount = Field(
        Decimal("0.05"), description="Smaller entries are not opened (SOL)"
    )
    max_size_sol: SolAmount = Field(Decimal("2"), description="Largest entry (SOL)")
    max_price_impact_pct: Percent = Field(
        Decimal("3"), description="Shrink the entry until the quote's price impact is under (%)"
    )

    @model_validator(mode="after")
    def _coherent(self) -> SizingSettings:
        if self.min_size_sol > self.max_size_sol:
            raise ValueError("min_size_sol must not exceed max_size_sol")
        return self


class TakeProfitRung(BaseModel):
    """Sell `sell_pct` % of the position's ORIGINAL size once the mark is `gain_pct` % over
    the entry price."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    gain_pct: Annotated[StrictDecimal, Field(gt=0, le=100_000, decimal_places=2)]
    sell_pct: Annotated[StrictDecimal, Field(gt=0, le=100, decimal_places=2)]


class ExitSettings(StepSettings):
    """Step 8: the exit strategies, each on or off, combinable; copied onto each position."""

    step: ClassVar[str] = "exits"
    title: ClassVar[str] = "Exits (step 8)"

    stop_loss: bool = Field(True, description="Sell everything under a loss")
    stop_loss_pct: Annotated[StrictDecimal, Field(gt=0, le=100, decimal_places=2)] = Field(
        Decimal("30"), description="Stop loss: % under the entry price"
    )
    take_profit: bool = Field(True, description="Sell in rungs as the price rises")
    take_profit_ladder: list[TakeProfitRung] = Field(
        default_factory=lambda: [
            TakeProfitRung(gain_pct=Decimal("50"), sell_pct=Decimal("33")),
            TakeProfitRung(gain_pct=Decimal("100"), sell_pct=Decimal("33")),
        ],
        max_length=10,
        description="Rungs (gain %, % of the original size sold), lowest gain first",
    )
    trailing_stop: bool = Field(True, description="Sell everything on a fall from the peak")
    trailing_activation_pct: Percent = Field(
        Decimal("30"), description="Trailing stop arms once the gain reaches this (%)"
    )
    trailing_distance_pct: Annotated[StrictDecimal, Field(gt=0, le=100, decimal_places=2)] = Field(
        Decimal("20"), description="Trailing stop: % under the peak mark"
    )
    time_stop: bool = Field(True, description="Sell everything after a time")
    time_stop_hours: Annotated[StrictDecimal, Field(gt=0, le=720, decimal_places=2)] = Field(
        Decimal("24"), description="Time stop: hours after the entry fill"
    )
    mirror_sell: bool = Field(
        True, description="When the followed wallet sells, sell the same fraction"
    )
    monitor_interval_seconds: int = Field(
        60, ge=5, le=3_600, description="How often open positions are priced and checked"
    )

    @model_validator(mode="after")
    def _ladder_ascends(self) -> ExitSettings:
        gains = [rung.gain_pct for rung in self.take_profit_ladder]
        if gains != sorted(gains) or len(set(gains)) != len(gains):
            raise ValueError("take_profit_ladder gains must rise strictly")
        if sum(rung.sell_pct for rung in self.take_profit_ladder) > 100:
            raise ValueError("take_profit_ladder sells more than 100 % in total")
        return self


class OrderSettings(StepSettings):
    """Step 8: how a paper order is filled from a Jupiter quote, and what it costs."""

    step: ClassVar[str] = "orders"
    title: ClassVar[str] = "Orders (step 8)"

    slippage_bps: int = Field(100, ge=0, le=5_000, description="slippageBps asked of Jupiter")
    max_quote_age_seconds: int = Field(
        10, ge=1, le=600, description="Reject a fill whose quote is older than this"
    )
    max_price_impact_pct: Percent = Field(
        Decimal("5"), description="Reject an entry whose quote's price impact is over (%)"
    )
    network_fee_lamports: int = Field(5_000, ge=0, le=10**9, description="Base fee per tx")
    priority_fee_lamports: int = Field(
        10_000, ge=0, le=10**9, description="Priority fee per tx (paper: as if paid)"
    )
    tip_lamports: int = Field(0, ge=0, le=10**9, description="Jito tip per tx (paper)")
    exit_retry_limit: int = Field(
        5, ge=1, le=100, description="Attempts of an exit whose quote failed before giving up"
    )


__all__ = [
    "LAMPORTS_PER_SOL",
    "ExitSettings",
    "OrderSettings",
    "RiskSettings",
    "SizingSettings",
    "TakeProfitRung",
    "lamports",
]
