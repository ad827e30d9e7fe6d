"""Responses serialised by the route itself, as FastAPI would, minus FastAPI's second pass.

A `def` route returning a model makes FastAPI validate that model again against its
`response_model` in a threadpool hop of its own, then dump it. The list routes (the ones under
load, bench/api_load.py) return `json_response(...)` instead: the same bytes (pydantic-core's
`dump_json`, by alias, as FastAPI's own fast path), while the route keeps declaring its
`response_model` for the OpenAPI document.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from fastapi import Response
from pydantic import BaseModel, TypeAdapter

M = TypeVar("M", bound=BaseModel)


class JsonBody(Generic[M]):
    """Serialises a validated `model` to a JSON response."""

    def __init__(self, model: type[M]) -> None:
        self._adapter = TypeAdapter(model)

    def response(self, value: M) -> Response:
        return Response(
            self._adapter.dump_json(value, by_alias=True), media_type="application/json"
        )
