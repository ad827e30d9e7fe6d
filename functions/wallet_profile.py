"""wallet_profile (step 3): one wallet per message → its profile; a failed record is retried
alone (partial batch response), its neighbours are kept."""

from __future__ import annotations

from walltrack.app.handlers import queue_consumer
from walltrack.data.models.messages import WalletProfileRequested

handler = queue_consumer(
    "wallet_profile", WalletProfileRequested, lambda app: app.wallet_jobs.profile_requested
)
