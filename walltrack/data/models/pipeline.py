"""The pipeline's live state (GET /status/pipeline, the Status tab's first panel).

Rates are per wall-clock minute and ETAs in wall-clock seconds: that is what a person waiting
for the pipeline lives in. `market_time` is the business clock (the simulated market's locally,
where it may run faster). Counts are integers; rates are floats (they are measurements, not
money).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from walltrack.data.models.ingest import IngestStatus

PipelineStep = Literal[
    "token_scan", "token_refresh", "wallet_discovery", "wallet_profile", "clustering", "outbox"
]


@dataclass(frozen=True)
class QueueDepth:
    """One queue's approximate counts, as SQS reports them (ApproximateNumberOf…)."""

    visible: int
    """Waiting to be received."""
    in_flight: int
    """Received and not yet deleted, or delayed (NotVisible)."""
    dead_lettered: int | None
    """Messages in its DLQ; None when the queue's DLQ is not known here."""


class RunningRun(BaseModel):
    """The step's run that is going on now (a manual or scheduled run), with its figures."""

    model_config = ConfigDict(frozen=True)

    id: str
    started_at: datetime
    counts: dict[str, object]


class StepState(BaseModel):
    model_config = ConfigDict(frozen=True)

    step: PipelineStep
    label: str
    queued: int | None = Field(description="visible queue depth; None for a step with no queue")
    in_flight: int | None = Field(description="received and not yet done (or delayed)")
    failed: int | None = Field(
        description="dead-lettered messages, plus the step's own failed items (failed wallets,"
        " runs failed in the window, outbox rows whose send failed)"
    )
    done: int = Field(description="items finished in the window")
    per_minute: float = Field(description="done ÷ the window's wall-clock minutes")
    eta_seconds: float | None = Field(
        description="queued + in flight at the current rate; None when nothing was done in the"
        " window (no rate to go by) or nothing waits"
    )
    running: RunningRun | None = None
    error: str | None = Field(None, description="why the queue's counts could not be read")


class UpstreamCost(BaseModel):
    """Requests to one upstream account in the window, against our plan's rate there."""

    model_config = ConfigDict(frozen=True)

    account: str
    requests: int
    per_profile: float | None
    plan_rate_per_s: float
    profiles_per_minute_max: float | None = Field(
        description="the plan's rate ÷ requests per profile: the profiling rate it allows"
    )


class ProfilingCost(BaseModel):
    """Where profiling's time goes: Helius calls per profile and the rate our plan allows."""

    model_config = ConfigDict(frozen=True)

    helius_plan: str
    profiles: int = Field(description="wallet profiles finished in the window")
    upstreams: list[UpstreamCost]
    binding: UpstreamCost | None = Field(
        description="the Helius account that caps profiling first (lowest profiles/min), if"
        " any request was counted"
    )
    note: str = (
        "requests count every step's calls to the account in the window: while wallet"
        " discovery runs, its calls are included"
    )


class PipelineState(BaseModel):
    model_config = ConfigDict(frozen=True)

    market_time: datetime = Field(description="the business clock now")
    measured_at: datetime = Field(description="the database's wall clock when read")
    window_minutes: int
    window_seconds: float = Field(description="the window's length, to the second")
    steps: list[StepState]
    profiling: ProfilingCost
    ingest: IngestStatus | None = Field(
        None, description="step 6: webhook deliveries in the window and the last reconcile run"
    )
