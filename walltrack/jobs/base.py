"""What every step's jobs hold: the environment, the pool, the run log, the typed step settings
and the business clock."""

from __future__ import annotations

from walltrack.config.clock import Clock
from walltrack.config.clock import now as product_now
from walltrack.config.settings import EnvSettings, get_settings
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.postgres.pool import get_pool
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository
from walltrack.data.postgres.step_settings import StepSettingsRepository


class StepJobs:
    def __init__(self, *, settings: EnvSettings | None = None, clock: Clock = product_now) -> None:
        self._env = settings or get_settings()
        self._pool = get_pool(self._env)
        self._runs = ScheduleRunRepository(self._pool, deadline=self._env.run_deadline)
        self._steps = StepSettingsService(StepSettingsRepository(self._pool))
        self._clock = clock

    @property
    def runs(self) -> ScheduleRunRepository:
        return self._runs
