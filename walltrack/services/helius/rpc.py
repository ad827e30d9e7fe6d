"""Helius standard JSON-RPC: `getSignaturesForAddress` and `getBalance` (apis.md §2.5).

Same endpoint, key handling, limiter groups and JSON-RPC error mapping as the DAS client, so
this extends it rather than repeating the plumbing. Both calls are in the plain "rpc" group.
"""

from __future__ import annotations

from typing import Any, Literal

from walltrack.data.models.helius import SignatureInfo
from walltrack.services.errors import InvalidResponseError
from walltrack.services.helius.das import HeliusDasClient

MAX_SIGNATURES_PER_CALL = 1000
"""`limit` of getSignaturesForAddress: 1-1000, and also its default."""

Commitment = Literal["finalized", "confirmed"]


class HeliusRpcClient(HeliusDasClient):
    """getAsset/getTokenLargestAccounts (inherited) plus signatures and balances."""

    async def get_signatures_for_address(
        self,
        address: str,
        *,
        before: str | None = None,
        until: str | None = None,
        limit: int = MAX_SIGNATURES_PER_CALL,
        commitment: Commitment | None = None,
    ) -> list[SignatureInfo]:
        """Signatures touching `address` directly, newest first, failed ones included.

        `before`: start below this signature; `until`: stop at this one (exclusive). Page by
        passing the last signature as the next `before`; an empty list is the end.
        """
        if not 1 <= limit <= MAX_SIGNATURES_PER_CALL:
            raise ValueError(f"limit must be 1..{MAX_SIGNATURES_PER_CALL}")
        config: dict[str, Any] = {"limit": limit}
        optional = {"before": before, "until": until, "commitment": commitment}
        config |= {name: value for name, value in optional.items() if value}
        result = await self._call("getSignaturesForAddress", [address, config], group="rpc")
        if not isinstance(result, list):
            raise InvalidResponseError(
                "getSignaturesForAddress returned no signature list", service=self.service
            )
        return [self.parse_one(item, SignatureInfo, "getSignaturesForAddress") for item in result]

    async def get_balance(self, address: str, *, commitment: Commitment | None = None) -> int:
        """The SOL balance of `address` in lamports (0 for an unknown account)."""
        params: list[Any] = [address, {"commitment": commitment}] if commitment else [address]
        result = await self._call("getBalance", params, group="rpc")
        value = result.get("value") if isinstance(result, dict) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidResponseError("getBalance returned no lamport value", service=self.service)
        return value


__all__ = ["MAX_SIGNATURES_PER_CALL", "HeliusRpcClient"]
