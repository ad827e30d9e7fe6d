"""GET /health: each component's status and latency; 503 when any is down."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from walltrack.core.health import HealthReport, check_health
from walltrack.data.postgres.pool import get_pool, ping

router = APIRouter(tags=["health"])

PROBE_TIMEOUT_S = 4.0


def _postgres() -> None:
    ping(get_pool(), timeout_s=PROBE_TIMEOUT_S - 1)


def _graph() -> None:
    # Imported on first probe, not at import: the driver costs ~0.5 s of a Lambda cold start.
    from walltrack.data.graph.driver import get_driver
    from walltrack.data.graph.repository import GraphRepository

    if not GraphRepository(get_driver()).ping():
        raise RuntimeError("graph ping returned no row")


@router.get(
    "/health",
    response_model=HealthReport,
    responses={503: {"model": HealthReport, "description": "a component is down"}},
)
def health() -> JSONResponse:
    report = check_health({"postgres": _postgres, "graph": _graph}, timeout_s=PROBE_TIMEOUT_S)
    return JSONResponse(report.model_dump(mode="json"), status_code=200 if not report.down else 503)
