"""Messages between steps, sent through the queue port (SQS in AWS, in-process locally).

Messages carry ids, not objects (ARCHITECTURE §3): a consumer re-reads the state it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from walltrack.config.settings import EnvSettings
from walltrack.core.errors import DependencyUnavailableError
from walltrack.log import get_logger

if TYPE_CHECKING:
    from walltrack.runtime.queues import QueuePort

log = get_logger(component="outbox")


def _port(url: str | None, variable: str) -> QueuePort:
    from walltrack.runtime.queues import queue_port_for

    if not url:
        raise DependencyUnavailableError(
            "queue", f"{variable} is not set (template.yaml sets it; `walltrack run` too)"
        )
    return queue_port_for(url)


class WalletDiscoveryOutbox:
    """token_scan → wallet_discovery: one message per newly discovered token."""

    def __init__(self, settings: EnvSettings) -> None:
        self._url = settings.wallet_discovery_queue_url

    def token_discovered(self, mint: str) -> None:
        port = _port(self._url, "WALLTRACK_WALLET_DISCOVERY_QUEUE_URL")
        port.send({"mint": mint})
        log.debug("token announced", mint=mint)


class WalletProfileOutbox:
    """wallet_discovery → wallet_profile: one message per wallet to (re)profile."""

    def __init__(self, settings: EnvSettings) -> None:
        self._url = settings.wallet_profile_queue_url

    def profiles_requested(self, wallets: Sequence[str]) -> None:
        port = _port(self._url, "WALLTRACK_WALLET_PROFILE_QUEUE_URL")
        port.send_many({"address": wallet} for wallet in wallets)
        log.debug("profiles requested", wallets=len(wallets))


def request_wallet_discovery(settings: EnvSettings, run_id: UUID, mints: Sequence[str]) -> None:
    """API → wallet_discovery: one message per token, each reporting into `run_id`."""
    port = _port(settings.wallet_discovery_queue_url, "WALLTRACK_WALLET_DISCOVERY_QUEUE_URL")
    port.send_many({"run_id": str(run_id), "mint": mint} for mint in mints)


def request_token_scan(settings: EnvSettings, run_id: UUID) -> None:
    """API → token_scan: run a scan now and report into `run_id`."""
    port = _port(settings.token_scan_queue_url, "WALLTRACK_TOKEN_SCAN_QUEUE_URL")
    port.send({"run_id": str(run_id)})
