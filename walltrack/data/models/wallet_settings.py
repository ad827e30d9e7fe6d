"""Step 3 settings: how a wallet's history is read, replayed as a copier, flagged and scored.

Defaults are what a new installation runs with; the copy replay's latency (3 s), slippage
(5 %) and fees are the costs our own paper copier pays, so a high score means "still
profitable after us", not "was profitable for them".
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import Field, model_validator

from walltrack.data.models.inputs import StrictDecimal, StrictFloat
from walltrack.data.models.step_settings import StepSettings

BPS = 10_000


class WalletProfileSettings(StepSettings):
    """Step 3 (wallet profiling): history window, copy replay costs, bot thresholds, score."""

    step: ClassVar[str] = "wallet_profile"
    title: ClassVar[str] = "Wallet profiling (step 3)"

    # history
    lookback_days: int = Field(30, ge=1, le=365, description="Days of history profiled")
    history_max_transactions: int = Field(
        1_000,
        ge=10,
        le=100_000,
        description="Newest transactions read per wallet; reaching it marks the profile partial",
    )
    market_max_swaps_per_token: int = Field(
        20_000,
        ge=100,
        le=1_000_000,
        description="Other wallets' swaps read per token for the copy replay",
    )
    min_trades: int = Field(
        10, ge=1, le=10_000, description="Trades (buys + sells) a wallet needs to qualify"
    )

    # copy replay: what copying this wallet would have cost us
    copy_latency_seconds: StrictFloat = Field(
        3.0, ge=0, le=600, description="Our delay from the wallet's trade to our fill"
    )
    copy_slippage_bps: int = Field(
        500, ge=0, le=5_000, description="Price worsening on each copied fill (bps)"
    )
    copy_fee_bps: int = Field(
        100, ge=0, le=1_000, description="Venue/protocol fee on each copied fill (bps)"
    )
    copy_fee_sol: StrictDecimal = Field(
        Decimal("0.0005"),
        ge=0,
        le=1,
        max_digits=20,
        decimal_places=9,
        description="Network + priority fee + tip per copied transaction (SOL)",
    )
    copy_size_sol: StrictDecimal = Field(
        Decimal("0.5"),
        gt=0,
        le=1_000,
        max_digits=20,
        decimal_places=9,
        description="SOL our copy spends on each of the wallet's buys",
    )
    replay_max_gap_seconds: int = Field(
        300,
        ge=1,
        le=86_400,
        description="A print later than this after our fill time is stale: use the last before",
    )

    # bot flags
    launch_window_slots: int = Field(
        8,
        ge=0,
        le=150,
        description="Buys at most this many slots after a launch / pool event are snipes"
        " (default 8 slots = 3.2 s, our copy latency: such a buy cannot be copied at its price)",
    )
    max_launch_buy_share: StrictFloat = Field(
        0.25, gt=0, le=1, description="Share of buys that are snipes above which a bot is flagged"
    )
    launch_buy_min_count: int = Field(
        2, ge=1, le=1_000, description="Snipes needed before the share can flag a wallet"
    )
    follow_window_slots: int = Field(
        10,
        ge=1,
        le=150,
        description="A buy at most this many slots after another wallet's buy of the same token"
        " follows it (copy bots trail their leader by 1-8 slots; default 10 = 4 s)",
    )
    max_followed_share: StrictFloat = Field(
        0.5,
        gt=0,
        le=1,
        description="Share of buys that follow a repeat leader above which a copy bot is flagged",
    )
    follow_min_count: int = Field(
        3, ge=1, le=1_000, description="Followed buys needed before the share can flag a wallet"
    )
    follow_min_mirrored_tokens: int = Field(
        2,
        ge=1,
        le=1_000,
        description="Tokens on which one leader was just ahead of both a buy and a sell, needed"
        " before the share can flag a wallet (a copy bot mirrors its leader's exits too; a wallet"
        " that merely bought after others in crowded launches does not)",
    )
    min_median_hold_seconds: StrictFloat = Field(
        30.0, ge=0, le=86_400, description="Median hold below this flags a bot (seconds)"
    )
    max_trades_per_day: StrictFloat = Field(
        500.0, gt=0, le=1_000_000, description="Trades per day above this flags a bot"
    )
    max_tokens_per_day: StrictFloat = Field(
        200.0, gt=0, le=1_000_000, description="Distinct tokens per day above this flags a bot"
    )

    # score
    weight_copy_edge: StrictFloat = Field(0.6, ge=0, le=1, description="Weight of the copy edge")
    weight_win_rate: StrictFloat = Field(0.2, ge=0, le=1, description="Weight of the copy win rate")
    weight_consistency: StrictFloat = Field(
        0.2, ge=0, le=1, description="Weight of the edge without the single best trade"
    )
    copy_gain_cap: StrictFloat = Field(
        0.4,
        gt=0,
        le=100,
        description="In the score, each copied buy counts for at most this return (0.4 = +40%):"
        " the typical copied buy repeats, a rare 10x does not",
    )
    edge_scale: StrictFloat = Field(
        0.25,
        gt=0,
        le=10,
        description="Copy edge mapped to [-1, 1] by tanh(edge / scale): ±scale → ±0.76",
    )
    confidence_k: StrictFloat = Field(
        10.0,
        gt=0,
        le=1_000,
        description="Copied buys at which confidence n/(n+k) reaches one half",
    )
    score_prior: StrictFloat = Field(
        -0.3,
        ge=-1,
        le=0,
        description="What the score assumes before any copied buy (on its -1..1 scale): a small"
        " sample is pulled toward it, not toward 0, so a few losing copies do not outrank a"
        " long record of the same result; below 0 because an unproven wallet copied after our"
        " latency, slippage and fees loses",
    )
    bot_penalty: StrictFloat = Field(
        2.0,
        gt=1,
        le=100,
        description="Subtracted from a flagged wallet's score (>1 puts it below every unflagged)",
    )

    @model_validator(mode="after")
    def _combinations_make_sense(self) -> WalletProfileSettings:
        if self.weight_copy_edge + self.weight_win_rate + self.weight_consistency <= 0:
            raise ValueError("at least one score weight must be positive")
        if self.min_median_hold_seconds < self.copy_latency_seconds:
            raise ValueError(
                "min_median_hold_seconds must be at least copy_latency_seconds: a wallet that"
                " exits before our copy arrives cannot be copied"
            )
        if self.copy_fee_sol >= self.copy_size_sol:
            raise ValueError("copy_fee_sol must be smaller than copy_size_sol")
        if self.copy_latency_seconds >= self.lookback_days * 86_400:
            raise ValueError("copy_latency_seconds must be shorter than the lookback")
        if self.min_trades > self.history_max_transactions:
            raise ValueError("min_trades must not exceed history_max_transactions")
        return self
