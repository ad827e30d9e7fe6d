"""Records of scheduled job runs (the Status tab's table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

RunStatus = Literal["running", "succeeded", "degraded", "failed", "skipped"]
"""`degraded`: the run finished, but part of its work could not be done because an upstream
failed us (`error` says which and why; e.g. safety checks left pending). `skipped`: a scheduled
run that did not start because a run of the same step was still running (`error` names it)."""


class ScheduleRun(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    job: str
    started_at: datetime
    ended_at: datetime | None
    status: RunStatus
    counts: dict[str, Any]
    error: str | None
    exclusive: bool = Field(
        False,
        description="a step's run started by hand or by a schedule: at most one such run of a"
        " job is running at a time (per-token wallet discovery runs fed by token_scan are not)",
    )

    @property
    def duration_s(self) -> float | None:
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class RunStart:
    """What asking for a run gave: the run that does the work, and whether this request
    started it (False: a run of the same step was already running, and this is its id)."""

    run_id: UUID
    started: bool
