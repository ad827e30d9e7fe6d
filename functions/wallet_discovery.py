"""wallet_discovery (step 3): a token's candidate wallets, from token_scan or a manual run."""

from __future__ import annotations

from walltrack.app.handlers import queue_consumer
from walltrack.data.models.messages import WalletDiscoveryRequested

handler = queue_consumer(
    "wallet_discovery", WalletDiscoveryRequested, lambda app: app.wallet_jobs.discovery_requested
)
