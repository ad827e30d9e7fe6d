"""The API function as Lambda runs it: a Function URL event through Mangum."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from functions.api import handler
from tests.conftest import REPO_ROOT
from walltrack.app.container import Container
from walltrack.app.process import bound


@pytest.fixture
def url_event(fixtures_dir: Path) -> dict[str, object]:
    event: dict[str, object] = json.loads(
        (fixtures_dir / "aws" / "function_url_event.json").read_text()
    )
    return event


def _as_get(
    event: dict[str, object], path: str, headers: dict[str, str] | None = None
) -> dict[str, object]:
    http = dict(event["requestContext"]["http"])  # type: ignore[index]
    http.update(method="GET", path=path)
    context = dict(event["requestContext"])  # type: ignore[call-overload]
    context["http"] = http
    return {
        **event,
        "headers": {**event.get("headers", {}), **(headers or {})},  # type: ignore[dict-item]
        "rawPath": path,
        "rawQueryString": "",
        "body": None,
        "isBase64Encoded": False,
        "requestContext": context,
    }


_LAMBDA_PROCESS = """
import json, sys
from types import SimpleNamespace
from functions.api import handler
event = json.loads(sys.stdin.read())
response = handler(event, SimpleNamespace(aws_request_id="req-0", function_name="ApiFunction"))
print(json.dumps({"status": response["statusCode"], "body": json.loads(response["body"])}))
"""


def test_a_fresh_process_builds_its_container_from_the_environment(
    url_event: dict[str, object],
    pg_url: str,
    graph_uri: str,
    tmp_path: Path,
    auth_headers: dict[str, str],
) -> None:
    # Given a new process configured only by its environment, as Lambda configures one
    env = {
        **os.environ,
        "WALLTRACK_DATABASE_URL": pg_url,
        "WALLTRACK_NEO4J_URI": graph_uri,
        "WALLTRACK_DATA_DIR": str(tmp_path),
    }
    # When the handler named in template.yaml gets GET /config/token_refresh
    done = subprocess.run(
        [sys.executable, "-c", _LAMBDA_PROCESS],
        input=json.dumps(_as_get(url_event, "/config/token_refresh", auth_headers)),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    # Then it answers from the database its environment names
    assert done.returncode == 0, done.stderr[-2000:]
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert answer["body"]["step"] == "token_refresh"


def test_a_fresh_process_without_a_token_refuses_to_start(
    url_event: dict[str, object], pg_url: str, tmp_path: Path
) -> None:
    # Given a Lambda environment with neither WALLTRACK_API_TOKEN nor its SSM parameter
    env = {**os.environ, "WALLTRACK_DATABASE_URL": pg_url, "WALLTRACK_DATA_DIR": str(tmp_path)}
    for name in ("WALLTRACK_API_TOKEN", "WALLTRACK_API_TOKEN_PARAMETER"):
        env.pop(name, None)
    # When the handler module is imported (the cold start)
    done = subprocess.run(
        [sys.executable, "-c", _LAMBDA_PROCESS],
        input=json.dumps(_as_get(url_event, "/health")),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    # Then it fails, saying why, and answers nothing (not even /health)
    assert done.returncode != 0
    assert "ConfigurationError: no API token" in done.stderr
    assert done.stdout == ""


def test_the_api_handler_answers_a_function_url_event(
    container: Container, url_event: dict[str, object], auth_headers: dict[str, str]
) -> None:
    # Given the handler named in template.yaml, with this test's container bound
    # When a Function URL (payload 2.0) GET /config/token_refresh arrives
    context = SimpleNamespace(aws_request_id="req-1", function_name="ApiFunction")
    with bound(container):
        response = handler(_as_get(url_event, "/config/token_refresh", auth_headers), context)
    # Then the API answers it with the stored settings
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["step"] == "token_refresh"
    assert response["headers"]["x-request-id"] == "req-1"


def test_the_api_handler_still_answers_after_asyncio_run_cleared_the_loop(
    container: Container, url_event: dict[str, object], auth_headers: dict[str, str]
) -> None:
    # Given code in the same thread that ran (and closed) its own event loop
    asyncio.run(asyncio.sleep(0))
    # When a Function URL event arrives
    context = SimpleNamespace(aws_request_id="req-2", function_name="ApiFunction")
    with bound(container):
        response = handler(_as_get(url_event, "/config/token_refresh", auth_headers), context)
    # Then it is answered
    assert response["statusCode"] == 200
