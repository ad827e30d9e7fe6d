"""The API as a stranger drives it: schemathesis cases from its own OpenAPI document, and a
megabyte in every field, against real Postgres and the simulated market on loopback.

Schemathesis runs every operation with its examples, coverage (boundary values, wrong types,
missing and oversized fields) and fuzzing phases, bounded by a fixed seed and `MAX_EXAMPLES`
fuzzed cases per operation; every response must be no server error, carry a declared status,
content type and headers, and match its declared schema. The megabyte requests go to the app
served by uvicorn on 127.0.0.1 with a client timeout, so a hang fails instead of stalling.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import API_TOKEN, free_port
from tests.support.stack import Stack
from walltrack.api import deps
from walltrack.api.app import create_app
from walltrack.data.models.solana import SOL_MINT

MAX_EXAMPLES = 100
APP = create_app()
SCHEMA = schemathesis.openapi.from_asgi(
    "/openapi.json",
    APP,
    config=SchemathesisConfig.from_dict(
        {
            "seed": 15,
            "generation": {"max-examples": MAX_EXAMPLES},
            # The token of the session's `api_token` fixture: schemathesis sends it, and also
            # leaves it out on purpose (every such request must be a 401: its `ignored_auth`)
            "auth": {"openapi": {"bearerAuth": {"bearer": API_TOKEN}}},
        }
    ),
)
SEMANTIC = {
    "PUT /config/{step}",
    "POST /discovery/tokens",
    "POST /discovery/wallets/run",
    "GET /wallets/{address}",
    "GET /watchlist/wallets/{address}",
    "POST /watchlist/wallets/{address}/pin",
    "POST /watchlist/wallets/{address}/ban",
    "DELETE /watchlist/wallets/{address}/pin",
    "DELETE /watchlist/wallets/{address}/ban",
}
"""Operations whose valid input JSON Schema cannot fully say: an address must decode to 32
bytes (a 44-character base58 string may be 33), and a settings change depends on the step and
on rules between fields. A schema-valid request to them may rightly be a 422, so the check that
schema-valid data is accepted is left out for them alone; every other check applies."""
MEGABYTE = 1024 * 1024
CLIENT_TIMEOUT_S = 5.0  # generous: turns a hang (a quadratic decode) into a failure


@pytest.fixture(autouse=True)
def _served_by(stack: Stack) -> Iterator[None]:
    """The module's app answers from this test's stack (its container, on the sim market)."""
    APP.dependency_overrides[deps.container] = lambda: stack.container
    yield
    APP.dependency_overrides.clear()


@SCHEMA.parametrize()
@settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_no_server_error_and_every_response_as_documented(case: Any) -> None:
    # Given a generated request (valid, or invalid on purpose; with the API token, or without
    # it on purpose) / When the API answers
    # Then no 5xx, and status, content type, headers and body are what the document declares
    excluded = [positive_data_acceptance] if case.operation.label in SEMANTIC else None
    case.call_and_validate(excluded_checks=excluded)


@pytest.fixture
def served() -> Iterator[int]:
    """The module's app under uvicorn on 127.0.0.1 (request lines up to 8 MB, so a megabyte
    URL reaches the app instead of being cut by the HTTP parser)."""
    port = free_port()
    config = uvicorn.Config(
        APP,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        h11_max_incomplete_event_size=8 * MEGABYTE,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def _send(
    port: int,
    method: str,
    target: str,
    body: bytes | None = None,
    *,
    chunked: bool = False,
    auth: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT_S)
    try:
        headers = {"content-type": "application/json"} if body is not None else {}
        headers.update(auth or {})
        if chunked and body is not None:
            chunks = (body[i : i + 65_536] for i in range(0, len(body), 65_536))
            conn.request(method, target, body=chunks, headers=headers, encode_chunked=True)
        else:
            conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


VALID_PATH = {"step": "token_refresh", "mint": SOL_MINT, "address": SOL_MINT,
              "run_id": "00000000-0000-0000-0000-000000000001",
              "owner_id": "own-0000000000000001", "signal_id": "1",
              "order_id": "00000000-0000-0000-0000-000000000002",
              "position_id": "00000000-0000-0000-0000-000000000003"}  # fmt: skip


def _megabyte_requests() -> Iterator[tuple[str, str, str, bytes | None]]:
    """For every operation in the document: a megabyte in each path and query parameter, and
    a body holding a megabyte field (its own case name, method, target, body)."""
    mega = "1" * MEGABYTE  # base58's own alphabet: what the address checks decoded in full
    for path, operations in APP.openapi()["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            filled = path.format(**VALID_PATH)
            for param in parameters:
                name, where = param["name"], param["in"]
                if where == "path":
                    target = path.format(**{**VALID_PATH, name: mega})
                else:
                    target = f"{filled}?{name}={quote(mega)}"
                yield f"{method} {path} {where} {name}", method.upper(), target, None
            if "requestBody" in operation:
                field = "mint" if "discovery" in path else mega
                value = mega if field == "mint" else 1
                body = json.dumps({field: value}).encode()
                yield f"{method} {path} body", method.upper(), filled, body


@pytest.mark.timeout(120)
def test_a_megabyte_in_any_field_is_refused_at_once_with_a_short_answer(
    served: int, auth_headers: dict[str, str]
) -> None:
    # Given every path, query and body field of every route, one megabyte long
    cases = list(_megabyte_requests())
    assert len(cases) >= 20
    failures = []
    for name, method, target, body in cases:
        # When it is sent / Then 413 or 422 comes back before the client gives up, and the
        # answer quotes no more than an excerpt of it
        status, answer = _send(served, method, target, body, auth=auth_headers)
        if status not in {413, 422} or len(answer) > 2_000:
            failures.append((name, status, len(answer), answer[:200]))
    assert failures == []


def test_a_megabyte_body_without_a_declared_length_is_refused(
    served: int, auth_headers: dict[str, str]
) -> None:
    body = json.dumps({"search_terms": ["x" * MEGABYTE]}).encode()
    status, answer = _send(
        served, "PUT", "/config/token_discovery", body, chunked=True, auth=auth_headers
    )
    assert status == 413
    assert b"larger than" in answer


def test_a_100k_character_mint_is_refused_at_once(
    served: int, auth_headers: dict[str, str]
) -> None:
    # The finding: a 100,000-character "mint" took 12 s to refuse
    mint = "z" * 100_000
    for method, target, body in (
        ("POST", "/discovery/tokens", json.dumps({"mint": mint}).encode()),
        ("POST", "/discovery/wallets/run", json.dumps({"mint": mint}).encode()),
        ("GET", f"/wallets/{mint}", None),
    ):
        status, answer = _send(served, method, target, body, auth=auth_headers)
        assert status == 422, (method, target[:40])
        assert len(answer) < 2_000


def test_a_garbage_body_starts_no_scan(stack: Stack) -> None:
    client = stack.client
    # When a scan is asked for with a body that is not `{}` / Then each is a 422, or a 415
    # when the body is not even JSON
    for content, kind, refused in (
        (b"garbage", "application/json", 422),
        (b"garbage", "text/plain", 415),
        (b'{"force": true}', "application/json", 422),
        (b"[]", "application/json", 422),
        (b'{"\\u0000": 1}', "application/json", 422),
    ):
        response = client.post(
            "/discovery/tokens/run", content=content, headers={"content-type": kind}
        )
        assert response.status_code == refused, (content, kind, response.text)
    # And no run was recorded, nothing queued
    assert client.get("/status/schedule-runs").json() == []
    assert stack.runtime.queue("TokenScanQueue").approximate_count() == 0
    # While no body, or `{}`, starts one each (one after the other: one scan at a time)
    assert client.post("/discovery/tokens/run").status_code == 202
    stack.runtime.run_until_idle()
    assert client.post("/discovery/tokens/run", json={}).status_code == 202
    runs = client.get("/status/schedule-runs").json()
    assert sum(run["counts"].get("trigger") == "manual" for run in runs) == 2
