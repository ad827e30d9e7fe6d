"""Solana facts every layer agrees on: the quote mints, and what a valid address is.

An address (mint, wallet, pool) is base58 of exactly 32 bytes; anything else is a clear
`InvalidInputError` naming the field (a 422 at the API). `SolanaAddress` is the same rule as a
pydantic type, for settings, messages and request bodies.
"""

from __future__ import annotations

from typing import Annotated

import base58
from pydantic import AfterValidator

from walltrack.errors import InvalidInputError

SOL_MINT = "So11111111111111111111111111111111111111112"
"""Native SOL and WSOL share this mint in swap records: the quote is SOL either way."""
USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
QUOTE_MINTS = frozenset({SOL_MINT, USDC_MINT})
"""What a token is priced in. USDT is a token, not a quote."""
QUOTE_SYMBOLS = {SOL_MINT: "SOL", USDC_MINT: "USDC"}

ADDRESS_BYTES = 32


def is_address(text: str) -> bool:
    try:
        return len(base58.b58decode(text)) == ADDRESS_BYTES
    except ValueError:
        return False


def validate_address(value: str, *, field: str = "address", what: str = "Solana address") -> str:
    """The address without surrounding blanks, or `InvalidInputError` naming `field`."""
    text = value.strip()
    if not text or not is_address(text):
        raise InvalidInputError(
            f"{value!r} is not a {what} (base58 of 32 bytes)",
            [{"loc": [field], "msg": "not a base58 32-byte address", "type": "value_error"}],
        )
    return text


def validate_mint(mint: str) -> str:
    return validate_address(mint, field="mint", what="Solana mint address")


def _checked(value: str) -> str:
    text = value.strip()
    if not is_address(text):
        raise ValueError("not a base58 32-byte Solana address")  # pydantic reports it per field
    return text


SolanaAddress = Annotated[str, AfterValidator(_checked)]
