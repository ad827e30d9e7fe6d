"""Solana addresses (mints, wallets): base58 of 32 bytes; anything else is a clear 422."""

from __future__ import annotations

import base58

from walltrack.core.errors import InvalidInputError


def validate_address(value: str, *, field: str = "address", what: str = "Solana address") -> str:
    """The address without surrounding blanks, or `InvalidInputError` naming `field`."""
    text = value.strip()
    try:
        raw = base58.b58decode(text)
    except ValueError:
        raw = b""
    if not text or len(raw) != 32:
        raise InvalidInputError(
            f"{value!r} is not a {what} (base58 of 32 bytes)",
            [{"loc": [field], "msg": "not a base58 32-byte address", "type": "value_error"}],
        )
    return text


def validate_mint(mint: str) -> str:
    return validate_address(mint, field="mint", what="Solana mint address")
