"""The pipeline's live state: each step's queue, in-flight and failed work, throughput and ETA,
and what profiling costs in Helius calls against the plan's rate.

Pure arithmetic (`per_minute`, `eta_seconds`, `upstream_cost`, `profiling_cost`) plus
`PipelineMonitor`, which reads its figures through small ports and assembles them. Rates are per
wall-clock minute (what a person waits in); runs are stamped on business time, so their window
is the wall window scaled by the clock's speed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from walltrack.clock import Clock, ScaledClock
from walltrack.data.models.ingest import IngestStatus
from walltrack.data.models.messages import QueueName
from walltrack.data.models.pipeline import (
    PipelineState,
    PipelineStep,
    ProfilingCost,
    QueueDepth,
    RunningRun,
    StepState,
    UpstreamCost,
)
from walltrack.errors import DependencyUnavailableError

DEFAULT_WINDOW_MINUTES = 10
PROFILE_CONSUMER = "wallet_profile"
"""The consumer name wallet profiles are recorded under (functions/wallet_profile.py)."""


def per_minute(done: int, window_seconds: float) -> float:
    """Items per minute over a window; 0 for an empty window."""
    if window_seconds <= 0:
        return 0.0
    return done * 60.0 / window_seconds


def eta_seconds(remaining: int | None, rate_per_minute: float) -> float | None:
    """Seconds to finish `remaining` items at the rate seen; 0 when nothing remains, None when
    there is work but no rate to go by (nothing finished in the window)."""
    if remaining is None:
        return None
    if remaining <= 0:
        return 0.0
    if rate_per_minute <= 0:
        return None
    return remaining * 60.0 / rate_per_minute


def upstream_cost(
    account: str, *, requests: int, profiles: int, plan_rate_per_s: float
) -> UpstreamCost:
    """Requests per profile, and the profiles per minute the plan's rate then allows."""
    each = requests / profiles if profiles > 0 else None
    ceiling = plan_rate_per_s * 60.0 / each if each else None
    return UpstreamCost(
        account=account,
        requests=requests,
        per_profile=each,
        plan_rate_per_s=plan_rate_per_s,
        profiles_per_minute_max=ceiling,
    )


def profiling_cost(
    *,
    plan: str,
    profiles: int,
    requests: Mapping[str, int],
    plan_rates: Mapping[str, float],
) -> ProfilingCost:
    """Each Helius account's cost per profile; `binding` is the one that caps profiling first
    (the lowest ceiling), or the busiest account while no profile finished."""
    costs = [
        upstream_cost(
            account, requests=requests.get(account, 0), profiles=profiles, plan_rate_per_s=rate
        )
        for account, rate in sorted(plan_rates.items())
    ]
    capped = [c for c in costs if c.profiles_per_minute_max is not None]
    binding: UpstreamCost | None
    if capped:
        binding = min(capped, key=lambda c: c.profiles_per_minute_max or 0.0)
    else:
        used = [c for c in costs if c.requests > 0]
        binding = max(used, key=lambda c: c.requests) if used else None
    return ProfilingCost(helius_plan=plan, profiles=profiles, upstreams=costs, binding=binding)


def clock_speed(clock: Clock) -> float:
    """How many business seconds pass per wall second (1 but for the simulated market's)."""
    return clock.speed if isinstance(clock, ScaledClock) else 1.0


# -- ports -------------------------------------------------------------------------------------


class ActivityFigures(Protocol):
    @property
    def since(self) -> datetime: ...
    @property
    def now(self) -> datetime: ...
    @property
    def consumed(self) -> Mapping[str, int]: ...
    @property
    def requests(self) -> Mapping[str, int]: ...
    @property
    def outbox_unsent(self) -> int: ...
    @property
    def outbox_failing(self) -> int: ...
    @property
    def outbox_sent(self) -> int: ...
    @property
    def wallets_failed(self) -> int: ...


