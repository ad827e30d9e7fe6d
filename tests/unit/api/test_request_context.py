"""The API's request context: every request gets an id (the caller's, the Lambda invocation's or
a new one), bound to the log context while it is served and echoed as `x-request-id`; every API
request is logged once with its status. No server: Starlette's test client over the middleware."""

from __future__ import annotations

import uuid

import structlog
from fastapi import FastAPI
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from walltrack.api.app import RequestContext


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/wallets/seen")
    def seen() -> dict[str, object]:
        return dict(structlog.contextvars.get_contextvars())

    @app.get("/wallets/teapot", status_code=418)
    def teapot() -> str:
        return "short and stout"

    @app.get("/elsewhere")
    def elsewhere() -> str:
        return "not the API"

    with capture_logs():  # the logger binds to whatever config is current when it is made
        log = structlog.get_logger().bind(component="api")
    app.add_middleware(RequestContext, api_paths=("/wallets",), log=log)
    return app


def test_the_callers_request_id_is_bound_while_serving_and_echoed() -> None:
    # Given a request carrying its own id
    with TestClient(_app()) as client:
        # When it is served
        response = client.get("/wallets/seen", headers={"x-request-id": "abc-1"})
    # Then the route ran with that id bound, and the answer carries it back
    assert response.json() == {"function": "api", "request_id": "abc-1"}
    assert response.headers["x-request-id"] == "abc-1"


def test_a_request_without_an_id_gets_a_new_one_each_time() -> None:
    # Given two requests without an id
    with TestClient(_app()) as client:
        # When they are served
        first = client.get("/wallets/seen")
        second = client.get("/wallets/seen")
    # Then each has a fresh UUID, bound and echoed
    ids = [r.headers["x-request-id"] for r in (first, second)]
    assert ids[0] != ids[1]
    assert [uuid.UUID(i).version for i in ids] == [4, 4]
    assert first.json()["request_id"] == ids[0]


def test_each_api_request_is_logged_once_with_its_status_and_others_are_not() -> None:
    # Given the app with its request log captured
    app = _app()
    with TestClient(app) as client, capture_logs() as logs:
        # When an API route answers 418 and a path outside the API answers too
        client.get("/wallets/teapot", headers={"x-request-id": "t-1"})
        client.get("/elsewhere")
    # Then exactly the API request is logged, with its method, path and status
    requests = [entry for entry in logs if entry["event"] == "request"]
    assert requests == [
        {
            "event": "request",
            "log_level": "info",
            "component": "api",
            "method": "GET",
            "path": "/wallets/teapot",
            "status": 418,
        }
    ]
