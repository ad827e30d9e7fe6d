"""Solana facts every layer agrees on: the quote mints, and what a valid address is.

An address (mint, wallet, pool) is base58 of exactly 32 bytes; anything else is a clear
`InvalidInputError` naming the field (a 422 at the API). `SolanaAddress` is the same rule as a
pydantic type, for settings, messages and request bodies.

The length and alphabet are checked before anything is decoded: the base58 decode is quadratic
in the input's length (a 100,000-character "mint" took 12 s; a megabyte never returned).
"""

from __future__ import annotations

import re
from typing import Annotated

import base58
from pydantic import AfterValidator, WithJsonSchema

from walltrack.data.models.inputs import excerpt
from walltrack.errors import InvalidInputError

SOL_MINT = "So11111111111111111111111111111111111111112"
"""Native SOL and WSOL share this mint in swap records: the quote is SOL either way."""
USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
QUOTE_MINTS = frozenset({SOL_MINT, USDC_MINT})
"""What a token is priced in. USDT is a token, not a quote."""
QUOTE_SYMBOLS = {SOL_MINT: "SOL", USDC_MINT: "USDC"}

ADDRESS_BYTES = 32
ADDRESS_MIN_CHARS = 32  # 32 zero bytes are 32 '1's
ADDRESS_MAX_CHARS = 44  # 58**44 > 2**256 > 58**43
BASE58_ADDRESS = rf"^[1-9A-HJ-NP-Za-km-z]{{{ADDRESS_MIN_CHARS},{ADDRESS_MAX_CHARS}}}$"
"""What a 32-byte base58 string looks like (necessary, not sufficient: it must decode to 32)."""
_BASE58_ADDRESS = re.compile(BASE58_ADDRESS)
ADDRESS_JSON_SCHEMA = {"type": "string", "pattern": BASE58_ADDRESS}


def is_address(text: str) -> bool:
    """Base58 of exactly 32 bytes; anything too long or off the alphabet is refused undecoded."""
    if _BASE58_ADDRESS.fullmatch(text) is None:
        return False
    try:
        return len(base58.b58decode(text)) == ADDRESS_BYTES
    except ValueError:
        return False


def validate_address(value: str, *, field: str = "address", what: str = "Solana address") -> str:
    """The address without surrounding blanks, or `InvalidInputError` naming `field`."""
    text = value.strip()
    if not text or not is_address(text):
        raise InvalidInputError(
            f"'{excerpt(value)}' is not a {what} (base58 of 32 bytes)",
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


SolanaAddress = Annotated[str, AfterValidator(_checked), WithJsonSchema(ADDRESS_JSON_SCHEMA)]


def _mint_checked(value: str) -> str:
    text = value.strip()
    if not is_address(text):
        raise ValueError("not a Solana mint address (base58 of 32 bytes)")
    return text


MintAddress = Annotated[str, AfterValidator(_mint_checked), WithJsonSchema(ADDRESS_JSON_SCHEMA)]
"""A token's mint in a request body: a clear per-field error when it is not one."""