class RunFiguresLike(Protocol):
    @property
    def ended(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def running_id(self) -> str | None: ...
    @property
    def running_started_at(self) -> datetime | None: ...
    @property
    def running_counts(self) -> Mapping[str, object]: ...


class PipelineReadsPort(Protocol):
    def activity(self, *, window_minutes: int) -> ActivityFigures: ...

    def runs(
        self, jobs: Collection[str], *, ended_since: datetime
    ) -> Mapping[str, RunFiguresLike]: ...


class QueueDepthsPort(Protocol):
    """A logical queue's counts (local store or SQS); None when this process has no such
    queue. Raises DependencyUnavailableError when the queue service cannot be read."""

    def depth(self, queue: QueueName, *, now: datetime) -> QueueDepth | None: ...


@dataclass(frozen=True)
class _Step:
    step: PipelineStep
    label: str
    queue: QueueName | None
    consumer: str | None
    """Whose finished messages count as done (None: its runs count)."""


STEPS: tuple[_Step, ...] = (
    _Step("token_scan", "Token scan", "token_scan", None),
    _Step("token_refresh", "Token refresh", None, None),
    _Step("wallet_discovery", "Wallet discovery", "wallet_discovery", "wallet_discovery"),
    _Step("wallet_profile", "Wallet profiles", "wallet_profile", PROFILE_CONSUMER),
    _Step("clustering", "Owners (clustering)", "cluster_evidence", "cluster_evidence"),
)
RUN_JOBS = ("token_scan", "token_refresh", "wallet_discovery", "clustering")


class PipelineMonitor:
    """Reads the pipeline's figures and turns them into `PipelineState`."""

    def __init__(
        self,
        reads: PipelineReadsPort,
        depths: Mapping[QueueName, QueueDepthsPort],
        clock: Clock,
        *,
        helius_plan: str,
        helius_rates: Mapping[str, float],
        ingest: Callable[[timedelta], IngestStatus] | None = None,
    ) -> None:
        """`ingest`: step 6's line for a business-time window (webhook deliveries, reconcile)."""
        self._reads = reads
        self._ingest = ingest
        self._depths = depths
        self._clock = clock
        self._plan = helius_plan
        self._rates = dict(helius_rates)

    def state(self, *, window_minutes: int = DEFAULT_WINDOW_MINUTES) -> PipelineState:
        market_now = self._clock.now()
        activity = self._reads.activity(window_minutes=window_minutes)
        window_s = max((activity.now - activity.since).total_seconds(), 0.0)
        business_since = market_now - timedelta(seconds=window_s * clock_speed(self._clock))
        runs = self._reads.runs(RUN_JOBS, ended_since=business_since)
        steps = [self._step(s, activity, runs, window_s, market_now) for s in STEPS]
        steps.append(self._outbox(activity, window_s))
        profiles = activity.consumed.get(PROFILE_CONSUMER, 0)
        return PipelineState(
            market_time=market_now,
            measured_at=activity.now,
            window_minutes=window_minutes,
            window_seconds=window_s,
            steps=steps,
            profiling=profiling_cost(
                plan=self._plan,
                profiles=profiles,
                requests={a: n for a, n in activity.requests.items() if a in self._rates},
                plan_rates=self._rates,
            ),
            ingest=self._ingest(market_now - business_since) if self._ingest else None,
        )

    def _step(
        self,
        step: _Step,
        activity: ActivityFigures,
        runs: Mapping[str, RunFiguresLike],
        window_s: float,
        market_now: datetime,
    ) -> StepState:
        depth: QueueDepth | None = None
        error = None
        port = self._depths.get(step.queue) if step.queue is not None else None
        if step.queue is not None and port is not None:
            try:
                depth = port.depth(step.queue, now=market_now)
            except DependencyUnavailableError as exc:
                error = str(exc)
        run = runs.get(step.step)
        if step.consumer is not None:
            done = activity.consumed.get(step.consumer, 0)
        else:
            done = run.ended if run is not None else 0
        failed_items = 0
        if step.step == "wallet_profile":
            failed_items = activity.wallets_failed
        elif step.consumer is None and run is not None:
            failed_items = run.failed
        dead = depth.dead_lettered if depth is not None else None
        rate = per_minute(done, window_s)
        remaining = depth.visible + depth.in_flight if depth is not None else None
        return StepState(
            step=step.step,
            label=step.label,
            queued=depth.visible if depth is not None else None,
            in_flight=depth.in_flight if depth is not None else None,
            failed=failed_items + (dead or 0),
            done=done,
            per_minute=rate,
            eta_seconds=eta_seconds(remaining, rate),
            running=_running(run),
            error=error,
        )

    @staticmethod
    def _outbox(activity: ActivityFigures, window_s: float) -> StepState:
        rate = per_minute(activity.outbox_sent, window_s)
        return StepState(
            step="outbox",
            label="Outbox relay",
            queued=activity.outbox_unsent,
            in_flight=None,
            failed=activity.outbox_failing,
            done=activity.outbox_sent,
            per_minute=rate,
            eta_seconds=eta_seconds(activity.outbox_unsent, rate),
        )


def _running(run: RunFiguresLike | None) -> RunningRun | None:
    if run is None or run.running_id is None or run.running_started_at is None:
        return None
    return RunningRun(
        id=run.running_id, started_at=run.running_started_at, counts=dict(run.running_counts)
    )
