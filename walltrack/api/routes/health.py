"""GET /health: each component's status and latency; 503 when any is down.

Under `walltrack run` the local engines are supervised: `engines` then says, per engine, whether
it is running or being restarted (since when, after what exit) and how often it was restarted.
An engine being restarted counts as down without waiting for its probe to time out, and so does
one restarted while it was probed: every check that overlaps an outage reports it.
Deployed (Supabase, Neo4j Aura) there is nothing to supervise and `engines` is absent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from walltrack.api.deps import AppContainer
from walltrack.core.health import ComponentHealth, HealthReport, Probe, check_health

router = APIRouter(tags=["health"])

PROBE_TIMEOUT_S = 4.0


class EngineStatus(BaseModel):
    """A local engine as `walltrack run`'s supervisor sees it."""

    model_config = ConfigDict(frozen=True)

    state: Literal["running", "restarting"]
    restarts: int = 0
    """Restarts since `walltrack run` started."""
    down_since: datetime | None = None
    """Start of the current outage (while restarting)."""
    last_exit: str | None = None
    """How the engine last went away, e.g. "engine killed by SIGKILL"."""
    last_error: str | None = None
    """The last failed restart attempt's error."""
    last_recovered_at: datetime | None = None


class Health(HealthReport):
    engines: dict[str, EngineStatus] | None = None


class EngineWatch(Protocol):
    """What reports engine states (the supervisor `walltrack run` puts on `app.state`)."""

    def engine_status(self) -> dict[str, EngineStatus]: ...


async def engine_watch(request: Request) -> EngineWatch | None:
    watch: EngineWatch | None = getattr(request.app.state, "engines", None)
    return watch


Engines = Annotated[EngineWatch | None, Depends(engine_watch)]


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "a component is down"}},
)
def health(app: AppContainer, engines: Engines) -> JSONResponse:
    def postgres() -> None:
        app.db.ping(timeout_s=PROBE_TIMEOUT_S - 1)

    def graph() -> None:
        if not app.graph.ping():
            raise RuntimeError("graph ping returned no row")

    before = engines.engine_status() if engines is not None else {}
    probes: dict[str, Probe] = {"postgres": postgres, "graph": graph}
    report = check_health(
        {name: probe for name, probe in probes.items() if not _restarting(before.get(name))},
        timeout_s=PROBE_TIMEOUT_S,
    )
    after = engines.engine_status() if engines is not None else {}
    components = dict(report.components)
    for name, now in after.items():
        then = before.get(name)
        # restarting now, or at the start, or restarted while probed (a probe may pass on a
        # connection the new engine answered): down during this check
        if _restarting(now) or _restarting(then) or (then and then.restarts != now.restarts):
            components[name] = ComponentHealth(
                status="down",
                latency_ms=components[name].latency_ms if name in components else 0.0,
                error=f"restarting after: {now.last_exit}",
            )
    down = any(c.status == "down" for c in components.values())
    body = Health(
        status="degraded" if down else "ok",
        components={name: components[name] for name in probes if name in components},
        engines=after if engines is not None else None,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if down else 200)


def _restarting(status: EngineStatus | None) -> bool:
    return status is not None and status.state == "restarting"
