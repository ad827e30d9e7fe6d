"""The API's body limit: a body over it is refused with 413 whether its length is declared or
not, before any route uses it; routes mounted beside the API (the local Function URL routes,
the dashboard) keep their own limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient

from walltrack.api import deps
from walltrack.api.app import MAX_BODY_BYTES, create_app

BODY_ROUTES = [
    ("PUT", "/config/token_refresh"),
    ("POST", "/discovery/tokens"),
    ("POST", "/discovery/tokens/run"),
    ("POST", "/discovery/wallets/run"),
]


class Untouchable:
    """Stands in for every dependency: a request the limit refuses never reaches a route."""

    def __getattr__(self, name: str) -> None:
        raise AssertionError(f"the route ran ({name}) although its body was over the limit")


@pytest.fixture
def client(auth_headers: dict[str, str]) -> Iterator[TestClient]:
    app = create_app()
    for provider in (deps.step_settings, deps.tokens, deps.token_jobs, deps.wallet_jobs):
        app.dependency_overrides[provider] = Untouchable
    hook = APIRouter()

    @hook.post("/fn/hook")
    async def read_all(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    app.include_router(hook)  # as `walltrack run` adds the local Function URL routes
    with TestClient(app, headers=auth_headers) as test_client:
        yield test_client


def _chunks(total: int, size: int = 16_384) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * size
        sent += size


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_declared_body_over_the_limit_is_413(client: TestClient, method: str, path: str) -> None:
    # When a body one byte over the limit is sent with its Content-Length
    body = b"{" + b" " * (MAX_BODY_BYTES - 1) + b"}"
    response = client.request(
        method, path, content=body, headers={"content-type": "application/json"}
    )
    # Then it is refused before the route runs (FastAPI's own plain-text answer)
    assert response.status_code == 413
    assert response.text == "Content Too Large"


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_body_without_a_declared_length_is_stopped_as_it_passes_the_limit(
    client: TestClient, method: str, path: str
) -> None:
    # Given a chunked body (no Content-Length) of a megabyte
    response = client.request(
        method,
        path,
        content=_chunks(1024 * 1024),
        headers={"content-type": "application/json"},
    )
    # Then the read stops with a 413, saying why in the API's error shape
    assert response.status_code == 413
    assert response.json() == {"message": f"request body larger than {MAX_BODY_BYTES} bytes"}


def test_routes_mounted_beside_the_api_are_not_limited_by_it(client: TestClient) -> None:
    body = b"x" * (2 * MAX_BODY_BYTES)
    assert client.post("/fn/hook", content=body).json() == {"read": 2 * MAX_BODY_BYTES}
