"""DexScreener public API (no key): token discovery feeds and pair market data.

Two rate-limit groups (apis.md §1.1): profiles/boosts at 60 req/min and pairs/search/tokens at
300 req/min, each with its own limiter. List responses are parsed item by item: a malformed item
is skipped and counted (`Parsed.skipped`), the rest returned. Choosing a token's best pair is
business logic and lives in core, not here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, Unpack
from urllib.parse import quote

from pydantic import BaseModel

from walltrack.data.models.market import (
    SOLANA_CHAIN_ID,
    Pair,
    Parsed,
    TokenBoost,
    TokenProfile,
)
from walltrack.services.base import (
    RateLimit,
    ServiceClient,
    Transport,
)
from walltrack.services.errors import InvalidResponseError

DEFAULT_BASE_URL = "https://api.dexscreener.com"
PROFILES_RATE = RateLimit(60, 60.0)
PAIRS_RATE = RateLimit(300, 60.0)
MAX_TOKENS_PER_CALL = 30

M = TypeVar("M", bound=BaseModel)


class DexScreenerClient(ServiceClient):
    service = "dexscreener"

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        profiles_rate: RateLimit = PROFILES_RATE,
        pairs_rate: RateLimit = PAIRS_RATE,
        **transport: Unpack[Transport],
    ) -> None:
        super().__init__(
            base_url=base_url,
            rate_limits={"profiles": profiles_rate, "pairs": pairs_rate},
            **transport,
        )

    # --- discovery feeds (60/min) ------------------------------------------------------------

    async def latest_token_profiles(self) -> Parsed[TokenProfile]:
        """Newest token profiles, every chain (filter on `chain_id`)."""
        return await self._list("/token-profiles/latest/v1", TokenProfile, group="profiles")

    async def latest_boosts(self) -> Parsed[TokenBoost]:
        return await self._list("/token-boosts/latest/v1", TokenBoost, group="profiles")

    async def top_boosts(self) -> Parsed[TokenBoost]:
        """Tokens with the most active boosts, highest `total_amount` first."""
        return await self._list("/token-boosts/top/v1", TokenBoost, group="profiles")

    # --- pairs (300/min) ---------------------------------------------------------------------

    async def search(self, query: str) -> Parsed[Pair]:
        """Fuzzy, cross-chain pair search; `pairs: null` means no match."""
        body = await self.request_json(
            "GET", "/latest/dex/search", group="pairs", params={"q": query}
        )
        return self.parse_list(_wrapped_pairs(body, "search"), Pair, "search")

    async def pair(self, pair_address: str, *, chain_id: str = SOLANA_CHAIN_ID) -> Parsed[Pair]:
        path = f"/latest/dex/pairs/{_segment(chain_id)}/{_segment(pair_address)}"
        body = await self.request_json("GET", path, group="pairs")
        return self.parse_list(_wrapped_pairs(body, "pairs"), Pair, "pairs")

    async def token_pairs(self, mint: str, *, chain_id: str = SOLANA_CHAIN_ID) -> Parsed[Pair]:
        """Every pool of one token (bare array)."""
        path = f"/token-pairs/v1/{_segment(chain_id)}/{_segment(mint)}"
        return await self._list(path, Pair, group="pairs")

    async def tokens(
        self,
        mints: Iterable[str],
        *,
        chain_id: str = SOLANA_CHAIN_ID,
        batch_size: int = MAX_TOKENS_PER_CALL,
    ) -> Parsed[Pair]:
        """Pairs of many tokens, ≤ 30 addresses per call; 0..n pairs come back per token."""
        if not 1 <= batch_size <= MAX_TOKENS_PER_CALL:
            raise ValueError(f"batch_size must be 1..{MAX_TOKENS_PER_CALL}")
        unique = list(dict.fromkeys(mints))
        result: Parsed[Pair] = Parsed()
        for start in range(0, len(unique), batch_size):
            batch = ",".join(_segment(mint) for mint in unique[start : start + batch_size])
            path = f"/tokens/v1/{_segment(chain_id)}/{batch}"
            result = result + await self._list(path, Pair, group="pairs")
        return result

    # --- parsing -----------------------------------------------------------------------------

    async def _list(self, path: str, model: type[M], *, group: str) -> Parsed[M]:
        body = await self.request_json("GET", path, group=group)
        return self.parse_list(body, model, path)


def _wrapped_pairs(body: Any, where: str) -> Any:
    """`/latest/dex/*` wrap pairs as `{"schemaVersion", "pairs": [...] | null}`."""
    if not isinstance(body, dict) or "pairs" not in body:
        raise InvalidResponseError(
            f"{where} returned no 'pairs' object", service=DexScreenerClient.service
        )
    pairs = body["pairs"]
    return [] if pairs is None else pairs


def _segment(value: str) -> str:
    """A path segment, escaped so a user-supplied value cannot change the path."""
    return quote(value, safe="")
