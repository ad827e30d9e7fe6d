"""Lambda entry point for the HTTP API (FastAPI through Mangum, behind a Function URL)."""

from __future__ import annotations

import asyncio
from typing import Any

from mangum import Mangum

from walltrack.api.app import create_app
from walltrack.log import bind_context, configure_logging

configure_logging()
_asgi = Mangum(create_app(), lifespan="off")


def _ensure_event_loop() -> None:
    """Mangum drives the app with `asyncio.get_event_loop()`, which raises once an
    `asyncio.run()` in this thread has cleared the loop (code sharing the process may do so)."""
    try:
        if not asyncio.get_event_loop().is_closed():
            return
    except RuntimeError:
        pass
    asyncio.set_event_loop(asyncio.new_event_loop())


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bind_context(function="api", request_id=getattr(context, "aws_request_id", None))
    _ensure_event_loop()
    response: dict[str, Any] = _asgi(event, context)
    return response
