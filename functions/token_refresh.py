"""token_refresh (step 2): each schedule tick refreshes the tokens when the interval is due."""

from __future__ import annotations

from typing import Any

from walltrack.jobs.lambda_events import start_invocation


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("token_refresh", context)
    from walltrack.jobs.token_discovery import refresh_tick

    report = refresh_tick()
    return {"ran": report is not None, "counts": report.counts() if report else {}}
