"""The one place where errors become HTTP responses (the taxonomy is `walltrack.errors`).

The caller's own mistakes are 4xx; our own components being down is a 503 naming the
component; a third party failing us is a 502 (it answered wrongly), 503 (temporarily
unavailable, with `Retry-After` when it asked for a pause) or 504 (no answer in time), always
naming the upstream, never the caller's 4xx. Messages never echo a secret, nor more than a
short excerpt of what the caller sent (a 1 MB key used to come back as a 1 MB 422).

Every error body is an `ErrorBody`; `error_responses(...)` declares a route's error codes in
the OpenAPI document with that model, so the document lists every status a route can answer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.routing import BaseRoute, Match, Route

from walltrack.data.models.inputs import CONTROL_MESSAGE, PRINTABLE, excerpt
from walltrack.data.models.solana import BASE58_ADDRESS
from walltrack.errors import (
    ConflictError,
    DependencyUnavailableError,
    InvalidInputError,
    NotFoundError,
    UpstreamError,
    WallTrackError,
)
from walltrack.log import get_logger, mask_secrets

MESSAGE_LENGTH = 300
PROBLEM_LENGTH = 200
MAX_PROBLEMS = 20
"""A body with thousands of bad fields gets the first few named, and a count of the rest."""


class FieldProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error answer: a message, and what applies of the rest."""

    message: str
    detail: list[FieldProblem] | None = None
    """Each bad field (422)."""
    component: str | None = None
    """Which of our components is down (503)."""
    upstream: str | None = None
    """Which third party failed us (502/503/504), and what it answered."""
    upstream_status: int | None = None


_DESCRIPTIONS = {
    400: "the body cannot be read (not UTF-8, or nested too deep)",
    404: "not found",
    409: "conflict: re-read and retry",
    413: "request body larger than the API accepts",
    422: "invalid input: `detail` names each bad field",
    502: "an upstream (`upstream`) answered wrongly",
    503: "one of our components (`component`) or an upstream (`upstream`) is unavailable",
    504: "an upstream (`upstream`) did not answer in time",
}
UPSTREAM = (502, 503, 504)
EVERY_ROUTE = (413, 503)
"""What any route of the API's routers may answer: the body limit applies to every method (a
GET with a declared body over it is refused too), and every route reads Postgres."""


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` entry for each error status a route can answer. A 413 for a
    declared Content-Length over the limit is FastAPI's own plain-text "Content Too Large"; one
    found while reading a body without a declared length is an `ErrorBody`."""
    responses: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        responses[code] = {"model": ErrorBody, "description": _DESCRIPTIONS[code]}
        if code == 413:
            responses[code]["content"] = {"text/plain": {"schema": {"type": "string"}}}
    return responses


def _body(message: str, **extra: Any) -> dict[str, Any]:
    return {"message": excerpt(mask_secrets(message), MESSAGE_LENGTH), **extra}


def _message(err: Mapping[str, Any]) -> str:
    """pydantic's message for one error, in words a caller can act on."""
    pattern = (err.get("ctx") or {}).get("pattern")
    if err.get("type") == "string_pattern_mismatch" and pattern == PRINTABLE:
        return CONTROL_MESSAGE
    if err.get("type") == "string_pattern_mismatch" and pattern == BASE58_ADDRESS:
        return "not a Solana address (base58 of 32 bytes)"
    return str(err.get("msg", "invalid")).removeprefix("Value error, ")


def field_problems(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each error's location, message and type, every part cut to a short excerpt; never the
    input itself (nor pydantic's `ctx`, which may quote it)."""
    problems = []
    for err in errors[:MAX_PROBLEMS]:
        loc = [p if isinstance(p, int) else excerpt(p) for p in err.get("loc", ())]
        msg = excerpt(mask_secrets(_message(err)), PROBLEM_LENGTH)
        problems.append({"loc": loc, "msg": msg, "type": excerpt(err.get("type", "invalid"))})
    if len(errors) > MAX_PROBLEMS:
        more = len(errors) - MAX_PROBLEMS
        problems.append({"loc": [], "msg": f"and {more} more problems", "type": "truncated"})
    return problems


def _summary(problems: list[dict[str, Any]]) -> str:
    if not problems:
        return "invalid request"
    first = problems[0]
    where = ".".join(str(p) for p in first["loc"])
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"invalid request: {where}: {first['msg']}{more}" if where else first["msg"]


def upstream_status(exc: UpstreamError) -> int:
    if exc.timed_out:
        return 504
    return 503 if exc.temporary else 502


def _allowed_methods(request: Request, routes: Iterable[BaseRoute]) -> str:
    """The methods of the resource the path names: every route with the same path template as
    the first that matches it (Starlette's own 405 names only that first route's, e.g. `GET`
    where `GET, PUT` are served)."""
    matching = [
        route
        for route in routes
        if isinstance(route, Route) and route.matches(request.scope)[0] is not Match.NONE
    ]
    if not matching:
        return ""
    template = matching[0].path
    methods = set().union(*(r.methods or () for r in matching if r.path == template))
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI, *, routes: Sequence[BaseRoute] = ()) -> None:
    """The handlers of every error; `routes` are the API's own, which a 405's `Allow` lists."""
    log = get_logger(component="api")

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = field_problems(exc.errors())
        return JSONResponse(_body(_summary(problems), detail=problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        message = str(exc.detail)
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request, routes)
        if exc.status_code == 413 and MAX_BODY_SIZE_SCOPE_KEY in request.scope:
            message = f"request body larger than {request.scope[MAX_BODY_SIZE_SCOPE_KEY]} bytes"
        return JSONResponse(_body(message), status_code=exc.status_code, headers=headers or None)

    @app.exception_handler(NotFoundError)
    async def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(_body(str(exc)), status_code=404)

    @app.exception_handler(InvalidInputError)
    async def _invalid(_: Request, exc: InvalidInputError) -> JSONResponse:
        return JSONResponse(_body(str(exc), detail=field_problems(exc.errors)), status_code=422)

    @app.exception_handler(ConflictError)
    async def _conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return JSONResponse(_body(str(exc)), status_code=409)

    @app.exception_handler(DependencyUnavailableError)
    async def _unavailable(request: Request, exc: DependencyUnavailableError) -> JSONResponse:
        log.warning("dependency unavailable", path=request.url.path, component=exc.component)
        return JSONResponse(_body(str(exc), component=exc.component), status_code=503)

    @app.exception_handler(UpstreamError)
    async def _upstream(request: Request, exc: UpstreamError) -> JSONResponse:
        status = upstream_status(exc)
        log.warning("upstream failed", path=request.url.path, upstream=exc.service, status=status)
        headers = {}
        if status == 503 and exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return JSONResponse(
            _body(str(exc), upstream=exc.service, upstream_status=exc.status_code),
            status_code=status,
            headers=headers,
        )

    @app.exception_handler(WallTrackError)
    async def _ours(request: Request, exc: WallTrackError) -> JSONResponse:
        log.error("unexpected product error", path=request.url.path, error=str(exc))
        return JSONResponse(_body(str(exc)), status_code=500)
