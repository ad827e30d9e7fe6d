"""What routes receive through FastAPI `Depends`: the container's repositories and jobs.

`container` is the one provider: `create_app(container)` (or a test's `dependency_overrides`)
replaces it; without either it is the process's own container (`walltrack.app.process`). Each
route asks for the narrowest thing it reads (a repository), not the whole pipeline, and a test
can override that one thing alone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from walltrack.app.container import Container
from walltrack.app.process import current
from walltrack.app.token_discovery import TokenDiscoveryJobs
from walltrack.app.wallet_discovery import WalletJobs
from walltrack.clock import Clock
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository
from walltrack.data.postgres.tokens import TokenRepository
from walltrack.data.postgres.wallets import WalletRepository


def container() -> Container:
    return current()


AppContainer = Annotated[Container, Depends(container)]


def step_settings(app: AppContainer) -> StepSettingsService:
    return app.step_settings


def schedule_runs(app: AppContainer) -> ScheduleRunRepository:
    return app.runs


def tokens(app: AppContainer) -> TokenRepository:
    return app.tokens


def wallets(app: AppContainer) -> WalletRepository:
    return app.wallets


def token_jobs(app: AppContainer) -> TokenDiscoveryJobs:
    return app.token_jobs


def wallet_jobs(app: AppContainer) -> WalletJobs:
    return app.wallet_jobs


def clock(app: AppContainer) -> Clock:
    return app.clock


StepSettings = Annotated[StepSettingsService, Depends(step_settings)]
ScheduleRuns = Annotated[ScheduleRunRepository, Depends(schedule_runs)]
Tokens = Annotated[TokenRepository, Depends(tokens)]
Wallets = Annotated[WalletRepository, Depends(wallets)]
TokenJobs = Annotated[TokenDiscoveryJobs, Depends(token_jobs)]
WalletJobsDep = Annotated[WalletJobs, Depends(wallet_jobs)]
BusinessClock = Annotated[Clock, Depends(clock)]
