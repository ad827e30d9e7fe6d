"""outbox_relay: every minute, send the step messages a failed send or a crash between commit
and send left in the outbox (see walltrack.app.outbox)."""

from __future__ import annotations

from typing import Any

from walltrack.app.handlers import start_invocation
from walltrack.app.process import current


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("outbox_relay", context)
    report = current().relay.sweep()
    return {"sent": report.sent, "failed": report.failed, "purged": report.purged}
