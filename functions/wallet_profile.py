"""wallet_profile (step 3): one wallet per message → its profile; a failed record is retried
alone (partial batch response), its neighbours are kept."""

from __future__ import annotations

from typing import Any

from walltrack.app.handlers import consume, start_invocation
from walltrack.app.process import current
from walltrack.data.models.messages import WalletProfileRequested


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("wallet_profile", context)
    app = current()
    return consume(
        event,
        context,
        consumer="wallet_profile",
        message=WalletProfileRequested,
        handle=app.wallet_jobs.profile_requested,
        consumed=app.consumed,
    )
