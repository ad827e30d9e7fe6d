"""Helius webhooks CRUD: list, get, create, update (PUT, full replacement), delete.

REST on `{helius_api_base_url}/v0/webhooks?api-key=KEY` (apis.md §2.4). Each create/edit/delete
costs 100 credits, so callers diff their watchlist and send one PUT per sync. The auth header
Helius echoes back on every delivery is a secret: it is registered for log masking and redacted
from errors, and the models hold it as `SecretStr`. At most 100,000 addresses per webhook: more
raises `TooManyAddressesError` before anything is sent.

Helius documents no rate limit for these calls; they get their own group, at the plan's
Enhanced/DAS rate by default (an assumption, not a documented figure).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Unpack
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from walltrack.data.models.helius import (
    MAX_ADDRESSES_PER_WEBHOOK,
    TxnStatus,
    Webhook,
    WebhookRequest,
    WebhookType,
)
from walltrack.log import register_secrets
from walltrack.services.base import (
    RateLimit,
    ServiceClient,
    Transport,
)
from walltrack.services.errors import BadRequestError
from walltrack.services.helius.limits import DAS_RATE_BY_PLAN, DEFAULT_PLAN
from walltrack.services.helius.transactions import DEFAULT_API_BASE_URL

ANY_TRANSACTION = ("ANY",)
"""Subscribe to every type: PumpSwap trades are BUY/SELL, not SWAP (apis.md §2.7)."""


class TooManyAddressesError(BadRequestError):
    """More account addresses than one webhook may hold; nothing was sent."""


class HeliusWebhooksClient(ServiceClient):
    service = "helius"

    def __init__(
        self,
        api_base_url: str = DEFAULT_API_BASE_URL,
        *,
        api_key: SecretStr | None = None,
        webhooks_rate: RateLimit = DAS_RATE_BY_PLAN[DEFAULT_PLAN],
        **transport: Unpack[Transport],
    ) -> None:
        key = api_key.get_secret_value() if api_key is not None else None
        super().__init__(
            base_url=api_base_url,
            rate_limits={"webhooks": webhooks_rate},
            secrets=[key],
            **transport,
        )
        self._key_params = {"api-key": key} if key else {}

    async def list(self) -> list[Webhook]:
        """Every webhook of the account (a malformed one is skipped and logged)."""
        body = await self._send("GET", "/v0/webhooks")
        return self.parse_list(body, Webhook, "GET /v0/webhooks").items

    async def get(self, webhook_id: str) -> Webhook:
        """One webhook; `ServiceNotFoundError` when Helius does not know the id."""
        path = _webhook_path(webhook_id)
        return self.parse_one(await self._send("GET", path), Webhook, f"GET {path}")

    async def create(
        self,
        webhook_url: str,
        account_addresses: Iterable[str],
        *,
        auth_header: SecretStr | str,
        transaction_types: Sequence[str] = ANY_TRANSACTION,
        webhook_type: WebhookType = "enhanced",
        txn_status: TxnStatus | None = None,
    ) -> Webhook:
        request = self._request(
            webhook_url=webhook_url,
            account_addresses=account_addresses,
            auth_header=auth_header,
            transaction_types=transaction_types,
            webhook_type=webhook_type,
            txn_status=txn_status,
        )
        webhook = self.parse_one(
            await self._send("POST", "/v0/webhooks", json=request.to_wire()),
            Webhook,
            "POST /v0/webhooks",
        )
        self._log.info(
            "webhook created",
            webhook_id=webhook.webhook_id,
            addresses=len(request.account_addresses),
        )
        return webhook

    async def update(
        self,
        webhook_id: str,
        webhook_url: str,
        account_addresses: Iterable[str],
        *,
        auth_header: SecretStr | str,
        transaction_types: Sequence[str] = ANY_TRANSACTION,
        webhook_type: WebhookType = "enhanced",
        txn_status: TxnStatus | None = None,
    ) -> Webhook:
        """Replace the whole webhook (PUT): every field is sent, not just the changed ones."""
        request = self._request(
            webhook_url=webhook_url,
            account_addresses=account_addresses,
            auth_header=auth_header,
            transaction_types=transaction_types,
            webhook_type=webhook_type,
            txn_status=txn_status,
        )
        path = _webhook_path(webhook_id)
        webhook = self.parse_one(
            await self._send("PUT", path, json=request.to_wire()), Webhook, f"PUT {path}"
        )
        self._log.info(
            "webhook updated", webhook_id=webhook_id, addresses=len(request.account_addresses)
        )
        return webhook

    async def delete(self, webhook_id: str) -> None:
        """Delete one webhook; Helius answers 200 `{message}`, an empty 200 or 204."""
        await self._send("DELETE", _webhook_path(webhook_id))
        self._log.info("webhook deleted", webhook_id=webhook_id)

    # --- plumbing ----------------------------------------------------------------------------

    def _request(
        self,
        *,
        webhook_url: str,
        account_addresses: Iterable[str],
        auth_header: SecretStr | str,
        transaction_types: Sequence[str],
        webhook_type: WebhookType,
        txn_status: TxnStatus | None,
    ) -> WebhookRequest:
        addresses = list(dict.fromkeys(account_addresses))
        if len(addresses) > MAX_ADDRESSES_PER_WEBHOOK:
            raise TooManyAddressesError(
                f"{len(addresses)} account addresses exceed the "
                f"{MAX_ADDRESSES_PER_WEBHOOK} a webhook may hold",
                service=self.service,
            )
        secret = auth_header if isinstance(auth_header, SecretStr) else SecretStr(auth_header)
        self._remember_secret(secret.get_secret_value())
        return WebhookRequest(
            webhook_url=webhook_url,
            account_addresses=addresses,
            transaction_types=list(transaction_types),
            webhook_type=webhook_type,
            auth_header=secret,
            txn_status=txn_status,
        )

    def _remember_secret(self, value: str) -> None:
        """Mask the auth header in every log line and in errors built from response bodies."""
        if value and value not in self._secrets:
            self._secrets.append(value)
            register_secrets([value])

    async def _send(self, method: str, path: str, *, json: Any = None) -> Any:
        return await self.request_json(
            method, path, group="webhooks", params=self._key_params, json=json
        )

    def decode_json(self, response: httpx.Response, where: str) -> Any:
        """An empty body (DELETE's 204 or empty 200) is None; anything else must be JSON."""
        if not response.content.strip():
            return None
        return super().decode_json(response, where)


def _webhook_path(webhook_id: str) -> str:
    return f"/v0/webhooks/{quote(webhook_id, safe='')}"


__all__ = ["ANY_TRANSACTION", "HeliusWebhooksClient", "TooManyAddressesError"]
