"""exit_monitor (step 8): a schedule tick marks each open position due by
`monitor_interval_seconds` from a Jupiter sell quote and orders the exit its plan decides (stop
loss, take-profit rung, trailing stop, time stop); an SQS batch of exit signals mirror-sells the
positions that followed the selling wallet into that token, now. Exits never wait for the UI
and ignore the kill switch."""

from __future__ import annotations

from typing import Any

from walltrack.app.handlers import consume, is_sqs_event, start_invocation
from walltrack.app.process import current
from walltrack.data.models.messages import ExitCheckRequested


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("exit_monitor", context)
    app = current()
    if is_sqs_event(event):
        return consume(
            event,
            context,
            consumer="exit_monitor",
            message=ExitCheckRequested,
            handle=app.exit_jobs.check,
            consumed=app.consumed,
        )
    report = app.exit_jobs.tick()
    return {"marked": report.marked, "exits": len(report.exits), "unpriced": report.unpriced}
