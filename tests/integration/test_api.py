"""The API against real Postgres and the real graph server."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from walltrack.api.app import create_app
from walltrack.app.container import Container, build_container
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.database import Database


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
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


def test_secrets_are_never_returned(base_env: EnvSettings, clean_db: Database) -> None:
    # Given an API whose settings hold secrets
    env = base_env.model_copy(
        update={
            "helius_api_key": SecretStr("helius-key-never-shown"),
            "webhook_auth_secret": SecretStr("hook-secret-never-shown"),
        }
    )
    app = build_container(env)
    # When every read route answers / Then none shows them
    with TestClient(create_app(app)) as client:
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
