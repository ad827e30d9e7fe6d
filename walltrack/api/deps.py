"""What routes receive through FastAPI `Depends`: the container's repositories and jobs.

`container` is the one provider: the container `create_app(container)` put on the app's state
(or a test's `dependency_overrides`); without either, the process's own
(`walltrack.app.process`). Each route asks for the narrowest thing it reads (a repository), not
the whole pipeline, and a test can override that one thing alone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from walltrack.app.container import Container
from walltrack.app.process import current
from walltrack.app.token_discovery import TokenDiscoveryJobs
from walltrack.app.wallet_discovery import WalletJobs
from walltrack.clock import Clock
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository
from walltrack.data.postgres.tokens import TokenRepository
from walltrack.data.postgres.wallets import WalletRepository


# `async def`, all of them: FastAPI runs a plain `def` dependency in its threadpool, a thread
# hop per dependency per request (they only read attributes). The first `current()` in a Lambda
# builds the process's container, once, with one request at a time in flight.
async def container(request: Request) -> Container:
    given: Container | None = getattr(request.app.state, "container", None)
    return given if given is not None else current()


AppContainer = Annotated[Container, Depends(container)]


async def step_settings(app: AppContainer) -> StepSettingsService:
    return app.step_settings


async def schedule_runs(app: AppContainer) -> ScheduleRunRepository:
    return app.runs


async def tokens(app: AppContainer) -> TokenRepository:
    return app.tokens


async def wallets(app: AppContainer) -> WalletRepository:
    return app.wallets


async def token_jobs(app: AppContainer) -> TokenDiscoveryJobs:
    return app.token_jobs


async def wallet_jobs(app: AppContainer) -> WalletJobs:
    return app.wallet_jobs


async def clock(app: AppContainer) -> Clock:
    return app.clock


StepSettings = Annotated[StepSettingsService, Depends(step_settings)]
ScheduleRuns = Annotated[ScheduleRunRepository, Depends(schedule_runs)]
Tokens = Annotated[TokenRepository, Depends(tokens)]
Wallets = Annotated[WalletRepository, Depends(wallets)]
TokenJobs = Annotated[TokenDiscoveryJobs, Depends(token_jobs)]
WalletJobsDep = Annotated[WalletJobs, Depends(wallet_jobs)]
BusinessClock = Annotated[Clock, Depends(clock)]
