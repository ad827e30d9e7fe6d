"""watchlist_sync (step 5): each schedule tick syncs when the `sync_interval_minutes` setting
says it is due; a direct invocation with {"manual": true} syncs now. A sync rebuilds the
watchlist and makes Helius's webhooks hold exactly its listed addresses (no write when nothing
changed)."""

from __future__ import annotations

from typing import Any

from walltrack.app.handlers import start_invocation
from walltrack.app.process import current


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("watchlist_sync", context)
    jobs = current().watchlist_jobs
    started = jobs.run_manual() if event.get("manual") is True else jobs.tick()
    if started is None:
        return {"ran": False}
    return {"ran": started.started, "run_id": str(started.run_id)}
