"""Helius JSON-RPC + DAS: `getAsset` (a mint's supply, decimals, token program, authorities)
and `getTokenLargestAccounts` (the biggest token accounts, for holder concentration).

JSON-RPC over `POST {helius_rpc_url}/?api-key=KEY` (apis.md §2.5). The key travels in the query
string, so it is registered as a secret (masked in every log line) and redacted from errors.
JSON-RPC errors become typed errors; "not found" (in any status) becomes `ServiceNotFoundError`.
"""

from __future__ import annotations

import re
from itertools import count
from typing import Any, Unpack

import httpx
from pydantic import SecretStr

from walltrack.data.models.market import DasAsset, TokenAccountBalance
from walltrack.services.base import (
    RateLimit,
    ServiceClient,
    Transport,
)
from walltrack.services.errors import (
    BadRequestError,
    InvalidResponseError,
    RateLimitedError,
    ServiceError,
    ServiceNotFoundError,
    TemporaryServiceError,
)
from walltrack.services.helius.limits import DAS_RATE_BY_PLAN, DEFAULT_PLAN, RPC_RATE_BY_PLAN

DEFAULT_RPC_URL = "https://mainnet.helius-rpc.com"
_NOT_FOUND = re.compile(r"not[\s_-]?found", re.I)
_RATE_LIMITED = re.compile(r"rate[\s_-]?limit|too many requests", re.I)
_BAD_REQUEST_CODES = {-32700, -32600, -32601, -32602}  # parse error, invalid request/method/params
_MESSAGE_CHARS = 200


class HeliusDasClient(ServiceClient):
    service = "helius"

    def __init__(
        self,
        rpc_url: str = DEFAULT_RPC_URL,
        *,
        api_key: SecretStr | None = None,
        das_rate: RateLimit = DAS_RATE_BY_PLAN[DEFAULT_PLAN],
        rpc_rate: RateLimit = RPC_RATE_BY_PLAN[DEFAULT_PLAN],
        **transport: Unpack[Transport],
    ) -> None:
        key = api_key.get_secret_value() if api_key is not None else None
        super().__init__(
            base_url=rpc_url,
            rate_limits={"das": das_rate, "rpc": rpc_rate},
            secrets=[key],
            **transport,
        )
        # No key is allowed for the local simulated market; Helius itself answers 401.
        self._params = {"api-key": key} if key else None
        self._ids = count(1)

    async def get_asset(self, mint: str) -> DasAsset:
        """The DAS asset of `mint`; `ServiceNotFoundError` when Helius does not know it."""
        result = await self._call("getAsset", {"id": mint}, group="das")
        if result is None:
            raise ServiceNotFoundError("getAsset returned no asset", service=self.service)
        return self.parse_one(result, DasAsset, "getAsset")

    async def get_token_largest_accounts(self, mint: str) -> list[TokenAccountBalance]:
        """Up to 20 largest token accounts of `mint` (accounts, not owners: pools included)."""
        result = await self._call("getTokenLargestAccounts", [mint], group="rpc")
        if not isinstance(result, dict) or not isinstance(result.get("value"), list):
            raise InvalidResponseError(
                "getTokenLargestAccounts returned no value list", service=self.service
            )
        return [
            self.parse_one(item, TokenAccountBalance, "getTokenLargestAccounts")
            for item in result["value"]
        ]

    async def _call(self, method: str, params: Any, *, group: str) -> Any:
        request_id = f"walltrack-{next(self._ids)}"
        payload = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        body = await self.request_json("POST", "/", group=group, params=self._params, json=payload)
        if not isinstance(body, dict) or "result" not in body:
            raise InvalidResponseError(
                f"{method} returned no JSON-RPC result", service=self.service
            )
        if body.get("id") != request_id:
            raise InvalidResponseError(
                f"{method} answered another request id", service=self.service
            )
        return body["result"]

    def error_for_response(self, response: httpx.Response, where: str) -> ServiceError | None:
        """A JSON-RPC error object. "Not found" wins at any HTTP status; other errors in a
        non-2xx answer are left to the status mapping (which honours `Retry-After`)."""
        try:
            body = response.json()
        except ValueError:
            return None
        if not isinstance(body, dict) or body.get("error") is None:
            return None
        error = self._rpc_error(body["error"], where, response.status_code)
        if response.is_success or isinstance(error, ServiceNotFoundError):
            return error
        return None

    def _rpc_error(self, error: Any, where: str, status: int) -> ServiceError:
        code = error.get("code") if isinstance(error, dict) else None
        raw_message = error.get("message") if isinstance(error, dict) else error
        message = self._redact(" ".join(str(raw_message or "").split()))[:_MESSAGE_CHARS]
        text = f"{where} → JSON-RPC error {code}: {message}"
        if _NOT_FOUND.search(message):
            return ServiceNotFoundError(text, service=self.service, status_code=status)
        if _RATE_LIMITED.search(message):
            return RateLimitedError(text, service=self.service, status_code=status)
        if code in _BAD_REQUEST_CODES:
            return BadRequestError(text, service=self.service, status_code=status)
        # -32603 internal error, -32000..-32099 server errors, unknown codes: try again later.
        return TemporaryServiceError(text, service=self.service, status_code=status)
