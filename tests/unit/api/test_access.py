"""Who may call the API: the bearer token (from the environment or SSM, through moto), JSON-only
writes, CORS, and the OpenAPI document declaring all of it. No server: a refused request never
reaches a route, so every route's dependencies are stand-ins that fail if one runs."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from moto import mock_aws
from pydantic import SecretStr

from walltrack.api import deps
from walltrack.api.app import create_app
from walltrack.app.api_token import resolve_api_token
from walltrack.config.settings import EnvSettings
from walltrack.errors import ConfigurationError

STATE_CHANGING = [
    ("PUT", "/config/token_refresh"),
    ("POST", "/discovery/tokens/run"),
    ("POST", "/discovery/tokens"),
    ("POST", "/discovery/tokens/So11111111111111111111111111111111111111112/unblock"),
    ("DELETE", "/discovery/tokens/So11111111111111111111111111111111111111112"),
    ("POST", "/discovery/wallets/run"),
]
FOREIGN = "https://evil.example"


class Untouchable:
    """Stands in for every dependency: a refused request never reaches a route."""

    def __getattr__(self, name: str) -> None:
        raise AssertionError(f"the route ran ({name}) although the request was refused")


def _guarded(app: FastAPI) -> FastAPI:
    for provider in (
        deps.container,
        deps.step_settings,
        deps.schedule_runs,
        deps.tokens,
        deps.wallets,
        deps.token_jobs,
        deps.wallet_jobs,
        deps.clock,
    ):
        app.dependency_overrides[provider] = Untouchable
    return app


@pytest.fixture
def anonymous() -> Iterator[TestClient]:
    """The app, called without the token."""
    with TestClient(_guarded(create_app())) as client:
        yield client


@pytest.fixture
def authorized(auth_headers: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(_guarded(create_app()), headers=auth_headers) as client:
        yield client


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    filled = {"{step}": "token_refresh", "{run_id}": "00000000-0000-0000-0000-000000000001"}
    filled |= {"{mint}": "So11111111111111111111111111111111111111112"}
    filled |= {"{address}": "So11111111111111111111111111111111111111112"}
    found = []
    for path, operations in app.openapi()["paths"].items():
        for template, value in filled.items():
            path = path.replace(template, value)  # noqa: PLW2901
        found += [(method.upper(), path) for method in operations]
    return found


def test_every_operation_but_health_refuses_a_request_without_the_token(
    anonymous: TestClient,
) -> None:
    # Given every operation of the OpenAPI document but GET /health
    operations = [op for op in _operations(anonymous.app) if op != ("GET", "/health")]  # type: ignore[arg-type]
    assert len(operations) >= 13
    for method, path in operations:
        # When it is called without a token, with a body where it takes one
        response = anonymous.request(method, path, json={} if method != "GET" else None)
        # Then 401 in the project's error shape, with the challenge; no route ran
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json() == {"message": "missing or wrong bearer token"}


WRONG = {
    "one character off": lambda t: f"Bearer {t[:-1]}X",
    "a prefix": lambda t: f"Bearer {t[:-1]}",
    "longer": lambda t: f"Bearer {t}x",
    "the scheme's case": lambda t: f"bearer {t}",
    "no scheme": lambda t: t,
    "basic": lambda t: "Basic d2FsbHRyYWNrOnRva2Vu",
    "empty": lambda t: "Bearer ",
    "not ascii": lambda t: f"Bearer {t}\u00e9".encode("latin-1"),
}


@pytest.mark.parametrize("wrong", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_token_is_refused(
    anonymous: TestClient, api_token: str, wrong: Callable[[str], str | bytes]
) -> None:
    value = wrong(api_token)
    header = value if isinstance(value, bytes) else value.encode()
    response = anonymous.get("/config", headers=[(b"Authorization", header)])
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_the_token_is_compared_in_constant_time(
    authorized: TestClient, monkeypatch: pytest.MonkeyPatch, api_token: str
) -> None:
    # Given a spy on the constant-time comparison
    seen: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    # When a request with the right token and one with a wrong token arrive
    with pytest.raises(AssertionError, match="the route ran"):
        authorized.get("/status/schedules")
    authorized.get("/status/schedules", headers={"Authorization": "Bearer nope"})
    # Then each presented header was compared with it (never with ==)
    expected = f"Bearer {api_token}".encode()
    assert seen == [(expected, expected), (b"Bearer nope", expected)]


def test_health_needs_no_token(anonymous: TestClient) -> None:
    # The route answers (a 503: its components are stand-ins here); the token was not asked for
    response = anonymous.get("/health")
    assert response.status_code == 503
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize(("method", "path"), STATE_CHANGING)
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        None,
    ],
)
def test_a_state_changing_body_that_is_not_json_is_415(
    authorized: TestClient, method: str, path: str, content_type: str | None
) -> None:
    # Given the token, and a body of another (or no) content type
    headers = {"content-type": content_type} if content_type else {}
    # When it is sent to a route that changes state
    response = authorized.request(method, path, content=b"{}", headers=headers)
    # Then 415 in the error shape, and no route ran (the stand-ins would have raised)
    assert response.status_code == 415, response.text
    assert response.json() == {"message": "a request body must be application/json"}


def test_a_json_body_or_no_body_passes_the_content_type_rule(authorized: TestClient) -> None:
    # The route is reached in both cases (its stand-in raises)
    for headers in ({"content-type": "application/json; charset=utf-8"}, {}):
        content = b"{}" if headers else None
        with pytest.raises(AssertionError, match="the route ran"):
            authorized.post("/discovery/tokens/run", content=content, headers=headers)


def test_a_cross_site_preflight_is_denied(anonymous: TestClient) -> None:
    # Given a page on a foreign origin preparing a JSON POST with the token
    for path in ("/discovery/tokens/run", "/config/token_refresh", "/health"):
        response = anonymous.options(
            path,
            headers={
                "Origin": FOREIGN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        # Then the browser is not allowed: no Access-Control-Allow-Origin
        assert "access-control-allow-origin" not in response.headers, path
        assert response.status_code >= 400
    # Nor may a foreign page read a simple request's answer
    answer = anonymous.get("/config", headers={"Origin": FOREIGN})
    assert "access-control-allow-origin" not in answer.headers


def test_an_allowed_origin_may_call_with_the_token(
    monkeypatch: pytest.MonkeyPatch, auth_headers: dict[str, str]
) -> None:
    # Given an allow-list naming a hosted dashboard's origin
    monkeypatch.setenv("WALLTRACK_CORS_ALLOW_ORIGINS", "https://dash.example, https://b.example")
    with TestClient(_guarded(create_app())) as client:
        preflight = {
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type",
        }
        # When it preflights / Then it is allowed, and the foreign origin still is not
        allowed = client.options(
            "/config/token_refresh", headers={"Origin": "https://dash.example", **preflight}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://dash.example"
        denied = client.options("/config/token_refresh", headers={"Origin": FOREIGN, **preflight})
        assert "access-control-allow-origin" not in denied.headers
        # And its request still needs the token
        assert client.get("/config", headers={"Origin": "https://dash.example"}).status_code == 401


def test_the_document_declares_the_scheme_the_401_and_the_415(anonymous: TestClient) -> None:
    document = anonymous.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path == "/health":
                assert "security" not in operation
                assert "401" not in operation["responses"]
                continue
            assert operation["security"] == [{"bearerAuth": []}], (method, path)
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
            changes_state = method in {"post", "put", "patch", "delete"}
            assert ("415" in operation["responses"]) == changes_state, (method, path)


def test_the_api_refuses_to_start_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given neither a token nor an SSM parameter
    monkeypatch.delenv("WALLTRACK_API_TOKEN")
    monkeypatch.delenv("WALLTRACK_API_TOKEN_PARAMETER", raising=False)
    # When the app is built / Then it refuses, naming both ways to give one
    with pytest.raises(ConfigurationError, match="WALLTRACK_API_TOKEN_PARAMETER"):
        create_app()


# -- SSM (moto) -----------------------------------------------------------------------------------

PARAMETER = "/walltrack/api-token"
SSM_TOKEN = "ssm-token-" + "k" * 40


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.delenv("WALLTRACK_API_TOKEN")
    for name, value in {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        yield client


def test_the_token_is_read_from_an_ssm_secure_string(
    ssm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the token only in an SSM SecureString, named by the environment (as template.yaml)
    ssm.put_parameter(Name=PARAMETER, Value=SSM_TOKEN, Type="SecureString")
    monkeypatch.setenv("WALLTRACK_API_TOKEN_PARAMETER", PARAMETER)
    # When the app starts / Then it asks for that token
    with TestClient(_guarded(create_app())) as client:
        assert client.get("/config").status_code == 401
        with pytest.raises(AssertionError, match="the route ran"):
            client.get("/config", headers={"Authorization": f"Bearer {SSM_TOKEN}"})


def test_a_missing_or_short_ssm_token_stops_the_start_without_quoting_it(ssm: Any) -> None:
    env = EnvSettings(_env_file=None, api_token_parameter=PARAMETER)
    with pytest.raises(ConfigurationError, match="ParameterNotFound"):
        resolve_api_token(env)
    ssm.put_parameter(Name=PARAMETER, Value="short-ssm-secret", Type="SecureString")
    with pytest.raises(ConfigurationError, match="shorter than 32") as caught:
        resolve_api_token(env)
    assert "short-ssm-secret" not in str(caught.value)


def test_the_environment_token_wins_over_ssm(monkeypatch: pytest.MonkeyPatch) -> None:
    env = EnvSettings(
        _env_file=None, api_token=SecretStr("e" * 32), api_token_parameter="/never/read"
    )
    assert resolve_api_token(env).get_secret_value() == "e" * 32
