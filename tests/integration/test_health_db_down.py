"""With Postgres stopped, /health says so (503 naming it) and the API keeps answering."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from walltrack.api.app import create_app


def test_stopped_database_gives_503_naming_postgres(
    tmp_path: Path, graph_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pgserver.postgres_server import get_server

    from walltrack.config.settings import get_settings
    from walltrack.data.graph.driver import forget_driver
    from walltrack.data.postgres.migrations import apply_migrations
    from walltrack.data.postgres.pool import reset_pool

    # Given an API on its own Postgres, healthy
    server = get_server(tmp_path / "pg-to-stop", cleanup_mode="stop")
    url = server.get_uri()
    apply_migrations(url)
    monkeypatch.setenv("WALLTRACK_DATABASE_URL", url)
    monkeypatch.setenv("WALLTRACK_NEO4J_URI", graph_uri)
    monkeypatch.setenv("WALLTRACK_DB_CONNECT_TIMEOUT_S", "1")
    get_settings.cache_clear()
    reset_pool()
    forget_driver()
    try:
        with TestClient(create_app()) as client:
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
        reset_pool()
        forget_driver()
        get_settings.cache_clear()
