"""The local engines as `walltrack run` runs them: the graph engine reachable from loopback only,
guarded and private; Postgres stopped even after a `kill -9`; and each engine, killed with
SIGKILL, restarted on its own while /health shows the outage and the recovery."""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver, GraphDatabase
from neo4j.exceptions import ClientError

from tests.conftest import REPO_ROOT, free_port
from walltrack.api.app import create_app
from walltrack.app.container import Container, build_container, resolve_database_url
from walltrack.cli.supervisor import EngineSupervisor, supervise_engines
from walltrack.config.settings import EnvSettings
from walltrack.data.graph.embedded import EmbeddedGraph, embedded_graph, stop_embedded_graph
from walltrack.data.postgres.embedded import (
    ensure_embedded_postgres,
    process_running,
    stop_embedded_postgres,
)
from walltrack.data.postgres.migrations import apply_migrations

BOUND_S = 60.0  # every wait below is bounded: a hang fails the test, it never passes it


def wait_for(condition: Callable[[], bool], bound_s: float = BOUND_S, step_s: float = 0.05) -> None:
    pause = threading.Event()
    for _ in range(int(bound_s / step_s)):
        if condition():
            return
        pause.wait(step_s)
    raise AssertionError(f"condition not met within {bound_s} s")


def listening(
    port: int, pid: int | str = "self"
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Addresses with a TCP listener on `port` in `pid`'s network namespace, read from the
    kernel's socket tables (no traffic is sent anywhere)."""
    found: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            if table == "tcp":
                found.append(ipaddress.IPv4Address(raw[::-1]))
            else:
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                found.append(ipaddress.IPv6Address(words))
    return found


def driver_for(uri: str) -> Driver:
    return GraphDatabase.driver(
        uri, auth=None, connection_timeout=2, connection_acquisition_timeout=10,
        max_transaction_retry_time=2,
    )  # fmt: skip


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedGraph]:
    """An embedded graph engine of this module's own."""
    started = EmbeddedGraph(
        tmp_path_factory.mktemp("engine"), bolt_port=free_port(), redis_port=free_port()
    )
    started.start()
    yield started
    started.close()


@pytest.fixture
def driver(engine: EmbeddedGraph) -> Iterator[Driver]:
    opened = driver_for(engine.uri)
    yield opened
    opened.close()  # closing is safe behind the guard (it turns GOODBYE into a plain close)


# -- reachable from loopback only ---------------------------------------------------------


def test_bolt_listens_on_loopback_only(engine: EmbeddedGraph) -> None:
    # Given a running engine / When the kernel's listening sockets for its Bolt port are read
    ours = listening(engine.bolt_port)
    # Then there is one, on 127.0.0.1, and none on any other address
    assert ours, "nothing listens on the Bolt port"
    assert all(address.is_loopback for address in ours), ours
    # And the engine itself (which binds every interface) runs in a network namespace of its
    # own that has nothing but a loopback interface
    assert engine.engine_pid is not None
    assert os.readlink(f"/proc/{engine.engine_pid}/ns/net") != os.readlink("/proc/self/ns/net")
    interfaces = [
        line.split(":")[0].strip()
        for line in Path(f"/proc/{engine.engine_pid}/net/dev").read_text().splitlines()[2:]
    ]
    assert interfaces == ["lo"]
    inside = listening(engine.bolt_port, engine.engine_pid)
    assert any(address.is_unspecified for address in inside)  # why it needs the namespace


# -- guarded ------------------------------------------------------------------------------


def test_the_query_that_crashed_the_engine_is_refused_and_it_stays_up(
    engine: EmbeddedGraph, driver: Driver
) -> None:
    # Given the running engine's process
    engine_pid = engine.engine_pid
    assert engine_pid is not None
    # When a query carries an 8 KiB parameter (it used to overflow the engine's stack)
    with pytest.raises(ClientError, match="4096-byte buffer") as refused:
        driver.execute_query("RETURN size($p) AS n", {"p": "x" * 8192})
    assert refused.value.code == "Neo.ClientError.Request.Invalid"
    # Then the engine is the same process, still answering, on the same connection pool
    assert process_running(engine_pid)
    assert engine.alive()
    records, _, _ = driver.execute_query("RETURN 1 AS ok")
    assert records[0]["ok"] == 1
    assert engine.engine_pid == engine_pid


