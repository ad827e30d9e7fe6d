"""Jupiter shapes: Swap v1 quotes (apis.md §3.1) and Price v3 entries (§3.3).

Swap amounts arrive as raw-unit strings and stay exact Python ints; `priceImpactPct` is a string
holding a fraction (`"0.0123"` = 1.23 %) and becomes a Decimal; Price v3 numbers become Decimals
through their shortest text (`7.5e-06` stays exactly that).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from walltrack.data.models.market import Number, RawAmount

SwapMode = Literal["ExactIn", "ExactOut"]


def _none_to_empty_list(value: Any) -> Any:
    return [] if value is None else value


class _JupiterModel(BaseModel):
    """Immutable, snake_case in Python, camelCase on the wire, unknown fields ignored."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", alias_generator=to_camel, populate_by_name=True
    )


class SwapInfo(_JupiterModel):
    """One hop. `label` is a display string: key on `amm_key`. Fee fields are deprecated."""

    amm_key: str
    label: str | None = None
    input_mint: str
    output_mint: str
    in_amount: RawAmount
    out_amount: RawAmount
    fee_amount: RawAmount | None = None
    fee_mint: str | None = None


class RoutePlanStep(_JupiterModel):
    swap_info: SwapInfo
    percent: int | None = None
    bps: int | None = None


class PlatformFee(_JupiterModel):
    amount: RawAmount
    fee_bps: int


class Quote(_JupiterModel):
    """`GET /swap/v1/quote`. `out_amount` is after fees and before slippage;
    `other_amount_threshold` is the slippage-adjusted minimum (ExactIn)."""

    input_mint: str
    in_amount: RawAmount
    output_mint: str
    out_amount: RawAmount
    other_amount_threshold: RawAmount
    swap_mode: SwapMode
    slippage_bps: int
    platform_fee: PlatformFee | None = None
    price_impact_pct: Number = Field(description="a fraction: 0.0123 = 1.23 %")
    route_plan: Annotated[list[RoutePlanStep], BeforeValidator(_none_to_empty_list)]
    context_slot: int | None = None
    time_taken: Number | None = Field(default=None, description="seconds")

    @property
    def amm_keys(self) -> list[str]:
        return [step.swap_info.amm_key for step in self.route_plan]

    @property
    def route_labels(self) -> list[str]:
        return [step.swap_info.label or "" for step in self.route_plan]


class TokenPrice(_JupiterModel):
    """`GET /price/v3` value for one mint: a last-swap price for marks, not a fill."""

    usd_price: Number
    block_id: int | None = None
    decimals: int | None = None
    price_change_24h: Number | None = Field(
        default=None, alias="priceChange24h", description="percent: 1.29 = +1.29 %"
    )
    liquidity: Number | None = None
    created_at: str | None = None


__all__ = ["PlatformFee", "Quote", "RoutePlanStep", "SwapInfo", "SwapMode", "TokenPrice"]
