"""Shared fixtures: the real embedded Postgres and Bolt graph server, started once per session."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = REPO_ROOT.parent / "shared" / "reference"


def free_port() -> int:
    """A free loopback port below 32768: FalkorDB's BOLT_PORT silently fails above that."""
    for _ in range(200):
        port = random.randint(20_000, 32_000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000-32000")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    path = SHARED_REFERENCE / "fixtures"
    if not path.is_dir():
        pytest.fail(f"reference fixtures not found at {path} (is ../shared beside the checkout?)")
    return path


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL with every migration applied."""
    from walltrack.data.postgres.embedded import ensure_embedded_postgres, stop_embedded_postgres
    from walltrack.data.postgres.migrations import apply_migrations

    data_dir = tmp_path_factory.mktemp("pg")
    url = ensure_embedded_postgres(data_dir)
    apply_migrations(url)
    yield url
    stop_embedded_postgres(data_dir)


@pytest.fixture(scope="session")
def graph_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real Bolt graph server (embedded FalkorDB), reached through the official driver."""
    from walltrack.data.graph.embedded import ensure_embedded_graph

    data_dir = tmp_path_factory.mktemp("graph")
    return ensure_embedded_graph(data_dir, bolt_port=free_port(), redis_port=free_port())


@pytest.fixture
def app_env(
    pg_url: str, graph_uri: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    """Point the process settings, pool and driver at the session's Postgres and graph."""
    from walltrack.config.settings import get_settings
    from walltrack.data.graph.driver import forget_driver
    from walltrack.data.postgres.pool import reset_pool

    monkeypatch.setenv("WALLTRACK_DATABASE_URL", pg_url)
    monkeypatch.setenv("WALLTRACK_NEO4J_URI", graph_uri)
    monkeypatch.setenv("WALLTRACK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    reset_pool()
    forget_driver()
    yield
    reset_pool()
    forget_driver()
    get_settings.cache_clear()
