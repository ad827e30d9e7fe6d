"""Positions and quotes the order tests build."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from walltrack.data.models.jupiter import Quote
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.trading import Order, Position

AT = datetime(2026, 12, 18, 12, tzinfo=UTC)
MINT = "Mint1111111111111111111111111111111111111111"
POSITION_ID = UUID("00000000-0000-0000-0000-000000000001")


def position(**changes: Any) -> Position:
    """An open position: 1,000,000 units bought for 1 SOL (1,000 lamports per unit)."""
    fields: dict[str, Any] = {
        "position_id": POSITION_ID,
        "signal_id": 1,
        "token_mint": MINT,
        "wallet": "W" * 43,
        "owner_id": "own",
        "status": "open",
        "opened_at": AT,
        "size_lamports": 1_000_000_000,
        "held_units": 1_000_000,
        "cost_lamports": 1_000_000_000,
        "fees_lamports": 15_000,
        "entry_price": Decimal(1000),
        "peak_price": Decimal(1000),
        "last_price": Decimal(1000),
    }
    return Position(**(fields | changes))


def order(side: str = "entry", **changes: Any) -> Order:
    buy = side == "entry"
    fields: dict[str, Any] = {
        "order_id": UUID("00000000-0000-0000-0000-0000000000aa"),
        "position_id": POSITION_ID,
        "side": side,
        "reason": "signal" if buy else "stop_loss",
        "status": "pending",
        "requested_at": AT,
        "input_mint": SOL_MINT if buy else MINT,
        "output_mint": MINT if buy else SOL_MINT,
        "amount_in": 1_000_000_000 if buy else 1_000_000,
    }
    return Order(**(fields | changes))


def quote(
    in_mint: str = SOL_MINT,
    out_mint: str = MINT,
    in_amount: int = 1_000_000_000,
    out_amount: int = 990_000,
    impact: str = "0.01",
    hops: int = 1,
) -> Quote:
    plan = [
        {
            "swapInfo": {
                "ammKey": f"amm{i}",
                "label": ["Pump.fun Amm", "Raydium CPMM"][i % 2],
                "inputMint": in_mint,
                "outputMint": out_mint,
                "inAmount": str(in_amount),
                "outAmount": str(out_amount),
                "feeAmount": "2500000",
                "feeMint": SOL_MINT,
            },
            "percent": 100,
        }
        for i in range(hops)
    ]
    return Quote.model_validate(
        {
            "inputMint": in_mint,
            "inAmount": str(in_amount),
            "outputMint": out_mint,
            "outAmount": str(out_amount),
            "otherAmountThreshold": str(out_amount * 99 // 100),
            "swapMode": "ExactIn",
            "slippageBps": 100,
            "priceImpactPct": impact,
            "routePlan": plan,
        }
    )
