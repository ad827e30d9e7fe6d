"""Helius shapes the clients hand back: webhooks (apis.md §2.4) and RPC signatures (§2.5).

Enhanced transactions are NOT modelled here: the history and parse clients return them as raw
dicts for the normaliser, which derives trades from balances (§2.3). Webhook auth headers are
`SecretStr`, so a model printed or logged never shows them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

WebhookType = Literal["enhanced", "raw", "discord", "enhancedDevnet", "rawDevnet", "discordDevnet"]
TxnStatus = Literal["all", "success", "failed"]

MAX_ADDRESSES_PER_WEBHOOK = 100_000
"""accountAddresses per webhook through the API, every plan (apis.md §2.4; the dashboard: 25)."""


def _none_to_empty_list(value: Any) -> Any:
    return [] if value is None else value


StrList = Annotated[list[str], BeforeValidator(_none_to_empty_list)]


class _HeliusModel(BaseModel):
    """Immutable, explicit wire names (Helius spells `webhookURL`, `webhookID`), extras ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class WebhookRequest(_HeliusModel):
    """CreateWebhookRequest; PUT sends the same object as a full replacement."""

    webhook_url: str = Field(alias="webhookURL")
    transaction_types: StrList = Field(alias="transactionTypes")
    account_addresses: StrList = Field(alias="accountAddresses")
    webhook_type: WebhookType = Field(alias="webhookType")
    auth_header: SecretStr | None = Field(default=None, alias="authHeader")
    txn_status: TxnStatus | None = Field(default=None, alias="txnStatus")
    encoding: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The JSON body to send, auth header revealed: for the request only, never a log."""
        body = self.model_dump(by_alias=True, exclude_none=True, exclude={"auth_header"})
        if self.auth_header is not None:
            body["authHeader"] = self.auth_header.get_secret_value()
        return body


class Webhook(_HeliusModel):
    """A webhook as Helius returns it. `wallet` owns the Helius account, it is not watched.

    `active`, `txnStatus` and `encoding` are extras seen in real list responses; `active` may
    turn false when Helius auto-disables a failing endpoint.
    """

    webhook_id: str = Field(alias="webhookID")
    wallet: str | None = None
    webhook_url: str = Field(alias="webhookURL")
    transaction_types: StrList = Field(default=[], alias="transactionTypes")
    account_addresses: StrList = Field(default=[], alias="accountAddresses")
    webhook_type: str | None = Field(default=None, alias="webhookType")
    auth_header: SecretStr | None = Field(default=None, alias="authHeader")
    txn_status: str | None = Field(default=None, alias="txnStatus")
    active: bool | None = None
    encoding: str | None = None


class SignatureInfo(_HeliusModel):
    """`getSignaturesForAddress` item; failed transactions are included (`err` set)."""

    signature: str
    slot: int
    err: Any = None
    memo: str | None = None
    block_time: int | None = Field(default=None, alias="blockTime", description="seconds")
    confirmation_status: str | None = Field(default=None, alias="confirmationStatus")

    @property
    def failed(self) -> bool:
        return self.err is not None


__all__ = [
    "MAX_ADDRESSES_PER_WEBHOOK",
    "SignatureInfo",
    "TxnStatus",
    "Webhook",
    "WebhookRequest",
    "WebhookType",
]
