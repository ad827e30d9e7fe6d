"""reconcile (step 6): each schedule tick runs gap recovery when `reconcile_interval_minutes`
says it is due; {"manual": true} runs it now. It reads each listed wallet's history after its
cursor through webhook_ingest's path, so what Helius dropped is recovered, once."""

from __future__ import annotations

from typing import Any

from walltrack.app.handlers import start_invocation
from walltrack.app.process import current


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("reconcile", context)
    jobs = current().reconcile
    report = jobs.run(trigger="manual") if event.get("manual") is True else jobs.tick()
    if report is None:
        return {"ran": False}
    return {"ran": report.run_id is not None, "recovered": report.swaps_recovered}
