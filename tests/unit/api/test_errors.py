"""The API's one error mapping, with the route's dependency swapped through FastAPI's
`dependency_overrides` (no database): whose fault it is decides the status, and a third
party's failure is never the caller's 4xx."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
def answer(auth_headers: dict[str, str]) -> Answer:
    """Posts a token to add through an API whose jobs raise the given error."""
    app = create_app()

    def post(error: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
        app.dependency_overrides[deps.token_jobs] = lambda: FailingJobs(error)
        with TestClient(app, headers=auth_headers) as client:
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


@pytest.fixture
def bare(auth_headers: dict[str, str]) -> Iterator[TestClient]:
    """The real app with every dependency a stand-in: requests that fail validation never reach
    a route, so nothing here needs a database."""
    app = create_app()
    for provider in (
        deps.step_settings,
        deps.schedule_runs,
        deps.tokens,
        deps.wallets,
        deps.token_jobs,
        deps.wallet_jobs,
        deps.clock,
    ):
        app.dependency_overrides[provider] = object  # fmt: skip
    with TestClient(app, headers=auth_headers) as client:
        yield client


def test_a_huge_key_or_value_is_422_with_only_an_excerpt_of_it(bare: TestClient) -> None:
    # Given inputs of 60,000 characters (under the body limit and the test client's URL limit)
    huge = "k" * 60_000
    for response in (
        bare.put("/config/token_refresh", json={huge: 1}),
        bare.post("/discovery/tokens", json={"mint": huge}),
        bare.post("/discovery/tokens", json={huge: "x"}),
        bare.get("/discovery/tokens", params={"q": huge}),
        bare.get(f"/discovery/tokens/{huge}"),
        bare.get(f"/wallets/{huge}"),
    ):
        # Then each is a 422 that names the field but quotes no more than an excerpt
        assert response.status_code == 422, response.text[:300]
        assert len(response.content) < 2_000
        assert response.json()["detail"]


def test_a_validation_error_names_the_field_in_words(bare: TestClient) -> None:
    body = bare.post("/discovery/tokens", json={"mint": "not-a-mint"}).json()
    assert body["message"] == (
        "invalid request: body.mint: not a Solana mint address (base58 of 32 bytes)"
    )
    assert body["detail"] == [
        {
            "loc": ["body", "mint"],
            "msg": "not a Solana mint address (base58 of 32 bytes)",
            "type": "value_error",
        }
    ]
    nul = bare.get("/discovery/tokens", params={"q": "a\x00b"}).json()
    assert nul["detail"][0]["msg"].startswith("must not contain control characters")


def test_thousands_of_bad_fields_are_named_up_to_a_cap(bare: TestClient) -> None:
    response = bare.put("/config/token_refresh", json={f"k{i}": 1 for i in range(5_000)})
    assert response.status_code == 422
    assert len(response.json()["detail"]) <= 21
    assert len(response.content) < 10_000


def test_a_wrong_method_is_405_naming_every_method_the_path_serves(bare: TestClient) -> None:
    # Starlette's own 405 names only the first route matching the path
    response = bare.request("PATCH", "/config/token_refresh")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) >= {"GET", "PUT"}
    assert response.json() == {"message": "Method Not Allowed"}


def test_every_error_a_route_answers_is_declared_with_the_error_body() -> None:
    # Given the OpenAPI document
    document = create_app().openapi()
    for path, operations in document["paths"].items():
        if path == "/health":
            continue  # health answers its own report, 503 included
        for method, operation in operations.items():
            declared = operation["responses"]
            errors = {code for code in declared if code >= "400"}
            # Then every route names its error body: FastAPI's own 422 shape is never left
            for code in errors:
                ref = declared[code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorBody"), (method, path, code)
            # And every route declares the body limit and Postgres down, one with input its 422
            assert {"413", "503"} <= errors, (method, path)
            assert "text/plain" in declared["413"]["content"]  # FastAPI's own 413 answer
            if operation.get("parameters") or "requestBody" in operation:
                assert "422" in errors, (method, path)
