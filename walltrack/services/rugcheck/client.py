"""RugCheck token report summary (no key needed; a key only raises limits).

RugCheck publishes no rate limit: the default of 1 request per second follows apis.md §4
("keep ≤ ~1–2 req/s"). An unknown but valid mint answers HTTP 400 `{"error": "not found"}`,
not 404; that is mapped to `ServiceNotFoundError` here.
"""

from __future__ import annotations

from typing import Unpack
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from walltrack.data.models.market import RugCheckSummary
from walltrack.services.base import (
    RateLimit,
    ServiceClient,
    Transport,
)
from walltrack.services.errors import ServiceError, ServiceNotFoundError

DEFAULT_BASE_URL = "https://api.rugcheck.xyz"
REPORTS_RATE = RateLimit(1, 1.0)


class RugCheckClient(ServiceClient):
    service = "rugcheck"

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        api_key: SecretStr | None = None,
        reports_rate: RateLimit = REPORTS_RATE,
        **transport: Unpack[Transport],
    ) -> None:
        key = api_key.get_secret_value() if api_key is not None else None
        super().__init__(
            base_url=base_url,
            rate_limits={"reports": reports_rate},
            secrets=[key],
            **transport,
        )
        # swagger declares an apiKey in the `Authorization` header
        self._headers = {"Authorization": key} if key else None

    async def report_summary(self, mint: str) -> RugCheckSummary:
        """The risk summary of one mint; it carries no authority fields (use DAS for those)."""
        path = f"/v1/tokens/{quote(mint, safe='')}/report/summary"
        body = await self.request_json("GET", path, group="reports", headers=self._headers)
        summary = self.parse_one(body, RugCheckSummary, f"GET {path}")
        return summary if summary.mint else summary.model_copy(update={"mint": mint})

    def error_for_response(self, response: httpx.Response, where: str) -> ServiceError | None:
        if response.status_code == httpx.codes.BAD_REQUEST and _says_not_found(response):
            return ServiceNotFoundError(
                f"{where} → HTTP 400: not found", service=self.service, status_code=400
            )
        return None


def _says_not_found(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("error", "")).strip().lower() == "not found"
