"""The one place where errors become HTTP responses.

Routes and services raise domain errors (`walltrack.core.errors`) or let infrastructure errors
propagate; this module decides the status code and a clear message, and never echoes secrets.
"""

from __future__ import annotations

from typing import Any

import psycopg
import psycopg_pool
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from walltrack.core.errors import (
    ConflictError,
    DependencyUnavailableError,
    DomainError,
    InvalidInputError,
    NotFoundError,
)
from walltrack.log import get_logger


def _body(message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, **extra}


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
    async def _unavailable(_: Request, exc: DependencyUnavailableError) -> JSONResponse:
        return JSONResponse(_body(str(exc), component=exc.component), status_code=503)

    @app.exception_handler(psycopg_pool.PoolTimeout)
    @app.exception_handler(psycopg.OperationalError)
    async def _postgres_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("postgres unavailable", path=request.url.path, error=type(exc).__name__)
        return JSONResponse(
            _body("postgres unavailable: cannot reach the database", component="postgres"),
            status_code=503,
        )

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(_body(str(exc)), status_code=400)
