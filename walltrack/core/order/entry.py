"""A paper fill from the Jupiter quote taken when an order is processed, or its rejection.

Entries and exits share it: both fill at the quote's `inAmount` → `outAmount` (ExactIn; Jupiter's
out is already net of the venues' fees, which are recorded per mint for display only). An entry
is rejected when nothing routes, when the quote is older than `max_quote_age_seconds`, or when
its price impact is over `max_price_impact_pct`; an exit is never rejected for its impact (it
must sell whatever the price), only when its quote is stale; an exit of a token nothing routes
(Jupiter's permanent "no route / not tradable", as after a rug) is written off: sold for 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from walltrack.data.models.jupiter import Quote
from walltrack.data.models.orders import Fill
from walltrack.data.models.trading import Order
from walltrack.data.models.trading_settings import OrderSettings


@dataclass(frozen=True)
class NoRoute:
    """Jupiter's answer that nothing routes this pair (its message, as given)."""

    message: str


@dataclass(frozen=True)
class Rejection:
    reason: str
    quote: dict[str, Any] | None = None


def venue_fees(quote: Quote) -> dict[str, int]:
    """The route's fees per mint (each hop's `feeAmount` in its `feeMint`, plus a platform fee
    in the output mint): already inside `outAmount`, kept for display."""
    fees: dict[str, int] = {}
    for step in quote.route_plan:
        info = step.swap_info
        if info.fee_amount and info.fee_mint:
            fees[info.fee_mint] = fees.get(info.fee_mint, 0) + int(info.fee_amount)
    if quote.platform_fee is not None and quote.platform_fee.amount:
        fees[quote.output_mint] = fees.get(quote.output_mint, 0) + int(quote.platform_fee.amount)
    return fees


def written_off(order: Order, reason: str) -> Fill:
    """An exit of a token nothing routes (a pulled pool, a rug): its units are sold for
    nothing — the honest mark of what cannot be sold — so the position closes with its rule and
    the loss shows. No transaction could be sent, so no fee is counted."""
    return Fill(
        filled_in=order.amount_in,
        filled_out=0,
        price_impact_pct=None,
        slippage_bps=None,
        route=f"written off: {reason}",
        network_fee_lamports=0,
        priority_fee_lamports=0,
        tip_lamports=0,
    )


def paper_fill(
    order: Order,
    quote: Quote | NoRoute,
    *,
    quoted_at: datetime,
    now: datetime,
    settings: OrderSettings,
) -> Fill | Rejection:
    """The order's fill from `quote` (received at `quoted_at`), or why it is rejected."""
    if isinstance(quote, NoRoute):
        reason = f"no route: {quote.message}"
        return written_off(order, reason) if order.side == "exit" else Rejection(reason)
    raw = quote.model_dump(mode="json", by_alias=True)
    if not quote.route_plan or quote.out_amount <= 0:
        reason = "no route: the quote routes nothing"
        return written_off(order, reason) if order.side == "exit" else Rejection(reason, raw)
    if (quote.input_mint, quote.output_mint) != (order.input_mint, order.output_mint) or int(
        quote.in_amount
    ) != order.amount_in:
        return Rejection("quote does not match the order (mints or amount)", raw)
    age = (now - quoted_at).total_seconds()
    if age > settings.max_quote_age_seconds:
        return Rejection(f"quote is {age:.1f} s old (max {settings.max_quote_age_seconds} s)", raw)
    impact_pct = Decimal(quote.price_impact_pct) * 100
    if order.side == "entry" and impact_pct > settings.max_price_impact_pct:
        return Rejection(
            f"price impact {impact_pct:.2f} % over the {settings.max_price_impact_pct} % cap",
            raw,
        )
    return Fill(
        filled_in=int(quote.in_amount),
        filled_out=int(quote.out_amount),
        price_impact_pct=Decimal(quote.price_impact_pct),
        slippage_bps=quote.slippage_bps,
        route=" > ".join(label or "?" for label in quote.route_labels),
        network_fee_lamports=settings.network_fee_lamports,
        priority_fee_lamports=settings.priority_fee_lamports,
        tip_lamports=settings.tip_lamports,
        venue_fees=venue_fees(quote),
        quote=raw,
    )


__all__ = ["Fill", "NoRoute", "Rejection", "paper_fill", "venue_fees", "written_off"]
