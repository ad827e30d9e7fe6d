"""The API's access rules on the real stack (Postgres, the local runtime, the simulated market):
the cross-site scan of issue 15 is refused and starts nothing, the right token reads every
list, and the token never shows in a log line or an answer."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import structlog
from fastapi.testclient import TestClient

from tests.support.stack import Stack
from walltrack.api.app import create_app
from walltrack.log import configure_logging

SIMPLE_GETS = (
    "/config",
    "/config/token_refresh",
    "/status/schedules",
    "/status/schedule-runs",
    "/discovery/tokens",
    "/wallets",
)


def _runs_and_queued(stack: Stack) -> tuple[int, int]:
    runs = stack.container.runs.recent(limit=10)
    return len(runs), stack.runtime.queue("TokenScanQueue").approximate_count()


def test_the_cross_site_scan_is_refused_and_starts_nothing(stack: Stack) -> None:
    # Given a page on any site that posts a "simple" request (no preflight) to the API, as in
    # issue 15: text/plain, no token
    with TestClient(create_app(stack.container)) as stranger:
        # When it is sent
        response = stranger.post(
            "/discovery/tokens/run",
            content=b"{}",
            headers={"content-type": "text/plain", "origin": "https://evil.example"},
        )
    # Then it is refused, and no run was recorded or queued
    assert response.status_code == 401
    assert "access-control-allow-origin" not in response.headers
    assert _runs_and_queued(stack) == (0, 0)
    # Even with the token (a leaked one), a text/plain body starts nothing: 415
    refused = stack.client.post(
        "/discovery/tokens/run", content=b"{}", headers={"content-type": "text/plain"}
    )
    assert refused.status_code == 415
    assert _runs_and_queued(stack) == (0, 0)
    # While the dashboard's own call (token, no body) starts one
    assert stack.client.post("/discovery/tokens/run").status_code == 202
    assert _runs_and_queued(stack)[0] == 1


def test_the_right_token_reads_every_list_and_health_needs_none(stack: Stack) -> None:
    for path in SIMPLE_GETS:
        assert stack.client.get(path).status_code == 200, path
    with TestClient(create_app(stack.container)) as stranger:
        assert stranger.get("/health").status_code == 200
        for path in SIMPLE_GETS:
            assert stranger.get(path).status_code == 401, path


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every log line of the test as the product renders it (its processors, masking included),
    whatever stream an earlier test left logging on; asked for before the stack is built."""
    lines = io.StringIO()
    configure_logging(json_output=True)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=lines))
    yield lines
    configure_logging()


def test_the_token_never_shows_in_logs_or_answers(
    log_lines: io.StringIO, stack: Stack, api_token: str
) -> None:
    # Given requests that succeed, fail validation, miss and are refused, with the token
    answers = [
        stack.client.get("/config").text,
        stack.client.get("/discovery/tokens", params={"limit": 100_000}).text,
        stack.client.get("/wallets/not-an-address").text,
        stack.client.put("/config/token_refresh", json={"interval_minutes": "x"}).text,
        stack.client.post(
            "/discovery/tokens/run", content=b"x", headers={"content-type": "a/b"}
        ).text,
        stack.client.get("/openapi.json").text,
        # and one with a near-miss of it
        stack.client.get("/config", headers={"Authorization": f"Bearer {api_token}x"}).text,
    ]
    # Then no answer and no log line holds it
    logged = log_lines.getvalue()
    assert '"path": "/config"' in logged  # the requests were logged
    for text in (*answers, logged):
        assert api_token not in text
