"""The API's one error mapping, with the route's dependency swapped through FastAPI's
`dependency_overrides` (no database): whose fault it is decides the status, and a third
party's failure is never the caller's 4xx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from walltrack.api import deps
from walltrack.api.app import create_app
from walltrack.errors import (
    ConflictError,
    DependencyUnavailableError,
    InvalidInputError,
    NotFoundError,
    UpstreamError,
    WallTrackError,
)
from walltrack.services.errors import (
    AuthError,
    BadRequestError,
    InvalidResponseError,
    RateLimitedError,
    ServiceNotFoundError,
    ServiceTimeoutError,
    TemporaryServiceError,
)

MINT = "So11111111111111111111111111111111111111112"
Answer = Callable[[Exception], tuple[int, dict[str, Any], dict[str, str]]]


class FailingJobs:
    """Stands in for TokenDiscoveryJobs: adding a token raises the error under test."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def add(self, mint: str) -> None:
        raise self.error


@pytest.fixture
def answer() -> Answer:
    """Posts a token to add through an API whose jobs raise the given error."""
    app = create_app()

    def post(error: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
        app.dependency_overrides[deps.token_jobs] = lambda: FailingJobs(error)
        with TestClient(app) as client:
            response = client.post("/discovery/tokens", json={"mint": MINT})
        return response.status_code, response.json(), dict(response.headers)

    return post


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ServiceNotFoundError("GET /x → HTTP 404", service="rugcheck", status_code=404), 502),
        (BadRequestError("GET /x → HTTP 400", service="dexscreener", status_code=400), 502),
        (AuthError("GET /x → HTTP 401", service="helius", status_code=401), 502),
        (InvalidResponseError("GET /x returned a body that is not JSON", service="jupiter"), 502),
        (TemporaryServiceError("GET /x → HTTP 503", service="helius", status_code=503), 503),
        (ServiceTimeoutError("GET /x timed out", service="dexscreener"), 504),
    ],
)
def test_an_upstream_failure_is_a_gateway_error_naming_the_upstream(
    answer: Answer, error: Exception, status: int
) -> None:
    # Given a third party failing the request / When the API answers
    code, body, _ = answer(error)
    # Then it is a 5xx gateway error naming that upstream, never the caller's 4xx
    assert code == status
    assert isinstance(error, UpstreamError)
    assert body["upstream"] == error.service
    assert error.service in body["message"]


def test_a_rate_limited_upstream_passes_its_pause_on_as_retry_after(answer: Answer) -> None:
    error = RateLimitedError("HTTP 429", service="helius", status_code=429, retry_after=2.5)
    code, body, headers = answer(error)
    assert code == 503
    assert headers["retry-after"] == "3"
    assert body["upstream_status"] == 429


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInputError("bad mint", [{"loc": ["mint"], "msg": "x", "type": "t"}]), 422),
        (NotFoundError("no market knows the mint"), 404),
        (ConflictError("changed meanwhile"), 409),
        (DependencyUnavailableError("postgres", "cannot reach the database"), 503),
        (WallTrackError("a stored row no longer validates"), 500),
    ],
)
def test_our_own_errors_keep_their_meaning(answer: Answer, error: Exception, status: int) -> None:
    code, body, _ = answer(error)
    assert code == status
    if isinstance(error, DependencyUnavailableError):
        assert body["component"] == "postgres"


def test_a_secret_in_an_error_message_is_masked(answer: Answer) -> None:
    error = BadRequestError("GET /v0?api-key=abc123secret → HTTP 400", service="helius")
    _, body, _ = answer(error)
    assert "abc123secret" not in str(body)
