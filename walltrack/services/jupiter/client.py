"""Jupiter Swap v1 quotes and Price v3 (apis.md §3), with the key in the `x-api-key` header.

Limits are per organisation and shared by Swap and Price, so both calls use ONE limiter group,
at the plan's rate: keyless 0.5 req/s, Free 1 req/s (key required), Developer 10, Launch 50,
Pro 150 (60 s sliding window). A 429 waits for `Retry-After`, else for Jupiter's
`x-ratelimit-reset` (Unix seconds when a slot frees).

A 400 is either a market fact or our bug: only `COULD_NOT_FIND_ANY_ROUTE`, `NO_ROUTES_FOUND` and
`TOKEN_NOT_TRADABLE` mean "no route" (`NoRouteError`); other error codes are
`QuoteRejectedError`, a 400 without a code stays a plain `BadRequestError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Unpack

import httpx
from pydantic import SecretStr, ValidationError

from walltrack.config.settings import JupiterPlan
from walltrack.data.models.jupiter import Quote, SwapMode, TokenPrice
from walltrack.data.models.market import describe_validation_error
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
)

DEFAULT_BASE_URL = "https://api.jup.ag"
MAX_PRICE_IDS = 50
MAX_SLIPPAGE_BPS = 10_000
NO_ROUTE_CODES = frozenset({"COULD_NOT_FIND_ANY_ROUTE", "NO_ROUTES_FOUND", "TOKEN_NOT_TRADABLE"})
_MESSAGE_CHARS = 200


JUPITER_RATE_BY_PLAN: dict[JupiterPlan, RateLimit] = {
    "keyless": RateLimit(30, 60.0),
    "free": RateLimit(60, 60.0),
    "developer": RateLimit(600, 60.0),
    "launch": RateLimit(3000, 60.0),
    "pro": RateLimit(9000, 60.0),
}
"""Requests per 60 s sliding window, per organisation (apis.md §3, Aug 2026)."""


class QuoteRejectedError(BadRequestError):
    """A 400 with a Jupiter `errorCode` that is not about the market (e.g. circular swap)."""

    def __init__(
        self, message: str, *, service: str, error_code: str, status_code: int | None = None
    ) -> None:
        super().__init__(message, service=service, status_code=status_code)
        self.error_code = error_code


class NoRouteError(ServiceError):
    """Jupiter has no route (or the token is not tradable): a market fact, not a failure."""

    def __init__(
        self, message: str, *, service: str, error_code: str, status_code: int | None = None
    ) -> None:
        super().__init__(message, service=service, status_code=status_code)
        self.error_code = error_code


class JupiterClient(ServiceClient):
    service = "jupiter"

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        api_key: SecretStr | None = None,
        rate: RateLimit | None = None,
        **transport: Unpack[Transport],
    ) -> None:
        key = api_key.get_secret_value() if api_key is not None else None
        if rate is None:
            rate = JUPITER_RATE_BY_PLAN["free" if key else "keyless"]
        super().__init__(
            base_url=base_url,
            rate_limits={"jupiter": rate},
            secrets=[key],
            **transport,
        )
        self._headers = {"x-api-key": key} if key else None

    async def quote(
        self,
        input_mint: str,
        output_mint: str,
        amount: int,
        slippage_bps: int,
        swap_mode: SwapMode = "ExactIn",
        *,
        only_direct_routes: bool = False,
    ) -> Quote:
        """Best route for `amount` raw units of the input (ExactIn) or output (ExactOut).

        Raises `NoRouteError` when the market has no route for it.
        """
        if isinstance(amount, bool) or not 0 < amount < 2**64:
            raise ValueError("amount must be a positive integer of base units (u64)")
        if not 0 <= slippage_bps <= MAX_SLIPPAGE_BPS:
            raise ValueError(f"slippage_bps must be 0..{MAX_SLIPPAGE_BPS}")
        params = {
            "inputMint": input_mint,
            "outputMint": output_mint,
            "amount": str(amount),
            "slippageBps": str(slippage_bps),
            "swapMode": swap_mode,
        }
        if only_direct_routes:
            params["onlyDirectRoutes"] = "true"
        path = "/swap/v1/quote"
        body = await self.request_json(
            "GET", path, group="jupiter", params=params, headers=self._headers
        )
        return self.parse_one(body, Quote, f"GET {path}")

    async def price(self, ids: Iterable[str]) -> dict[str, Decimal]:
        """USD price per mint; mints Jupiter has no reliable price for are absent."""
        return {mint: entry.usd_price for mint, entry in (await self.prices(ids)).items()}

    async def prices(self, ids: Iterable[str]) -> dict[str, TokenPrice]:
        """Price v3 entries per mint, ≤ 50 ids per call; unknown or illiquid mints are absent."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, TokenPrice] = {}
        for start in range(0, len(wanted), MAX_PRICE_IDS):
            batch = wanted[start : start + MAX_PRICE_IDS]
            body = await self.request_json(
                "GET",
                "/price/v3",
                group="jupiter",
                params={"ids": ",".join(batch)},
                headers=self._headers,
            )
            found |= self._price_entries(body, batch)
        return found

    def _price_entries(self, body: Any, batch: list[str]) -> dict[str, TokenPrice]:
        if not isinstance(body, dict):
            raise InvalidResponseError(
                f"GET /price/v3 returned {type(body).__name__}, expected an object keyed by mint",
                service=self.service,
            )
        entries: dict[str, TokenPrice] = {}
        errors: list[str] = []
        for mint in batch:
            raw = body.get(mint)
            if raw is None:
                continue
            try:
                entries[mint] = TokenPrice.model_validate(raw)
            except ValidationError as exc:
                errors.append(f"{mint}: {describe_validation_error(exc)}")
        if errors:
            self._log.warning(
                "malformed prices skipped",
                endpoint="GET /price/v3",
                skipped=len(errors),
                kept=len(entries),
                errors=errors[:5],
            )
        return entries

    def error_for_response(self, response: httpx.Response, where: str) -> ServiceError | None:
        status = response.status_code
        if status == httpx.codes.BAD_REQUEST:
            return self._bad_request(response, where)
        if status == httpx.codes.TOO_MANY_REQUESTS and "Retry-After" not in response.headers:
            return self._rate_limited_until_reset(response, where)
        return None

    def _bad_request(self, response: httpx.Response, where: str) -> ServiceError | None:
        try:
            body = response.json()
        except ValueError:
            return None
        code = body.get("errorCode") if isinstance(body, dict) else None
        if not isinstance(code, str) or not code:
            return None
        text = self._redact(" ".join(str(body.get("error", "")).split()))[:_MESSAGE_CHARS]
        message = f"{where} → HTTP 400 {code}: {text}"
        if code in NO_ROUTE_CODES:
            return NoRouteError(message, service=self.service, error_code=code, status_code=400)
        return QuoteRejectedError(message, service=self.service, error_code=code, status_code=400)

    def _rate_limited_until_reset(
        self, response: httpx.Response, where: str
    ) -> ServiceError | None:
        """A 429 without `Retry-After`: wait until `x-ratelimit-reset` (Unix seconds)."""
        try:
            reset = float(response.headers["x-ratelimit-reset"])
        except (KeyError, ValueError):
            return None
        if not math.isfinite(reset):
            return None
        wait_s = max(reset - self._clock.now().timestamp(), 0.0)
        return RateLimitedError(
            f"{where} → HTTP 429", service=self.service, status_code=429, retry_after=wait_s
        )


__all__ = [
    "DEFAULT_BASE_URL",
    "JUPITER_RATE_BY_PLAN",
    "MAX_PRICE_IDS",
    "NO_ROUTE_CODES",
    "JupiterClient",
    "JupiterPlan",
    "NoRouteError",
    "QuoteRejectedError",
]
