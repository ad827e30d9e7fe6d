"""One psycopg 3 connection pool per process, and the unit of work built on it.

Prepared statements are off (`prepare_threshold=None`): Supabase's transaction pooler (port
6543, PgBouncer/Supavisor in transaction mode) cannot keep them across transactions.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import Connection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from walltrack.config.settings import EnvSettings, get_settings

_lock = threading.Lock()
_pool: ConnectionPool[Connection[DictRow]] | None = None


def resolve_database_url(settings: EnvSettings) -> str:
    """The configured URL, or the embedded server's when none is set."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    from walltrack.data.postgres.embedded import ensure_embedded_postgres

    return ensure_embedded_postgres(settings.data_dir)


def create_pool(
    url: str, *, min_size: int = 1, max_size: int = 5, connect_timeout_s: float = 5.0
) -> ConnectionPool[Connection[DictRow]]:
    pool: ConnectionPool[Connection[DictRow]] = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        timeout=connect_timeout_s,
        kwargs={
            "prepare_threshold": None,
            "row_factory": dict_row,
            "connect_timeout": max(1, int(connect_timeout_s)),
        },
        connection_class=Connection[DictRow],
        open=False,
        name="walltrack",
    )
    # open(wait=False): the API must come up (and report 503) even when Postgres is down.
    pool.open(wait=False)
    return pool


def get_pool(settings: EnvSettings | None = None) -> ConnectionPool[Connection[DictRow]]:
    """The process-wide pool, created on first use (not at import: keeps cold starts small)."""
    global _pool  # noqa: PLW0603 - one pool per process is the design
    if _pool is None:
        with _lock:
            if _pool is None:
                cfg = settings or get_settings()
                _pool = create_pool(
                    resolve_database_url(cfg),
                    min_size=cfg.db_pool_min_size,
                    max_size=cfg.db_pool_max_size,
                    connect_timeout_s=cfg.db_connect_timeout_s,
                )
    return _pool


def reset_pool() -> None:
    """Close the process pool (tests, shutdown)."""
    global _pool  # noqa: PLW0603
    with _lock:
        if _pool is not None:
            _pool.close()
            _pool = None


@contextmanager
def unit_of_work(
    pool: ConnectionPool[Connection[DictRow]] | None = None,
) -> Iterator[Connection[DictRow]]:
    """A connection inside one transaction: committed on success, rolled back on error."""
    with (pool or get_pool()).connection() as conn, conn.transaction():
        yield conn


def ping(pool: ConnectionPool[Connection[DictRow]], *, timeout_s: float) -> None:
    """Raise unless a pooled connection answers within `timeout_s` (the health probe)."""
    with pool.connection(timeout=timeout_s) as conn:
        conn.execute("select 1").fetchone()
