"""Shared fixtures: the real embedded Postgres and Bolt graph server (started once per session),
the environment settings pointing at them, a container (the composition root) per test, and the
API token every test that calls the API sends (`api_token`, `auth_headers`)."""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.support.database import truncate_all
from walltrack.app.container import Container, build_container
from walltrack.config.settings import EnvSettings
from walltrack.data.graph.embedded import ensure_embedded_graph
from walltrack.data.postgres.database import Database, create_pool
from walltrack.data.postgres.embedded import ensure_embedded_postgres, stop_embedded_postgres
from walltrack.data.postgres.migrations import apply_migrations

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = REPO_ROOT.parent / "shared" / "reference"
API_TOKEN = "walltrack-test-token-0123456789abcdefABCDEF"
"""The API token of the test session, in the environment before any test module builds an app
(as WALLTRACK_API_TOKEN is in a deployment); tests that need another (or none) say so."""
os.environ["WALLTRACK_API_TOKEN"] = API_TOKEN


@pytest.fixture(scope="session")
def api_token() -> str:
    """The token the session's API apps expect (WALLTRACK_API_TOKEN)."""
    return API_TOKEN


@pytest.fixture(scope="session")
def auth_headers(api_token: str) -> dict[str, str]:
    """What every API call but GET /health sends."""
    return {"Authorization": f"Bearer {api_token}"}


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

    data_dir = tmp_path_factory.mktemp("pg")
    url = ensure_embedded_postgres(data_dir)
    apply_migrations(url)
    yield url
    stop_embedded_postgres(data_dir)


@pytest.fixture(scope="session")
def graph_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real Bolt graph server (embedded FalkorDB), reached through the official driver."""

    data_dir = tmp_path_factory.mktemp("graph")
    return ensure_embedded_graph(data_dir, bolt_port=free_port(), redis_port=free_port())


NO_UPSTREAM = "http://127.0.0.1:9"
"""The discard port on loopback: nothing listens there, so a call is refused at once."""


@pytest.fixture(scope="session")
def base_env(pg_url: str, graph_uri: str, tmp_path_factory: pytest.TempPathFactory) -> EnvSettings:
    """Settings for the session's Postgres and graph; tests derive theirs with `model_copy`.
    Every upstream points at a closed loopback port (`NO_UPSTREAM`): a test that forgot to
    point one at the simulated market or respx fails with a refused connection instead of
    sending traffic to a real service."""
    return EnvSettings(
        _env_file=None,
        database_url=SecretStr(pg_url),
        neo4j_uri=graph_uri,
        data_dir=tmp_path_factory.mktemp("data"),
        dexscreener_base_url=NO_UPSTREAM,
        helius_api_base_url=NO_UPSTREAM,
        helius_rpc_url=NO_UPSTREAM,
        jupiter_base_url=NO_UPSTREAM,
        rugcheck_base_url=NO_UPSTREAM,
    )


@pytest.fixture(scope="session")
def database(pg_url: str) -> Iterator[Database]:
    db = Database(create_pool(pg_url, min_size=0, max_size=4))
    yield db
    db.close()


@pytest.fixture
def clean_db(database: Database) -> Database:
    """The session's database with every table emptied."""
    truncate_all(database)
    return database


@pytest.fixture
def container(base_env: EnvSettings, clean_db: Database) -> Iterator[Container]:
    """The composition root on the session's (emptied) Postgres and graph."""
    built = build_container(base_env)
    yield built
    built.close()
