"""token_scan (step 1): on its schedule tick when due, or at once for a manual run request."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from walltrack.jobs.lambda_events import (
    is_sqs_event,
    process_sqs_batch,
    start_invocation,
    time_left,
)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("token_scan", context)
    from walltrack.jobs.token_discovery import scan_job_for_request, scan_tick

    left = time_left(context)  # the scan stops short of the timeout (tokens left: next scan)
    if is_sqs_event(event):
        return process_sqs_batch(
            event, context, lambda body: scan_job_for_request(UUID(body["run_id"]), time_left=left)
        )
    report = scan_tick(time_left=left)
    return {"ran": report is not None, "counts": report.counts() if report else {}}
