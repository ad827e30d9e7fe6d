"""Records of scheduled job runs (the Status tab's table)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class ScheduleRun(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    job: str
    started_at: datetime
    ended_at: datetime | None
    status: Literal["running", "succeeded", "failed"]
    counts: dict[str, Any]
    error: str | None

    @property
    def duration_s(self) -> float | None:
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()
