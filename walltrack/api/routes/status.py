"""GET /status/schedule-runs: the recent runs of scheduled jobs (Status tab)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from walltrack.api.deps import schedule_runs
from walltrack.data.models.runs import ScheduleRun
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository

router = APIRouter(prefix="/status", tags=["status"])


@router.get("/schedule-runs", response_model=list[ScheduleRun])
def recent_runs(
    repo: Annotated[ScheduleRunRepository, Depends(schedule_runs)],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    job: str | None = None,
) -> list[ScheduleRun]:
    return repo.recent(limit=limit, job=job)
