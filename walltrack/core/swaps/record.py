"""The flat, text-exact form of a `Swap` (CLI lines, queue messages): no floats, no exponents."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from walltrack.data.models.swap import Swap

SwapRecord = dict[str, str | int]


def format_amount(amount: Decimal) -> str:
    """Plain decimal text without trailing zeros: 0.499950000 → "0.49995", 5E+6 → "5000000".

    String work rather than `normalize()`, which rounds to the context precision.
    """
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def format_timestamp(swap: Swap) -> str:
    """ISO 8601 in UTC with a `Z`, to the second (Helius block times are whole seconds)."""
    moment = swap.timestamp
    if moment.tzinfo is None:  # a naive time in a Swap means UTC (the normaliser never makes one)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def swap_record(swap: Swap) -> SwapRecord:
    """The swap's fields in the documented order; amounts and time as text."""
    return {
        "signature": swap.signature,
        "wallet": swap.wallet,
        "side": swap.side,
        "token_mint": swap.token_mint,
        "token_amount": format_amount(swap.token_amount),
        "quote_mint": swap.quote_mint,
        "quote_amount": format_amount(swap.quote_amount),
        "source": swap.source,
        "timestamp": format_timestamp(swap),
        "slot": swap.slot,
    }
