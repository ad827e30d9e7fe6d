"""The FastAPI app: the same object behind Mangum in Lambda and uvicorn locally."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response

from walltrack.api import deps
from walltrack.api.errors import install_error_handlers
from walltrack.api.routes import config, discovery, health, status, wallets
from walltrack.app.container import Container
from walltrack.log import bind_context, get_logger


def create_app(container: Container | None = None) -> FastAPI:
    """The API over `container` (by default the process's own, built on first request)."""
    app = FastAPI(
        title="WallTrack API",
        version="0.1.0",
        description="Find Solana wallets worth copying and copy them in paper mode.",
    )
    if container is not None:
        app.dependency_overrides[deps.container] = lambda: container
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(config.router)
    app.include_router(status.router)
    app.include_router(discovery.router)
    app.include_router(wallets.router)
    log = get_logger(component="api")

    @app.middleware("http")
    async def _request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # In Lambda the handler has bound the invocation's request id already; locally each
        # HTTP request gets its own.
        bound = structlog.contextvars.get_contextvars().get("request_id")
        request_id = request.headers.get("x-request-id") or bound or str(uuid.uuid4())
        bind_context(function="api", request_id=request_id)
        response = await call_next(request)
        response.headers["x-request-id"] = request_id
        if request.url.path.startswith(("/health", "/config", "/status", "/discovery")):
            log.info(
                "request",
                method=request.method,
                path=request.url.path,
                status=response.status_code,
            )
        return response

    return app
