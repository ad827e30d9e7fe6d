"""token_refresh (step 2): each schedule tick refreshes the tokens when the interval is due."""

from __future__ import annotations

from typing import Any

from walltrack.app.handlers import start_invocation
from walltrack.app.process import current


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("token_refresh", context)
    report = current().token_jobs.refresh_if_due()
    return {"ran": report is not None, "counts": report.counts() if report else {}}
