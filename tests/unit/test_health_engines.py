"""GET /health with supervised local engines: an engine being restarted is down, and says why."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.testclient import TestClient

from walltrack.api import deps
from walltrack.api.routes import health
from walltrack.api.routes.health import EngineStatus


class Probed:
    """A container stand-in whose probes count their calls."""

    def __init__(self) -> None:
        self.graph_pings = 0
        self.db = SimpleNamespace(ping=lambda timeout_s: None)
        self.graph = SimpleNamespace(ping=self._graph_ping)

    def _graph_ping(self) -> bool:
        self.graph_pings += 1
        return True


class Watch:
    def __init__(self, statuses: dict[str, EngineStatus]) -> None:
        self.statuses = statuses

    def engine_status(self) -> dict[str, EngineStatus]:
        return self.statuses


def client_for(container: Probed, watch: Watch | None) -> TestClient:
    app = FastAPI()
    app.include_router(health.router)
    app.dependency_overrides[deps.container] = lambda: container
    if watch is not None:
        app.state.engines = watch
    return TestClient(app)


def test_an_engine_being_restarted_is_down_with_the_reason() -> None:
    # Given the supervisor restarting the graph engine after a SIGKILL
    since = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    watch = Watch(
        {
            "postgres": EngineStatus(state="running"),
            "graph": EngineStatus(
                state="restarting", down_since=since, last_exit="engine killed by SIGKILL"
            ),
        }
    )
    container = Probed()
    # When /health is asked
    response = client_for(container, watch).get("/health")
    # Then it is 503, the graph down with the reason, without waiting on the graph's probe
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["postgres"]["status"] == "up"
    assert body["components"]["graph"] == {
        "status": "down",
        "latency_ms": 0.0,
        "error": "restarting after: engine killed by SIGKILL",
    }
    assert container.graph_pings == 0
    assert body["engines"]["graph"]["state"] == "restarting"
    assert body["engines"]["graph"]["down_since"] == "2026-03-10T14:00:00Z"


def test_a_recovered_engine_is_up_and_counts_its_restarts() -> None:
    # Given the graph engine back after one restart
    watch = Watch(
        {"graph": EngineStatus(state="running", restarts=1, last_exit="engine killed by SIGKILL")}
    )
    # When /health is asked / Then it is 200 and shows the restart
    response = client_for(Probed(), watch).get("/health")
    assert response.status_code == 200
    assert response.json()["engines"]["graph"]["restarts"] == 1
    assert response.json()["components"]["graph"]["status"] == "up"


def test_without_a_supervisor_there_is_no_engines_section() -> None:
    # Given a deployed API (nothing supervised) / When /health is asked
    response = client_for(Probed(), None).get("/health")
    # Then the probes decide alone
    assert response.status_code == 200
    assert response.json()["engines"] is None


def test_an_engine_restarted_while_probed_is_reported_down() -> None:
    # Given the graph engine restarted between the start and the end of the check
    class Restarted(Watch):
        def engine_status(self) -> dict[str, EngineStatus]:
            status, self.statuses = (
                self.statuses,
                {
                    "graph": EngineStatus(
                        state="running", restarts=1, last_exit="engine killed by SIGKILL"
                    )
                },
            )
            return status

    watch = Restarted({"graph": EngineStatus(state="running")})
    # When /health is asked
    response = client_for(Probed(), watch).get("/health")
    # Then the check overlapped an outage: 503, graph down, although its probe passed
    assert response.status_code == 503
    assert (
        response.json()["components"]["graph"]["error"]
        == "restarting after: engine killed by SIGKILL"
    )
    assert response.json()["engines"]["graph"]["restarts"] == 1
