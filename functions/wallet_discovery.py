"""wallet_discovery (step 3): a token's candidate wallets, from token_scan or a manual run."""

from __future__ import annotations

from typing import Any

from walltrack.app.handlers import consume, start_invocation
from walltrack.app.process import current
from walltrack.data.models.messages import WalletDiscoveryRequested


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("wallet_discovery", context)
    app = current()
    return consume(
        event,
        context,
        consumer="wallet_discovery",
        message=WalletDiscoveryRequested,
        handle=app.wallet_jobs.discovery_requested,
        consumed=app.consumed,
    )