def test_a_quote_in_a_parameter_is_refused_not_spliced_into_the_query(driver: Driver) -> None:
    # When a string parameter carries a quote (the engine pastes parameters into its text)
    with pytest.raises(ClientError, match="quote"):
        driver.execute_query("RETURN $p AS value", {"p": "a' AS value UNION RETURN 'b"})
    # Then the engine never saw it, and a clean value still round-trips
    records, _, _ = driver.execute_query("RETURN $p AS value", {"p": "plain"})
    assert records[0]["value"] == "plain"


def test_a_closed_driver_does_not_stall_the_next_connection(engine: EmbeddedGraph) -> None:
    # Given a driver closed cleanly (Bolt GOODBYE used to stall the next connection for the
    # driver's 60 s acquisition timeout)
    first = driver_for(engine.uri)
    first.execute_query("RETURN 1 AS ok")
    first.close()
    # When another driver connects (a new pool: a new connection), without retries
    second = driver_for(engine.uri)
    try:
        # Then its first connection is served within the 10 s acquisition bound
        with second.session() as session:
            record = session.run("RETURN 2 AS ok").single(strict=True)
        assert record["ok"] == 2
    finally:
        second.close()


# -- private ------------------------------------------------------------------------------


def test_graph_files_are_private(tmp_path: Path) -> None:
    # Given a graph folder an older version left world-readable
    graph_dir = tmp_path / "graph"
    graph_dir.mkdir(mode=0o755)
    (graph_dir / "falkordb.log").write_text("old log\n")
    (graph_dir / "falkordb.log").chmod(0o644)
    # When an engine starts there, stores a node and stops (saving its dump)
    own = EmbeddedGraph(tmp_path, bolt_port=free_port(), redis_port=free_port())
    own.start()
    try:
        writer = driver_for(own.uri)
        writer.execute_query("MERGE (w:Wallet {address: 'private-wallet'})")
        writer.close()
    finally:
        own.close()
    # Then the folder is 0700 and every file in it 0600, the dump included
    assert (graph_dir / "graph.rdb").exists()
    assert graph_dir.stat().st_mode & 0o777 == 0o700
    modes = {p.name: p.stat().st_mode & 0o777 for p in graph_dir.iterdir() if p.is_file()}
    assert "graph.rdb" in modes
    assert set(modes.values()) == {0o600}, modes


def test_postgres_files_are_private(tmp_path: Path) -> None:
    # Given a fresh data folder / When the embedded Postgres starts there
    ensure_embedded_postgres(tmp_path)
    try:
        pgdata = tmp_path / "postgres"
        # Then no folder or file in it is readable by anyone but its owner (pgserver's own
        # files, its log and its list of attached processes, included)
        exposed = {
            str(path.relative_to(pgdata)): oct(path.stat().st_mode & 0o777)
            for path in (pgdata, *pgdata.rglob("*"))
            if not path.is_symlink()
            and (path.is_dir() or path.is_file())
            and path.stat().st_mode & 0o077
        }
        assert exposed == {}
    finally:
        stop_embedded_postgres(tmp_path)


# -- nothing outlives its owner -----------------------------------------------------------

OWNER = """
import signal, sys
from pathlib import Path
from walltrack.data.graph.embedded import embedded_graph, ensure_embedded_graph
from walltrack.data.postgres.embedded import ensure_embedded_postgres
data = Path(sys.argv[1])
if sys.argv[2] == "graph":
    ensure_embedded_graph(data, bolt_port=int(sys.argv[3]), redis_port=int(sys.argv[4]))
    engine = embedded_graph(data)
    print("READY", engine.host_pid, engine.engine_pid, flush=True)
else:
    ensure_embedded_postgres(data)
    print("READY attached", flush=True)
signal.pause()
"""


