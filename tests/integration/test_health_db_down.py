"""With Postgres stopped, /health says so (503 naming it) and the API keeps answering."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from pgserver.postgres_server import get_server
from pydantic import SecretStr

from walltrack.api.app import create_app
from walltrack.app.container import build_container
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.migrations import apply_migrations


def test_stopped_database_gives_503_naming_postgres(
    tmp_path: Path, base_env: EnvSettings, auth_headers: dict[str, str]
) -> None:
    # Given an API on its own Postgres, healthy
    server = get_server(tmp_path / "pg-to-stop", cleanup_mode="stop")
    url = server.get_uri()
    apply_migrations(url)
    env = base_env.model_copy(update={"database_url": SecretStr(url), "db_connect_timeout_s": 1})
    app = build_container(env)
    try:
        with TestClient(create_app(app), headers=auth_headers) as client:
            assert client.get("/health").status_code == 200
            # When the database stops
            server.cleanup()
            # Then /health is 503 and names postgres, the graph still up
            response = client.get("/health")
            assert response.status_code == 503
            components = response.json()["components"]
            assert components["postgres"]["status"] == "down"
            assert components["graph"]["status"] == "up"
            # And routes needing the database fail cleanly while the API stays up
            config = client.get("/config/token_refresh")
            assert config.status_code == 503
            assert config.json()["component"] == "postgres"
            assert client.get("/openapi.json").status_code == 200
    finally:
        app.close()
