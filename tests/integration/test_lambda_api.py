"""The API function as Lambda runs it: a Function URL event through Mangum."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest


@pytest.fixture
def url_event(fixtures_dir: Path) -> dict[str, object]:
    event: dict[str, object] = json.loads(
        (fixtures_dir / "aws" / "function_url_event.json").read_text()
    )
    return event


def _as_get(event: dict[str, object], path: str) -> dict[str, object]:
    http = dict(event["requestContext"]["http"])  # type: ignore[index]
    http.update(method="GET", path=path)
    context = dict(event["requestContext"])  # type: ignore[call-overload]
    context["http"] = http
    return {
        **event,
        "rawPath": path,
        "rawQueryString": "",
        "body": None,
        "isBase64Encoded": False,
        "requestContext": context,
    }


def test_the_api_handler_answers_a_function_url_event(
    app_env: None, url_event: dict[str, object]
) -> None:
    # Given the handler named in template.yaml, imported as Lambda would
    from functions.api import handler

    # When a Function URL (payload 2.0) GET /config/token_refresh arrives
    context = SimpleNamespace(aws_request_id="req-1", function_name="ApiFunction")
    response = handler(_as_get(url_event, "/config/token_refresh"), context)
    # Then the API answers it with the stored settings
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["step"] == "token_refresh"
    assert response["headers"]["x-request-id"] == "req-1"


def test_the_api_handler_still_answers_after_asyncio_run_cleared_the_loop(
    app_env: None, url_event: dict[str, object]
) -> None:
    import asyncio

    from functions.api import handler

    # Given code in the same thread that ran (and closed) its own event loop
    asyncio.run(asyncio.sleep(0))
    # When a Function URL event arrives
    context = SimpleNamespace(aws_request_id="req-2", function_name="ApiFunction")
    response = handler(_as_get(url_event, "/config/token_refresh"), context)
    # Then it is answered
    assert response["statusCode"] == 200
