"""Steps 1 and 2 wired to the real world: DexScreener, Helius DAS, RugCheck, Postgres."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from walltrack.config.clock import Clock
from walltrack.config.clock import now as product_now
from walltrack.config.settings import EnvSettings, get_settings
from walltrack.core.addresses import validate_mint
from walltrack.core.discovery.scan import (
    DiscoveryOutbox,
    RefreshReport,
    ScanReport,
    TimeLeft,
    add_token_manually,
    run_token_refresh,
    run_token_scan,
)
from walltrack.core.errors import NotFoundError
from walltrack.core.schedules import ScheduleState, is_due, schedule_state
from walltrack.data.models.step_settings import TokenDiscoverySettings, TokenRefreshSettings
from walltrack.data.models.token import Token
from walltrack.data.postgres.tokens import TokenRepository
from walltrack.jobs.base import StepJobs
from walltrack.log import get_logger
from walltrack.services.dexscreener import DexScreenerClient
from walltrack.services.helius import HeliusDasClient
from walltrack.services.rugcheck import RugCheckClient
from walltrack.services.token_market import DexScreenerCandidates, MarketSafetyFacts

log = get_logger(component="token_discovery")


@dataclass(frozen=True)
class Market:
    candidates: DexScreenerCandidates
    safety: MarketSafetyFacts


@asynccontextmanager
async def open_market(settings: EnvSettings) -> AsyncIterator[Market]:
    """Clients for one run: they belong to one event loop (httpx and aiolimiter are)."""
    async with (
        DexScreenerClient.from_settings(settings) as dex,
        HeliusDasClient.from_settings(settings) as das,
        RugCheckClient.from_settings(settings) as rug,
    ):
        yield Market(DexScreenerCandidates(dex), MarketSafetyFacts(das, rug))


class TokenDiscoveryJobs(StepJobs):
    def __init__(
        self,
        *,
        outbox: DiscoveryOutbox,
        settings: EnvSettings | None = None,
        clock: Clock = product_now,
    ) -> None:
        super().__init__(settings=settings, clock=clock)
        self._tokens = TokenRepository(self._pool)
        self._outbox = outbox

    @property
    def tokens(self) -> TokenRepository:
        return self._tokens

    def start_manual_scan(self) -> UUID:
        """The run record a manual scan reports into (the scan itself runs in token_scan)."""
        return self._runs.start("token_scan", at=self._clock(), counts={"trigger": "manual"})

    def scan_if_due(self, *, time_left: TimeLeft | None = None) -> ScanReport | None:
        """A schedule tick: scan when scheduled scans are on and the interval has passed."""
        settings = self._steps.typed(TokenDiscoverySettings)
        interval = timedelta(minutes=settings.scan_interval_minutes)
        last = self._runs.last_started("token_scan")
        if not settings.scheduled_scan or not is_due(
            last_started=last, interval=interval, now=self._clock()
        ):
            return None
        return self.scan(time_left=time_left)

    def refresh_if_due(self) -> RefreshReport | None:
        """A schedule tick: refresh when `interval_minutes` has passed since the last run."""
        settings = self._steps.typed(TokenRefreshSettings)
        interval = timedelta(minutes=settings.interval_minutes)
        last = self._runs.last_started("token_refresh")
        if not is_due(last_started=last, interval=interval, now=self._clock()):
            return None
        return self.refresh()

    def schedules(self) -> list[ScheduleState]:
        """Both jobs' schedules as the Status tab shows them (next run time included)."""
        scan = self._steps.typed(TokenDiscoverySettings)
        refresh = self._steps.typed(TokenRefreshSettings)
        now = self._clock()
        return [
            schedule_state(
                job="token_scan",
                enabled=scan.scheduled_scan,
                interval_minutes=scan.scan_interval_minutes,
                last_started=self._runs.last_started("token_scan"),
                now=now,
            ),
            schedule_state(
                job="token_refresh",
                enabled=True,
                interval_minutes=refresh.interval_minutes,
                last_started=self._runs.last_started("token_refresh"),
                now=now,
            ),
        ]

    def scan(self, *, run_id: UUID | None = None, time_left: TimeLeft | None = None) -> ScanReport:
        """Step 1, recorded as a `token_scan` run (progress readable while it runs); with
        `time_left`, it stops short of the invocation's time limit."""
        settings = self._steps.typed(TokenDiscoverySettings)
        with self._runs.track("token_scan", run_id=run_id, clock=self._clock) as run:

            async def go() -> ScanReport:
                async with open_market(self._env) as market:
                    return await run_token_scan(
                        settings=settings,
                        source=market.candidates,
                        safety=market.safety,
                        store=self._tokens,
                        outbox=self._outbox,
                        now=self._clock(),
                        progress=run.progress,
                        time_left=time_left,
                    )

            report = asyncio.run(go())
            run.counts.update(report.counts())
        return report

    def refresh(self) -> RefreshReport:
        """Step 2, recorded as a `token_refresh` run."""
        settings = self._steps.typed(TokenRefreshSettings)
        discovery = self._steps.typed(TokenDiscoverySettings)
        with self._runs.track("token_refresh", clock=self._clock) as run:

            async def go() -> RefreshReport:
                async with open_market(self._env) as market:
                    return await run_token_refresh(
                        settings=settings,
                        discovery_settings=discovery,
                        source=market.candidates,
                        safety=market.safety,
                        store=self._tokens,
                        now=self._clock(),
                        progress=run.progress,
                    )

            report = asyncio.run(go())
            run.counts.update(report.counts())
        return report

    def add(self, mint: str) -> Token:
        """Manual add: 422 for a malformed mint, 404 when no market knows it."""
        mint = validate_mint(mint)
        settings = self._steps.typed(TokenDiscoverySettings)

        async def go() -> Token | None:
            async with open_market(self._env) as market:
                return await add_token_manually(
                    mint,
                    settings=settings,
                    source=market.candidates,
                    safety=market.safety,
                    store=self._tokens,
                    outbox=self._outbox,
                    now=self._clock(),
                )

        token = asyncio.run(go())
        if token is None:
            raise NotFoundError(f"no market knows the mint {mint}; nothing was stored")
        return token

    def block(self, mint: str) -> Token:
        """Block a token: discovery will not revive it and surveillance skips it."""
        self._tokens.set_status(mint, "blocked", reason="blocked by user", at=self._clock())
        token = self._tokens.get(mint)
        if token is None:
            raise NotFoundError(f"unknown token {mint}")
        return token


