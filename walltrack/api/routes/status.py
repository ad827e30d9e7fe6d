"""GET /status/schedule-runs: the recent runs of scheduled jobs (Status tab)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from walltrack.api.deps import ScheduleRuns, TokenJobs
from walltrack.core.schedules import ScheduleState
from walltrack.data.models.runs import ScheduleRun
from walltrack.errors import NotFoundError

router = APIRouter(prefix="/status", tags=["status"])


@router.get("/schedule-runs", response_model=list[ScheduleRun])
def recent_runs(
    repo: ScheduleRuns,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    job: str | None = None,
) -> list[ScheduleRun]:
    return repo.recent(limit=limit, job=job)


@router.get("/schedules", response_model=list[ScheduleState])
def schedules(jobs: TokenJobs) -> list[ScheduleState]:
    """Each scheduled job: enabled, interval, last start and next run time (business time)."""
    return jobs.schedules()


@router.get("/schedule-runs/{run_id}", response_model=ScheduleRun)
def one_run(run_id: UUID, repo: ScheduleRuns) -> ScheduleRun:
    """One run, with its progress figures while it is still running."""
    run = repo.get(run_id)
    if run is None:
        raise NotFoundError(f"no run {run_id}")
    return run
