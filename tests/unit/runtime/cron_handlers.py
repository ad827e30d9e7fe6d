"""A handler for the cron templates of test_cron_template.py: it records each scheduled event."""

from __future__ import annotations

from typing import Any

events: list[dict[str, Any]] = []  # every event received, oldest first


def record(event: dict[str, Any], context: Any) -> None:
    events.append(event)
