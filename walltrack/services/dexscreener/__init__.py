"""DexScreener client (public API, no key)."""

from walltrack.services.dexscreener.client import (
    MAX_TOKENS_PER_CALL,
    PAIRS_RATE,
    PROFILES_RATE,
    DexScreenerClient,
)

__all__ = ["MAX_TOKENS_PER_CALL", "PAIRS_RATE", "PROFILES_RATE", "DexScreenerClient"]
