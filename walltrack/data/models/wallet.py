"""A wallet's profile (step 3): its FIFO round trips, what copying it would have earned us,
bot flags with their reasons, and a score with its breakdown.

Money is SOL as exact decimals; ratios that are statistics (win rate, confidence, score) are
floats. A profile is a snapshot at `profiled_at` over `[window_start, window_end]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

BotFlagKind = Literal[
    "launch_sniper", "fast_flipper", "high_frequency", "token_churn", "copy_follower"
]
ScoreComponentName = Literal["copy_edge", "win_rate", "consistency"]


@dataclass(frozen=True)
class BuySizes:
    """What a wallet's usual buy is made of (step 6's size component): the SOL of each buy
    that closed round trips (a buy sold in two parts summed into one), and the profile's
    average buy."""

    per_buy: tuple[Decimal, ...]
    average_buy_sol: Decimal | None


class RoundTrip(BaseModel):
    """One closed portion of a FIFO lot: `quantity` bought by one buy and sold by one sell.

    A lot sold in two sells gives two round trips; cost and proceeds are the SOL of exactly
    that portion (exact decimals, split by quantity).
    """

    model_config = ConfigDict(frozen=True)

    wallet: str
    token_mint: str
    buy_signature: str
    sell_signature: str
    bought_at: datetime
    sold_at: datetime
    quantity: Decimal = Field(gt=0)
    cost_sol: Decimal = Field(ge=0)
    proceeds_sol: Decimal = Field(ge=0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pnl_sol(self) -> Decimal:
        return self.proceeds_sol - self.cost_sol

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hold_seconds(self) -> float:
        return (self.sold_at - self.bought_at).total_seconds()


class BotFlag(BaseModel):
    """One reason to believe a wallet is a bot or sniper, with the value and its threshold."""

    model_config = ConfigDict(frozen=True)

    kind: BotFlagKind
    observed: float
    threshold: float
    reason: str


class ScoreComponent(BaseModel):
    """One term of the score: the metric, its value mapped to [-1, 1], and its weight."""

    model_config = ConfigDict(frozen=True)

    name: ScoreComponentName
    value: float | None
    normalised: float = Field(ge=-1, le=1)
    weight: float = Field(ge=0)
    contribution: float


class ScoreBreakdown(BaseModel):
    """How the score was made: raw = Σ weight·normalised / Σ weight, shrunk toward the prior by
    confidence (raw·c + prior·(1 − c)), then, for a flagged bot, min(shrunk, 0) − bot_penalty.
    Profiles made before the prior existed were shrunk toward 0, which `prior`'s default says."""

    model_config = ConfigDict(frozen=True)

    components: tuple[ScoreComponent, ...]
    raw: float = Field(ge=-1, le=1)
    sample_size: int = Field(ge=0)
    confidence: float = Field(ge=0, le=1)
    shrunk: float = Field(ge=-1, le=1)
    prior: float = Field(default=0.0, ge=-1, le=0)
    bot_penalty: float = Field(ge=0)
    score: float


class CopyStats(BaseModel):
    """The copy replay: each of the wallet's buys copied after our latency, slippage and fees,
    sold when the wallet sold (same fraction, same latency), the rest marked at the current
    price. `edge` is PnL per SOL spent; all copied buys have the same size. The capped
    edges count each buy's return up to the settings' `copy_gain_cap`: what the score uses."""

    model_config = ConfigDict(frozen=True)

    copied_buys: int = Field(ge=0)
    skipped_no_market: int = Field(ge=0)
    cost_sol: Decimal = Field(ge=0)
    realised_pnl_sol: Decimal
    marked_pnl_sol: Decimal
    pnl_sol: Decimal
    edge: Decimal | None
    win_rate: float | None = Field(ge=0, le=1)
    edge_without_best: Decimal | None
    capped_edge: Decimal | None = None
    capped_edge_without_best: Decimal | None = None


class WalletProfile(BaseModel):
    """Everything step 3 learns about one wallet from its recent history."""

    model_config = ConfigDict(frozen=True)

    wallet: str
    profiled_at: datetime
    window_start: datetime
    window_end: datetime
    partial: bool
    qualified: bool  # the product would follow it: see `qualification`
    qualification: tuple[str, ...] = ()
    """Why it is or is not qualified: the checks that failed, or (qualified) those it passed.
    Empty in profiles stored before it was recorded."""
    trades: int = Field(ge=0)
    buys: int = Field(ge=0)
    sells: int = Field(ge=0)
    tokens: int = Field(ge=0)
    skipped_usdc_unpriced: int = Field(ge=0)
    skipped_token_to_token: int = Field(ge=0)
    skipped_other_quote: int = Field(ge=0)
    unmatched_sells: int = Field(ge=0)
    unmatched_proceeds_sol: Decimal = Field(ge=0)
    realised_pnl_sol: Decimal
    roi: Decimal | None
    win_rate: float | None = Field(ge=0, le=1)
    median_hold_seconds: float | None
    average_buy_sol: Decimal | None
    unrealised_pnl_sol: Decimal
    unpriced_open_lots: int = Field(ge=0)
    trades_per_day: float = Field(ge=0)
    tokens_per_day: float = Field(ge=0)
    launch_buy_share: float | None = Field(ge=0, le=1)
    copyability: CopyStats
    bot_flags: tuple[BotFlag, ...]
    score: float
    breakdown: ScoreBreakdown
    round_trips: tuple[RoundTrip, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_bot(self) -> bool:
        return bool(self.bot_flags)
