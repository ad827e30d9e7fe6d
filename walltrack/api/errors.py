"""The one place where errors become HTTP responses (the taxonomy is `walltrack.errors`).

The caller's own mistakes are 4xx; our own components being down is a 503 naming the
component; a third party failing us is a 502 (it answered wrongly), 503 (temporarily
unavailable, with `Retry-After` when it asked for a pause) or 504 (no answer in time), always
naming the upstream, never the caller's 4xx. Messages never echo a secret.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from walltrack.errors import (
    ConflictError,
    DependencyUnavailableError,
    InvalidInputError,
    NotFoundError,
    UpstreamError,
    WallTrackError,
)
from walltrack.log import get_logger, mask_secrets


def _body(message: str, **extra: Any) -> dict[str, Any]:
    return {"message": mask_secrets(message), **extra}


def upstream_status(exc: UpstreamError) -> int:
    if exc.timed_out:
        return 504
    return 503 if exc.temporary else 502


def install_error_handlers(app: FastAPI) -> None:
    log = get_logger(component="api")

    @app.exception_handler(NotFoundError)
    async def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(_body(str(exc)), status_code=404)

    @app.exception_handler(InvalidInputError)
    async def _invalid(_: Request, exc: InvalidInputError) -> JSONResponse:
        return JSONResponse(_body(str(exc), detail=exc.errors), status_code=422)

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
