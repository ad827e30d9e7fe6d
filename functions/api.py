"""Lambda entry point for the HTTP API (FastAPI through Mangum, behind a Function URL)."""

from __future__ import annotations

from typing import Any

from mangum import Mangum

from walltrack.api.app import create_app
from walltrack.log import bind_context, configure_logging

configure_logging()
_asgi = Mangum(create_app(), lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bind_context(function="api", request_id=getattr(context, "aws_request_id", None))
    response: dict[str, Any] = _asgi(event, context)
    return response