def owner(*args: str) -> tuple[subprocess.Popen[str], str]:
    """A process that starts an engine (or attaches), reports, and waits to be killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", OWNER, *args], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:  # log lines first, then ours (ends when the process does)
        if line.startswith("READY "):
            return process, line.removeprefix("READY ").strip()
    raise AssertionError("the owner process exited before reporting")


def test_a_graph_engine_does_not_outlive_a_kill_9_of_its_owner(tmp_path: Path) -> None:
    # Given a process that started an engine
    bolt = free_port()
    process, line = owner(str(tmp_path), "graph", str(bolt), str(free_port()))
    host_pid, engine_pid = (int(pid) for pid in line.split())
    assert process_running(engine_pid)
    # When that process is killed with SIGKILL (no atexit, no cleanup)
    process.kill()
    process.wait()
    # Then the engine and its host stop on their own and the port is free again
    wait_for(lambda: not process_running(engine_pid) and not process_running(host_pid))
    assert listening(bolt) == []


def test_an_engine_goes_with_its_host_and_comes_back_on_restart(tmp_path: Path) -> None:
    # Given a running engine
    own = EmbeddedGraph(tmp_path, bolt_port=free_port(), redis_port=free_port())
    own.start()
    try:
        host_pid, engine_pid = own.host_pid, own.engine_pid
        assert host_pid is not None
        assert engine_pid is not None
        # When its host process is killed with SIGKILL
        os.kill(host_pid, signal.SIGKILL)
        # Then the engine stops too (it cannot be left serving nobody, holding the folder)
        wait_for(lambda: not process_running(engine_pid))
        assert not own.alive()
        assert own.exit_reason() == "engine host killed by SIGKILL"
        # And a restart brings a new engine on the same URI
        own.restart()
        reader = driver_for(own.uri)
        records, _, _ = reader.execute_query("RETURN 1 AS ok")
        reader.close()
        assert records[0]["ok"] == 1
        assert own.engine_pid != engine_pid
    finally:
        own.close()


def test_postgres_stops_after_a_process_attached_to_it_was_killed(tmp_path: Path) -> None:
    # Given a process attached to the embedded Postgres, killed with SIGKILL (pgserver still
    # lists it as attached)
    process, _ = owner(str(tmp_path), "postgres")
    process.kill()
    process.wait()
    pid_file = tmp_path / "postgres" / "postmaster.pid"
    postmaster = int(pid_file.read_text().split()[0])
    try:
        # When another process attaches and then leaves (as `walltrack run` on Ctrl-C)
        ensure_embedded_postgres(tmp_path)
        stop_embedded_postgres(tmp_path)
        # Then the server stops: the dead process is not counted as attached
        assert not pid_file.exists()
        assert not process_running(postmaster)
    finally:
        if process_running(postmaster):
            os.kill(postmaster, signal.SIGTERM)


# -- supervised: killed, restarted, shown -------------------------------------------------


@dataclass
class Supervised:
    client: TestClient
    container: Container
    supervisor: EngineSupervisor
    env: EnvSettings


@pytest.fixture
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Supervised]:
    """The API over its own embedded Postgres and graph engine, supervised as by `walltrack
    run` (`supervise_engines`, reported on `app.state.engines`)."""
    env = EnvSettings(
        _env_file=None,
        data_dir=tmp_path_factory.mktemp("supervised"),
        database_url=None,
        neo4j_uri=None,
        graph_bolt_port=free_port(),
        graph_redis_port=free_port(),
        db_connect_timeout_s=1,
        graph_connect_timeout_s=1,
    )
    apply_migrations(resolve_database_url(env))
    container = build_container(env)
    container.graph.ping()
    supervisor = supervise_engines(env, poll_s=0.05, first_backoff_s=0.2)
    supervisor.start()
    app = create_app(container)
    app.state.engines = supervisor
    try:
        with TestClient(app) as client:
            yield Supervised(client, container, supervisor, env)
    finally:
        supervisor.stop()
        container.close()
        stop_embedded_graph(env.data_dir)
        stop_embedded_postgres(env.data_dir)


def watch_health(
    client: TestClient, done: Callable[[int, dict[str, Any]], bool]
) -> list[tuple[int, dict[str, Any]]]:
    """/health asked back to back until `done` (bounded); every answer seen."""
    seen: list[tuple[int, dict[str, Any]]] = []
    stop = threading.Event()
    timer = threading.Timer(BOUND_S, stop.set)
    timer.start()
    try:
        while not stop.is_set():
            response = client.get("/health")
            seen.append((response.status_code, response.json()))
            if done(*seen[-1]):
                return seen
    finally:
        timer.cancel()
    raise AssertionError(f"/health did not recover within {BOUND_S} s: last {seen[-1]}")


def recovered(engine: str) -> Callable[[int, dict[str, Any]], bool]:
    return lambda code, body: code == 200 and body["engines"][engine]["restarts"] == 1


def test_a_killed_graph_engine_is_restarted_and_health_shows_it(supervised: Supervised) -> None:
    # Given a healthy stack and a wallet in its graph
    assert supervised.client.get("/health").status_code == 200
    graph = embedded_graph(supervised.env.data_dir)
    assert graph is not None
    assert graph.engine_pid is not None
    killed = graph.engine_pid
    # When the graph engine is killed with SIGKILL
    os.kill(killed, signal.SIGKILL)
    # Then /health reports the graph down while it is restarted, then healthy again
    seen = watch_health(supervised.client, recovered("graph"))
    outage = [body for code, body in seen if code == 503]
    assert outage, "no /health answer showed the outage"
    assert outage[0]["components"]["graph"]["status"] == "down"
    assert seen[-1][1]["engines"]["graph"]["last_exit"] == "engine killed by SIGKILL"
    assert seen[-1][1]["engines"]["postgres"]["restarts"] == 0
    # And the new engine takes writes through the same container (same URI, same driver)
    assert graph.engine_pid != killed
    supervised.container.graph.merge_wallets(["after-restart"], seen_ms=1)
    assert supervised.container.graph.wallets(["after-restart"])[0]["address"] == "after-restart"


def test_a_killed_postgres_is_restarted_and_health_shows_it(supervised: Supervised) -> None:
    # Given a healthy stack
    assert supervised.client.get("/health").status_code == 200
    pid_file = supervised.env.data_dir / "postgres" / "postmaster.pid"
    postmaster = int(pid_file.read_text().split()[0])
    # When the postmaster is killed with SIGKILL
    os.kill(postmaster, signal.SIGKILL)
    # Then /health reports postgres down while it is restarted, then healthy again
    seen = watch_health(supervised.client, recovered("postgres"))
    outage = [body for code, body in seen if code == 503]
    assert outage, "no /health answer showed the outage"
    assert outage[0]["components"]["postgres"]["status"] == "down"
    assert "is gone" in seen[-1][1]["engines"]["postgres"]["last_exit"]
    # And the same pool works again on the new server (same socket, same URL)
    assert int(pid_file.read_text().split()[0]) != postmaster
    supervised.container.db.ping(timeout_s=5)


# -- the stack as a user starts it --------------------------------------------------------


def host_and_engine(graph_dir: Path) -> tuple[int, int]:
    """The graph host process for `graph_dir` and its engine child, from /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"walltrack.data.graph.embedded" in argv and str(graph_dir).encode() in argv:
            children = (entry / "task" / entry.name / "children").read_text().split()
            return int(entry.name), int(children[0])
    raise AssertionError(f"no graph host for {graph_dir}")


