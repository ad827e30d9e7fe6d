"""clustering (step 4): each schedule tick starts a run when the `interval_minutes` setting
says it is due; a direct invocation with {"manual": true} starts one now (as POST /clusters/run
does). A run fans out one message per profiled wallet to cluster_evidence."""

from __future__ import annotations

from typing import Any

from walltrack.app.handlers import start_invocation
from walltrack.app.process import current


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("clustering", context)
    jobs = current().clustering
    started = jobs.start_manual() if event.get("manual") is True else jobs.tick()
    if started is None:
        return {"ran": False}
    return {"ran": started.started, "run_id": str(started.run_id)}
