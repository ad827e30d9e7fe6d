"""Steps 1 and 2 as use cases: scan for tokens, refresh them, add, block or unblock one by hand.

Each method reads the step's settings, runs one core recipe against the ports it was given
(the composition root, `walltrack.app.container`, gives them), and records the run. One run of
each step at a time: a manual request while a scan runs gets the running scan's id, a schedule
tick that finds its step running records a skipped run naming it (the database decides,
`ScheduleRunRepository.start`). A run whose safety checks could not all run ends `degraded`.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from walltrack.app.ports import StepPorts
from walltrack.core.discovery.scan import (
    RefreshReport,
    ScanReport,
    TimeLeft,
    add_token_manually,
    run_token_refresh,
    run_token_scan,
)
from walltrack.core.schedules import ScheduleState, is_due, schedule_state
from walltrack.data.models.messages import TokenScanRequested
from walltrack.data.models.runs import RunStart
from walltrack.data.models.solana import validate_mint
from walltrack.data.models.step_settings import TokenDiscoverySettings, TokenRefreshSettings
from walltrack.data.models.token import Token
from walltrack.data.postgres.schedule_runs import RunAlreadyRunningError
from walltrack.errors import NotFoundError
from walltrack.log import get_logger

log = get_logger(component="token_discovery")


class TokenDiscoveryJobs:
    def __init__(self, ports: StepPorts) -> None:
        self._ports = ports

    def start_manual_scan(self) -> RunStart:
        """The run a manual scan reports into, and its request to token_scan, committed
        together (the scan itself runs in the token_scan function). While a scan runs, no
        second one starts: the answer is the running scan (`started` False)."""
        try:
            with self._ports.atomic():
                run_id = self._ports.runs.start(
                    "token_scan",
                    at=self._ports.clock.now(),
                    counts={"trigger": "manual"},
                    exclusive=True,
                )
                self._ports.outbox.scan_requested(run_id)
        except RunAlreadyRunningError as running:
            log.info("scan already running", run_id=str(running.run_id))
            return RunStart(running.run_id, started=False)
        return RunStart(run_id, started=True)

    def scan_if_due(self, *, time_left: TimeLeft | None = None) -> ScanReport | None:
        """A schedule tick: scan when scheduled scans are on and the interval has passed;
        skipped (and recorded so) while a scan still runs."""
        settings = self._ports.steps.typed(TokenDiscoverySettings)
        interval = timedelta(minutes=settings.scan_interval_minutes)
        last = self._ports.runs.last_started("token_scan")
        if not settings.scheduled_scan or not is_due(
            last_started=last, interval=interval, now=self._ports.clock.now()
        ):
            return None
        try:
            return self.scan(time_left=time_left)
        except RunAlreadyRunningError as running:
            self._skip(running)
            return None

    def refresh_if_due(self) -> RefreshReport | None:
        """A schedule tick: refresh when `interval_minutes` has passed since the last run;
        skipped (and recorded so) while a refresh still runs."""
        settings = self._ports.steps.typed(TokenRefreshSettings)
        interval = timedelta(minutes=settings.interval_minutes)
        last = self._ports.runs.last_started("token_refresh")
        if not is_due(last_started=last, interval=interval, now=self._ports.clock.now()):
            return None
        try:
            return self.refresh()
        except RunAlreadyRunningError as running:
            self._skip(running)
            return None

    def _skip(self, running: RunAlreadyRunningError) -> None:
        skipped = self._ports.runs.skipped(
            running.job, running=running.run_id, at=self._ports.clock.now()
        )
        log.info(
            "scheduled run skipped: its step is still running",
            job=running.job,
            running_run_id=str(running.run_id),
            skipped_run_id=str(skipped),
        )

    def schedules(self) -> list[ScheduleState]:
        """Both jobs' schedules as the Status tab shows them (next run time included)."""
        scan = self._ports.steps.typed(TokenDiscoverySettings)
        refresh = self._ports.steps.typed(TokenRefreshSettings)
        now = self._ports.clock.now()
        return [
            schedule_state(
                job="token_scan",
                enabled=scan.scheduled_scan,
                interval_minutes=scan.scan_interval_minutes,
                last_started=self._ports.runs.last_started("token_scan"),
                now=now,
            ),
            schedule_state(
                job="token_refresh",
                enabled=True,
                interval_minutes=refresh.interval_minutes,
                last_started=self._ports.runs.last_started("token_refresh"),
                now=now,
            ),
        ]

    def scan(self, *, run_id: UUID | None = None, time_left: TimeLeft | None = None) -> ScanReport:
        """Step 1, recorded as a `token_scan` run (progress readable while it runs); with
        `time_left`, it stops short of the invocation's time limit."""
        settings = self._ports.steps.typed(TokenDiscoverySettings)
        with self._ports.runs.track(
            "token_scan", run_id=run_id, clock=self._ports.clock, exclusive=True
        ) as run:
            report = self._ports.markets.run(
                lambda market: run_token_scan(
                    settings=settings,
                    source=market.candidates,
                    safety=market.safety,
                    store=self._ports.tokens,
                    outbox=self._ports.outbox,
                    atomic=self._ports.atomic,
                    now=self._ports.clock.now(),
                    progress=run.progress,
                    time_left=time_left,
                )
            )
            run.counts.update(report.counts())
            run.degraded = report.degraded
        if report.degraded:
            log.warning("scan degraded", run_id=str(run.id), unavailable=sorted(report.unavailable))
        return report

    def scan_requested(self, message: TokenScanRequested, *, time_left: TimeLeft | None) -> None:
        """A manual scan request from the API. A redelivered request whose run already ended
        does nothing. A scan that fails is recorded as failed in its run and not retried (the
        user sees the error and can run again); only a failure to record it is re-raised."""
        run = self._ports.runs.get(message.run_id)
        if run is None or run.status != "running":
            log.info("scan request skipped", run_id=str(message.run_id), status=run and run.status)
            return
        try:
            self.scan(run_id=message.run_id, time_left=time_left)
        except Exception:
            recorded = self._ports.runs.get(message.run_id)
            if recorded is None or recorded.status != "failed":
                raise
            log.warning("scan failed (recorded in its run)", run_id=str(message.run_id))

    def refresh(self) -> RefreshReport:
        """Step 2, recorded as a `token_refresh` run."""
        settings = self._ports.steps.typed(TokenRefreshSettings)
        discovery = self._ports.steps.typed(TokenDiscoverySettings)
        with self._ports.runs.track(
            "token_refresh", clock=self._ports.clock, exclusive=True
        ) as run:
            report = self._ports.markets.run(
                lambda market: run_token_refresh(
                    settings=settings,
                    discovery_settings=discovery,
                    source=market.candidates,
                    safety=market.safety,
                    store=self._ports.tokens,
                    now=self._ports.clock.now(),
                    progress=run.progress,
                )
            )
            run.counts.update(report.counts())
            run.degraded = report.degraded
        if report.degraded:
            log.warning(
                "refresh degraded", run_id=str(run.id), unavailable=sorted(report.unavailable)
            )
        return report

    def add(self, mint: str, *, added_by: str = "manual") -> Token:
        """Manual add (or, `added_by="signal"`, a token a followed wallet bought first): 422
        for a malformed mint, 404 when no market knows it."""
        mint = validate_mint(mint)
        settings = self._ports.steps.typed(TokenDiscoverySettings)
        token = self._ports.markets.run(
            lambda market: add_token_manually(
                mint,
                settings=settings,
                source=market.candidates,
                safety=market.safety,
                store=self._ports.tokens,
                outbox=self._ports.outbox,
                atomic=self._ports.atomic,
                now=self._ports.clock.now(),
                added_by=added_by,
            )
        )
        if token is None:
            raise NotFoundError(f"no market knows the mint {mint}; nothing was stored")
        return token

    def block(self, mint: str) -> Token:
        """Block a token: discovery will not revive it and surveillance skips it."""
        self._ports.tokens.set_status(
            mint, "blocked", reason="blocked by user", at=self._ports.clock.now()
        )
        token = self._ports.tokens.get(mint)
        if token is None:
            raise NotFoundError(f"unknown token {mint}")
        return token

    def unblock(self, mint: str) -> Token:
        """Undo a block: the token is active again, so the next scan updates it and the next
        refresh judges its market (and marks it dead or rugged if it is). A token that is not
        blocked is returned as it is."""
        if self._ports.tokens.unblock(mint, at=self._ports.clock.now()):
            log.info("token unblocked", mint=mint)
        token = self._ports.tokens.get(mint)
        if token is None:
            raise NotFoundError(f"unknown token {mint}")
        return token
