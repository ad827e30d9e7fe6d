"""The local HTTP face of Function URLs: `/fn/{function_id}/{path}` on the local API.

It takes the runtime's `invoke_url` as a function, so it depends on nothing of the runtime
but its errors; `walltrack run` mounts it next to the API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from walltrack.runtime.function_url import response_body_bytes
from walltrack.runtime.template import UnknownFunctionError

HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

InvokeUrl = Callable[..., dict[str, Any]]


def function_url_router(invoke_url: InvokeUrl) -> APIRouter:
    """Routes that call `invoke_url` (LocalRuntime.invoke_url) and answer with its result."""
    router = APIRouter()

    async def call(function_id: str, path: str, request: Request) -> Response:
        body = await request.body()
        try:
            # a worker thread: the handler may call asyncio.run
            result = await run_in_threadpool(
                invoke_url,
                function_id,
                request.method,
                path,
                list(request.headers.items()),
                body,
                request.url.query,
                source_ip=request.client.host if request.client else "127.0.0.1",
            )
        except UnknownFunctionError as exc:
            return Response(
                json.dumps({"message": str(exc)}), status_code=404, media_type="application/json"
            )
        response = Response(
            content=response_body_bytes(result),
            status_code=result["statusCode"],
            headers=result["headers"],
        )
        for cookie in result["cookies"]:
            response.headers.append("set-cookie", cookie)
        return response

    async def with_path(function_id: str, path: str, request: Request) -> Response:
        return await call(function_id, f"/{path}", request)

    async def root(function_id: str, request: Request) -> Response:
        return await call(function_id, "/", request)

    router.add_api_route(
        "/fn/{function_id}/{path:path}", with_path, methods=HTTP_METHODS, include_in_schema=False
    )
    router.add_api_route("/fn/{function_id}", root, methods=HTTP_METHODS, include_in_schema=False)
    return router
