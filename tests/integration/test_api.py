"""The API against real Postgres and the real graph server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from walltrack.api.app import create_app
from walltrack.app.container import Container, build_container
from walltrack.config.settings import EnvSettings
from walltrack.data.models.token import Token, TokenStatus
from walltrack.data.postgres.database import Database


@pytest.fixture
def client(container: Container, auth_headers: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(container), headers=auth_headers) as test_client:
        yield test_client


def _stored_versions(pg_url: str, step: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "select count(*) from public.step_settings where step = %s", (step,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_health_reports_each_component_up_with_latency(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) == {"postgres", "graph"}
    assert all(c["status"] == "up" and c["latency_ms"] >= 0 for c in body["components"].values())


def test_config_lists_every_step_with_schema(client: TestClient) -> None:
    body = client.get("/config").json()
    steps = {s["step"]: s for s in body["steps"]}
    assert {"token_discovery", "token_refresh"} <= set(steps)
    assert "interval_minutes" in steps["token_refresh"]["json_schema"]["properties"]


def test_put_stores_a_new_version_that_get_returns(client: TestClient) -> None:
    before = client.get("/config/token_discovery").json()["version"]
    response = client.put("/config/token_discovery", json={"min_txns_1h": 25})
    assert response.status_code == 200
    assert response.json()["version"] == before + 1
    assert client.get("/config/token_discovery").json()["values"]["min_txns_1h"] == 25


def test_invalid_setting_is_422_with_field_errors_and_row_unchanged(
    client: TestClient, pg_url: str
) -> None:
    # Given a stored version
    client.put("/config/token_refresh", json={"interval_minutes": 11})
    versions = _stored_versions(pg_url, "token_refresh")
    # When an invalid value is sent
    response = client.put("/config/token_refresh", json={"interval_minutes": -1})
    # Then 422 names the field and nothing new is stored
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["interval_minutes"]
    assert _stored_versions(pg_url, "token_refresh") == versions
    assert client.get("/config/token_refresh").json()["values"]["interval_minutes"] == 11


def test_a_non_object_body_is_422(client: TestClient) -> None:
    assert client.put("/config/token_refresh", json=[1, 2]).status_code == 422


def test_unknown_step_is_404_with_a_clear_message(client: TestClient) -> None:
    for response in (client.get("/config/nope"), client.put("/config/nope", json={})):
        assert response.status_code == 404
        assert "unknown step 'nope'" in response.json()["message"]


def test_stale_expected_version_is_409(client: TestClient) -> None:
    current = client.get("/config/token_refresh").json()["version"]
    client.put("/config/token_refresh", json={"interval_minutes": 12})
    response = client.put(
        "/config/token_refresh",
        params={"expected_version": current},
        json={"interval_minutes": 13},
    )
    assert response.status_code == 409


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/config", "/config/{step}", "/status/schedule-runs"} <= set(paths)


def test_schedule_runs_are_listed_newest_first(client: TestClient, container: Container) -> None:
    repo = container.runs
    first = repo.start("probe_job")
    repo.finish(first, status="succeeded", counts={"tokens": 3})
    second = repo.start("probe_job")
    repo.finish(second, status="failed", counts={}, error="boom")
    runs = client.get("/status/schedule-runs", params={"job": "probe_job"}).json()
    assert [r["status"] for r in runs[:2]] == ["failed", "succeeded"]
    assert runs[1]["counts"] == {"tokens": 3}


def test_secrets_are_never_returned(
    base_env: EnvSettings, clean_db: Database, auth_headers: dict[str, str]
) -> None:
    # Given an API whose settings hold secrets
    env = base_env.model_copy(
        update={
            "helius_api_key": SecretStr("helius-key-never-shown"),
            "webhook_auth_secret": SecretStr("hook-secret-never-shown"),
        }
    )
    app = build_container(env)
    # When every read route answers / Then none shows them
    with TestClient(create_app(app), headers=auth_headers) as client:
        texts = [
            client.get(path).text
            for path in ("/health", "/config", "/config/token_discovery", "/openapi.json")
        ]
    app.close()
    assert not any("never-shown" in text for text in texts)


def test_one_run_is_readable_by_id_and_unknown_is_404(
    client: TestClient, container: Container
) -> None:
    run_id = container.runs.start("probe_one", counts={"done": 1})
    body = client.get(f"/status/schedule-runs/{run_id}").json()
    assert body["status"] == "running"
    assert body["counts"] == {"done": 1}
    missing = client.get("/status/schedule-runs/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "request_",
    [
        ("GET", "/discovery/tokens?q=a%00b"),
        ("GET", "/wallets?token=a%00b"),
        ("GET", "/status/schedule-runs?job=a%00b"),
        ("GET", "/discovery/tokens/a%00b"),
        ("DELETE", "/discovery/tokens/a%00b"),
        ("POST", "/discovery/tokens/a%00b/unblock"),
        ("GET", "/config/a%00b"),
        ("GET", "/discovery/tokens?q=tab%09"),
    ],
    ids=lambda r: f"{r[0]} {r[1]}",
)
def test_a_nul_or_control_character_in_a_query_or_path_is_422(
    client: TestClient, request_: tuple[str, str]
) -> None:
    # When a text field carries a control character (NUL cannot be stored in Postgres text)
    method, url = request_
    response = client.request(method, url)
    # Then it is the caller's 422 naming the field, not a 500
    assert response.status_code == 422, response.text
    assert "control characters" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("path", ["/discovery/tokens", "/wallets"])
@pytest.mark.parametrize("offset", [2**63, 2**64, 10**30, -1])
def test_an_offset_out_of_range_is_422(client: TestClient, path: str, offset: int) -> None:
    response = client.get(path, params={"offset": offset})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["query", "offset"]


def test_the_deepest_offset_answers_an_empty_page(client: TestClient) -> None:
    body = client.get("/discovery/tokens", params={"offset": 1_000_000}).json()
    assert (body["items"], body["offset"]) == ([], 1_000_000)


@pytest.mark.parametrize(
    "values",
    [
        {"search_terms": ["pump\u0000"]},
        {"search_terms": ["\ud800"]},
        {"interval_minutes": "1_000"},
        {"interval_minutes": " 10 "},
        {"min_liquidity_usd": "1_000"},
        {"min_liquidity_usd": " 1 "},
    ],
    ids=repr,
)
def test_a_control_character_or_a_loose_number_in_a_setting_is_422_and_stores_nothing(
    client: TestClient, pg_url: str, values: dict[str, object]
) -> None:
    # Given a stored version of each step
    step = "token_refresh" if "interval_minutes" in values else "token_discovery"
    client.put(f"/config/{step}", json={"scheduled_scan": False} if step == "token_discovery"
               else {"interval_minutes": 7})  # fmt: skip
    versions = _stored_versions(pg_url, step)
    # When a NUL, a lone surrogate, "1_000" or " 1 " is sent as a value
    response = client.put(
        f"/config/{step}",
        content=json.dumps(values),  # ensure_ascii: the NUL and surrogate travel as \u escapes
        headers={"content-type": "application/json"},
    )
    # Then it is a 422 naming the field, and no version is stored
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == next(iter(values))
    assert _stored_versions(pg_url, step) == versions


@pytest.mark.parametrize("body", [{}, {"interval_minutes": 11}, {"batch_size": 30}], ids=repr)
def test_a_settings_change_that_changes_nothing_stores_no_version(
    client: TestClient, pg_url: str, body: dict[str, int]
) -> None:
    # Given a stored version
    saved = client.put("/config/token_refresh", json={"interval_minutes": 11}).json()
    # When `{}`, or values already current, are sent
    response = client.put(
        "/config/token_refresh", json=body, params={"expected_version": saved["version"]}
    )
    # Then it answers 200 with the current settings, same version, and stores nothing
    assert response.status_code == 200
    assert response.json()["version"] == saved["version"]
    assert response.json()["updated_at"] == saved["updated_at"]
    assert _stored_versions(pg_url, "token_refresh") == 1


def test_an_empty_change_to_a_never_saved_step_stores_nothing(
    client: TestClient, pg_url: str
) -> None:
    response = client.put("/config/wallet_profile", json={})
    assert response.status_code == 200
    assert response.json()["version"] == 0
    assert _stored_versions(pg_url, "wallet_profile") == 0


def test_a_huge_key_is_422_with_a_short_answer(client: TestClient, pg_url: str) -> None:
    # Given a 200,000-character key (under the body limit) / When sent as a setting
    response = client.put("/config/token_refresh", json={"k" * 200_000: 1})
    # Then it is refused, naming an excerpt of it, in well under a kilobyte or two
    assert response.status_code == 422
    assert len(response.content) < 2_000
    assert _stored_versions(pg_url, "token_refresh") == 0


T0 = datetime(2026, 3, 1, tzinfo=UTC)
MINT = "So11111111111111111111111111111111111111112"


def _stored_token(container: Container, status: TokenStatus = "active") -> None:
    container.tokens.upsert_discovered(Token(mint=MINT, symbol="WSOL", sources=["scan"]), at=T0)
    if status != "active":
        container.tokens.set_status(MINT, status, reason="test", at=T0)


def test_a_blocked_token_is_unblocked_and_listed_active_again(
    client: TestClient, container: Container
) -> None:
    # Given a token the user blocked
    _stored_token(container)
    assert client.delete(f"/discovery/tokens/{MINT}").json()["status"] == "blocked"
    assert client.get("/discovery/tokens", params={"status": "active"}).json()["total"] == 0
    # When it is unblocked
    response = client.post(f"/discovery/tokens/{MINT}/unblock")
    # Then it is active again, says why, and lists as active
    assert response.status_code == 200
    token = response.json()
    assert (token["status"], token["status_reason"]) == ("active", "unblocked by user")
    listed = client.get("/discovery/tokens", params={"status": "active"}).json()
    assert [t["mint"] for t in listed["items"]] == [MINT]
    # And a scan may update it again (a blocked token is never revived by discovery)
    rescanned = Token(mint=MINT, symbol="NEW", sources=["scan"])
    assert container.tokens.upsert_discovered(rescanned, at=T0) is False
    assert client.get(f"/discovery/tokens/{MINT}").json()["token"]["symbol"] == "NEW"


def test_unblocking_a_token_that_is_not_blocked_changes_nothing(
    client: TestClient, container: Container
) -> None:
    # Given a token a refresh marked dead
    _stored_token(container, "dead")
    # When it is "unblocked" / Then it is answered as it is: still dead
    response = client.post(f"/discovery/tokens/{MINT}/unblock")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_reason"]) == ("dead", "test")
    # And an unknown token is a 404
    missing = client.post("/discovery/tokens/11111111111111111111111111111112/unblock")
    assert missing.status_code == 404