def token_discovery_jobs() -> TokenDiscoveryJobs:
    """The jobs wired to the process settings (the functions' and the API's one factory)."""
    from walltrack.jobs.outbox import WalletDiscoveryOutbox

    settings = get_settings()
    return TokenDiscoveryJobs(outbox=WalletDiscoveryOutbox(settings), settings=settings)


def scan_tick(*, time_left: TimeLeft | None = None) -> ScanReport | None:
    """token_scan's schedule tick."""
    return token_discovery_jobs().scan_if_due(time_left=time_left)


def refresh_tick() -> RefreshReport | None:
    """token_refresh's schedule tick."""
    return token_discovery_jobs().refresh_if_due()


def scan_job_for_request(run_id: UUID, *, time_left: TimeLeft | None = None) -> None:
    """A manual scan request from the API. Idempotent: a redelivered request whose run already
    ended does nothing. A scan that fails is recorded as failed in its run and not retried
    (the user sees the error and can run again); only a failure to record it is re-raised."""
    jobs = token_discovery_jobs()
    run = jobs.runs.get(run_id)
    if run is None or run.status != "running":
        log.info("scan request skipped", run_id=str(run_id), status=run and run.status)
        return
    try:
        jobs.scan(run_id=run_id, time_left=time_left)
    except Exception:
        recorded = jobs.runs.get(run_id)
        if recorded is None or recorded.status != "failed":
            raise
        log.warning("scan failed (recorded in its run)", run_id=str(run_id))
