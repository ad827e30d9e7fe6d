"""Who may call the API, and with what: the bearer token, JSON-only writes and CORS.

One ASGI middleware in front of the API's routes, so the rules hold before anything else runs
(body limits, parsing, dependencies): a request without the token learns nothing and starts
nothing.

- Every API route but `GET /health` needs `Authorization: Bearer <token>`, compared in constant
  time (`hmac.compare_digest`); otherwise 401 with `WWW-Authenticate: Bearer`.
- A state-changing request (POST/PUT/PATCH/DELETE) that carries a body must say
  `Content-Type: application/json`; otherwise 415. A browser's cross-site "simple" request
  (`text/plain`, form types) can therefore never drive the API, token or not.
- CORS (Starlette's `CORSMiddleware`, outside this one) lets only the configured origins read
  answers; none by default.

`declare_access` writes the same rules into the OpenAPI document: the bearer scheme, and the
401 and 415 answers of each operation they apply to.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OPEN_PATHS = frozenset({"/health"})
"""Answered without the token: a load balancer or uptime check reads health (it names no
secret and changes nothing)."""
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON = "application/json"
SCHEME = "bearerAuth"
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def requires_token(path: str, api_paths: Sequence[str]) -> bool:
    """True for a path of the API's own routes other than the open ones."""
    return path.startswith(tuple(api_paths)) and path not in OPEN_PATHS


def _is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == JSON


class ApiAccess:
    """The middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, token: SecretStr, api_paths: Sequence[str]) -> None:
        self.app = app
        self._expected = f"Bearer {token.get_secret_value()}".encode()
        self._api_paths = tuple(api_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not requires_token(scope["path"], self._api_paths):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not self._authorized(headers.get("authorization")):
            await _refuse(401, "missing or wrong bearer token", scope, receive, send, CHALLENGE)
            return
        if scope["method"] in STATE_CHANGING and not _is_json(headers.get("content-type")):
            # A body is refused unless it is JSON; no body at all is fine (POST …/run, DELETE).
            first = await receive()
            if first.get("body") or first.get("more_body"):
                message = f"a request body must be {JSON}"
                await _refuse(415, message, scope, receive, send)
                return
            receive = _replay(first, receive)
        await self.app(scope, receive, send)

    def _authorized(self, header: str | None) -> bool:
        # Constant time: how much of a guess matched must not show in how long the answer takes.
        # compare_digest takes bytes of any length (a str must be ASCII: a header may not be).
        return header is not None and hmac.compare_digest(
            header.encode("latin-1", "replace"), self._expected
        )


def _replay(first: Message, receive: Receive) -> Receive:
    """`receive` with the message already read handed out first."""
    pending: list[Message] = [first]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


async def _refuse(  # noqa: PLR0917 - an ASGI call's three, and what to answer
    status: int,
    message: str,
    scope: Scope,
    receive: Receive,
    send: Send,
    headers: dict[str, str] | None = None,
) -> None:
    """The project's error body (`walltrack.api.errors.ErrorBody`) with `status`."""
    await JSONResponse({"message": message}, status_code=status, headers=headers)(
        scope, receive, send
    )


def install_access(
    app: Any, *, token: SecretStr, api_paths: Sequence[str], cors_origins: Sequence[str]
) -> None:
    """The token and content-type rules, and CORS outside them (a browser's preflight carries no
    token: an allowed origin's preflight is answered before the token is asked for)."""
    app.add_middleware(ApiAccess, token=token, api_paths=api_paths)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(cors_origins),
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
    )


def declare_access(document: dict[str, Any], api_paths: Sequence[str]) -> dict[str, Any]:
    """`document` (an OpenAPI document) with the bearer scheme on every operation that needs
    the token, its 401, and the 415 of every state-changing operation."""
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "the API token (WALLTRACK_API_TOKEN, or the SSM parameter in AWS)",
    }
    error = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in document.get("paths", {}).items():
        if not requires_token(path, api_paths):
            continue
        for method, operation in operations.items():
            operation["security"] = [{SCHEME: []}]
            responses = operation.setdefault("responses", {})
            responses["401"] = {
                "description": "missing or wrong bearer token",
                "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                "content": {JSON: {"schema": error}},
            }
            if method.upper() in STATE_CHANGING:
                responses["415"] = {
                    "description": f"a request body that is not {JSON}",
                    "content": {JSON: {"schema": error}},
                }
    return document
