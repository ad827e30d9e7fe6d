"""FastAPI dependencies: the process-wide pool/driver wrapped in repositories and services."""

from __future__ import annotations

from walltrack.config.settings import get_settings
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.postgres.pool import get_pool
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository
from walltrack.data.postgres.step_settings import StepSettingsRepository
from walltrack.jobs.token_discovery import token_discovery_jobs

__all__ = ["schedule_runs", "step_settings_service", "token_discovery_jobs"]


def step_settings_service() -> StepSettingsService:
    return StepSettingsService(StepSettingsRepository(get_pool()))


def schedule_runs() -> ScheduleRunRepository:
    return ScheduleRunRepository(get_pool(), deadline=get_settings().run_deadline)
