"""GET /health: each component's status and latency; 503 when any is down."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from walltrack.api.deps import AppContainer
from walltrack.core.health import HealthReport, check_health

router = APIRouter(tags=["health"])

PROBE_TIMEOUT_S = 4.0


@router.get(
    "/health",
    response_model=HealthReport,
    responses={503: {"model": HealthReport, "description": "a component is down"}},
)
def health(app: AppContainer) -> JSONResponse:
    def postgres() -> None:
        app.db.ping(timeout_s=PROBE_TIMEOUT_S - 1)

    def graph() -> None:
        if not app.graph.ping():
            raise RuntimeError("graph ping returned no row")

    report = check_health({"postgres": postgres, "graph": graph}, timeout_s=PROBE_TIMEOUT_S)
    return JSONResponse(report.model_dump(mode="json"), status_code=200 if not report.down else 503)