def test_walltrack_run_restarts_killed_engines_and_ctrl_c_stops_them(tmp_path: Path) -> None:
    # Given `walltrack run` on the small simulated world
    port, bolt, sim = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "WALLTRACK_DATA_DIR": str(tmp_path),
        "WALLTRACK_GRAPH_BOLT_PORT": str(bolt),
        "WALLTRACK_GRAPH_REDIS_PORT": str(free_port()),
        "WALLTRACK_API_BASE_URL": f"http://127.0.0.1:{port}",
        "WALLTRACK_SIM_PORT": str(sim),
        "WALLTRACK_SIM_SMALL": "1",
        "WALLTRACK_SIM_SEED": "7",
    }
    for name in ("WALLTRACK_DATABASE_URL", "WALLTRACK_NEO4J_URI"):
        env.pop(name, None)
    log = (tmp_path / "run.log").open("wb")
    stack = subprocess.Popen(
        [sys.executable, "-m", "walltrack.cli", "run", "--port", str(port), "--no-ui"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def health() -> tuple[int, dict[str, Any]]:
        try:
            response = httpx.get(f"{base}/health", timeout=10)
        except httpx.HTTPError:
            return 0, {}
        return response.status_code, response.json()

    def run_log() -> str:
        return (tmp_path / "run.log").read_text(errors="replace")[-3000:]

    try:
        wait_for(lambda: stack.poll() is not None or health()[0] == 200, step_s=0.3)
        assert stack.poll() is None, run_log()
        pid_file = tmp_path / "postgres" / "postmaster.pid"
        host, engine = host_and_engine(tmp_path / "graph")
        # When both engines are killed with SIGKILL
        os.kill(engine, signal.SIGKILL)
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)

        # Then the stack brings both back on its own and says so on /health
        def both_back() -> bool:
            code, body = health()
            engines = body.get("engines") or {}
            return code == 200 and all(engines[e]["restarts"] == 1 for e in ("graph", "postgres"))

        wait_for(both_back, step_s=0.2)
        new_host, new_engine = host_and_engine(tmp_path / "graph")
        assert not process_running(host)
        assert not process_running(engine)
        postmaster = int(pid_file.read_text().split()[0])
    finally:
        # And Ctrl-C still stops everything, the restarted engines included
        stack.send_signal(signal.SIGINT)
        code = stack.wait(timeout=60)
        log.close()
    assert code == 0, run_log()
    for pid in (new_host, new_engine, postmaster):
        assert not process_running(pid), run_log()
    assert not pid_file.exists()
    assert listening(bolt) == []
