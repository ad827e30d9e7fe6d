"""The FastAPI app: the same object behind Mangum in Lambda and uvicorn locally."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from walltrack.api.access import declare_access, install_access
from walltrack.api.errors import install_error_handlers
from walltrack.api.routes import (
    clusters,
    config,
    discovery,
    health,
    ledger,
    orders,
    positions,
    signals,
    status,
    wallets,
    watchlist,
)
from walltrack.app.api_token import resolve_api_token
from walltrack.app.container import Container
from walltrack.config.settings import EnvSettings
from walltrack.log import get_logger

API_PATHS = (
    "/health",
    "/config",
    "/status",
    "/discovery",
    "/wallets",
    "/clusters",
    "/watchlist",
    "/signals",
    "/ledger",
    "/orders",
    "/positions",
    "/risk",
)
"""The API's own routes (the dashboard and local Function URL routes are mounted beside them)."""
MAX_BODY_BYTES = 256 * 1024
"""The largest body a route takes is a settings change (a denylist of 1,000 addresses is about
47 KB); a larger one is refused with 413 before it is read, or as soon as a body without a
Content-Length passes it (FastAPI's router limit; a Function URL would take up to 6 MB). Only
the API's routers are limited: the dashboard and the local Function URL routes mounted beside
them keep their own rules."""


def create_app(container: Container | None = None) -> FastAPI:
    """The API over `container` (by default the process's own, built on first request).

    Every route but GET /health asks for the API token, resolved here once (the environment,
    or SSM in AWS): without one this raises `ConfigurationError` and nothing is served.
    """
    env = container.env if container is not None else EnvSettings()
    token = resolve_api_token(env)
    app = FastAPI(
        title="WallTrack API",
        version="0.1.0",
        description="Find Solana wallets worth copying and copy them in paper mode.",
    )
    # On the app's state, not in `dependency_overrides`: FastAPI re-analyses an override's
    # signature on every request (measured by bench/api_load.py).
    app.state.container = container
    routers = (
        config.router,
        status.router,
        discovery.router,
        wallets.router,
        clusters.router,
        watchlist.router,
        signals.router,
        ledger.router,
        orders.router,
        positions.router,
    )
    install_error_handlers(
        app, routes=[r for router in (health.router, *routers) for r in router.routes]
    )
    app.include_router(health.router)
    for router in routers:
        app.include_router(router, max_body_size=MAX_BODY_BYTES)
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_access(generate_openapi(), API_PATHS)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # Before any route, body limit or parser (only the request log below is outside them, so
    # refusals are logged too).
    install_access(app, token=token, api_paths=API_PATHS, cors_origins=env.cors_allow_origins)
    app.add_middleware(RequestContext, api_paths=API_PATHS, log=get_logger(component="api"))
    return app


class RequestContext:
    """Binds the request id to the log context, echoes it as `x-request-id` and logs each API
    request with its status. A plain ASGI middleware: Starlette's `BaseHTTPMiddleware`
    (`@app.middleware("http")`) runs the app in a task of its own and wraps the response in a
    stream, a cost paid by every request (bench/api_load.py)."""

    def __init__(self, app: ASGIApp, *, api_paths: Sequence[str], log: Any) -> None:
        self.app = app
        self._api_paths = tuple(api_paths)
        self._log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # In Lambda the handler has bound the invocation's request id already; locally each
        # HTTP request gets its own.
        bound = structlog.contextvars.get_contextvars().get("request_id")
        request_id = Headers(scope=scope).get("x-request-id") or bound or str(uuid.uuid4())
        # bound for this request only: left bound, a local server's next request on the same
        # context (a TestClient's portal thread) took it as a Lambda-bound id and reused it
        tokens = structlog.contextvars.bind_contextvars(function="api", request_id=request_id)
        try:
            await self._serve(scope, receive, send, request_id)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)
        path = scope["path"]
        if path.startswith(self._api_paths):
            self._log.info("request", method=scope["method"], path=path, status=status)
