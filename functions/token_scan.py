"""token_scan (step 1): on its schedule tick when due, or at once for a manual run request."""

from __future__ import annotations

from typing import Any

from walltrack.app.handlers import consume, is_sqs_event, start_invocation, time_left
from walltrack.app.process import current
from walltrack.data.models.messages import TokenScanRequested


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("token_scan", context)
    app = current()
    left = time_left(context)  # the scan stops short of the timeout (tokens left: next scan)
    if is_sqs_event(event):
        return consume(
            event,
            context,
            consumer="token_scan",
            message=TokenScanRequested,
            handle=lambda message: app.token_jobs.scan_requested(message, time_left=left),
            consumed=app.consumed,
        )
    report = app.token_jobs.scan_if_due(time_left=left)
    return {"ran": report is not None, "counts": report.counts() if report else {}}
