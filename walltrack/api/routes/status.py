"""GET /status/…: the pipeline's live state, the schedules and the recent runs (Status tab)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from walltrack.api.deps import AppContainer, ScheduleRuns, TokenJobs
from walltrack.api.errors import EVERY_ROUTE, error_responses
from walltrack.core.pipeline import DEFAULT_WINDOW_MINUTES
from walltrack.core.schedules import ScheduleState
from walltrack.data.models.inputs import MAX_PAGE, NAME_LENGTH, PRINTABLE
from walltrack.data.models.pipeline import PipelineState
from walltrack.data.models.runs import RunStatus, ScheduleRun
from walltrack.errors import NotFoundError

router = APIRouter(prefix="/status", tags=["status"], responses=error_responses(*EVERY_ROUTE))


@router.get("/schedule-runs", response_model=list[ScheduleRun], responses=error_responses(422))
def recent_runs(
    repo: ScheduleRuns,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    job: Annotated[str | None, Query(max_length=NAME_LENGTH, pattern=PRINTABLE)] = None,
    status: RunStatus | None = None,
    exclusive: Annotated[
        bool | None,
        Query(description="true: only runs started by hand or by a schedule (one at a time)"),
    ] = None,
) -> list[ScheduleRun]:
    """Newest first; `job`, `status` and `exclusive` narrow the list
    (`?job=token_scan&status=running&exclusive=true`: the scan running now, if any — the
    dashboard's Run buttons read it)."""
    return repo.recent(limit=limit, job=job, status=status, exclusive=exclusive)


@router.get("/pipeline", response_model=PipelineState, responses=error_responses(422))
def pipeline(
    app: AppContainer,
    window_minutes: Annotated[
        int,
        Query(ge=1, le=60, description="throughput is measured over the last N minutes"),
    ] = DEFAULT_WINDOW_MINUTES,
) -> PipelineState:
    """Each step's queue (waiting, in flight, failed), what it finished in the window, its
    rate per minute and ETA, the run in progress; the market's clock; and profiling's Helius
    calls per profile against the plan's rate."""
    return app.pipeline.state(window_minutes=window_minutes)


@router.get("/schedules", response_model=list[ScheduleState])
def schedules(jobs: TokenJobs, app: AppContainer) -> list[ScheduleState]:
    """Each scheduled job: enabled, interval, last start and next run time (business time)."""
    return [*jobs.schedules(), app.clustering.schedule(), app.watchlist_jobs.schedule()]


@router.get(
    "/schedule-runs/{run_id}",
    response_model=ScheduleRun,
    responses=error_responses(404, 422),
)
def one_run(run_id: UUID, repo: ScheduleRuns) -> ScheduleRun:
    """One run, with its progress figures while it is still running."""
    run = repo.get(run_id)
    if run is None:
        raise NotFoundError(f"no run {run_id}")
    return run
