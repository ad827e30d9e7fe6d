"""The pipeline panel's arithmetic (walltrack.core.pipeline): rates, ETAs, Helius cost per
profile, and how the monitor assembles a step's row from its figures."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from walltrack.clock import ManualClock, ScaledClock, SystemClock
from walltrack.core.pipeline import (
    PipelineMonitor,
    QueueDepthsPort,
    clock_speed,
    eta_seconds,
    per_minute,
    profiling_cost,
    upstream_cost,
)
from walltrack.data.models.messages import QueueName
from walltrack.data.models.pipeline import QueueDepth
from walltrack.errors import DependencyUnavailableError

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def test_the_rate_is_items_per_wall_minute_of_the_window() -> None:
    # Given 30 items done in a 10-minute window / Then 3 a minute
    assert per_minute(30, 600.0) == pytest.approx(3.0)
    # And 5 in 90 s is 3.33 a minute; an empty window has no rate
    assert per_minute(5, 90.0) == pytest.approx(5 / 1.5)
    assert per_minute(5, 0.0) == 0.0


def test_the_eta_is_the_remaining_work_at_the_rate_seen() -> None:
    # Given 12 items waiting at 3 a minute / Then 4 minutes
    assert eta_seconds(12, 3.0) == pytest.approx(240.0)
    # And nothing waiting is done now; work without a rate has no ETA; no queue, no ETA
    assert eta_seconds(0, 0.0) == 0.0
    assert eta_seconds(7, 0.0) is None
    assert eta_seconds(None, 3.0) is None


def test_helius_cost_per_profile_gives_the_profiles_the_plan_allows() -> None:
    # Given 120 requests for 10 profiles on an account of 10 requests a second
    cost = upstream_cost("helius:das", requests=120, profiles=10, plan_rate_per_s=10.0)
    # Then 12 requests a profile, so at most 10 x 60 / 12 = 50 profiles a minute
    assert cost.per_profile == pytest.approx(12.0)
    assert cost.profiles_per_minute_max == pytest.approx(50.0)
    # And with no profile done there is no per-profile figure
    idle = upstream_cost("helius:das", requests=40, profiles=0, plan_rate_per_s=10.0)
    assert idle.per_profile is None
    assert idle.profiles_per_minute_max is None


def test_the_binding_account_is_the_one_that_caps_profiling_first() -> None:
    # Given DAS at 10/s with 12 calls a profile (50/min) and RPC at 50/s with 5 (600/min)
    cost = profiling_cost(
        plan="developer",
        profiles=10,
        requests={"helius:das": 120, "helius:rpc": 50},
        plan_rates={"helius:das": 10.0, "helius:rpc": 50.0},
    )
    # Then DAS binds, and both accounts are listed
    assert cost.binding is not None
    assert cost.binding.account == "helius:das"
    assert [u.account for u in cost.upstreams] == ["helius:das", "helius:rpc"]
    # And with no profile yet the busiest account is shown, without a ceiling
    early = profiling_cost(
        plan="developer",
        profiles=0,
        requests={"helius:rpc": 9, "helius:das": 3},
        plan_rates={"helius:das": 10.0, "helius:rpc": 50.0},
    )
    assert early.binding is not None
    assert early.binding.account == "helius:rpc"
    assert early.binding.profiles_per_minute_max is None
    # And with no request at all there is nothing to blame
    assert (
        profiling_cost(plan="free", profiles=0, requests={}, plan_rates={"h": 2.0}).binding is None
    )


def test_clock_speed_is_the_market_clocks_and_one_otherwise() -> None:
    assert clock_speed(ScaledClock(NOW, 0.0, 60.0)) == 60.0
    assert clock_speed(SystemClock()) == 1.0
    assert clock_speed(ManualClock(NOW)) == 1.0


# -- the monitor, over in-memory figures -------------------------------------------------------


@dataclass
class Figures:
    since: datetime
    now: datetime
    consumed: Mapping[str, int] = field(default_factory=dict)
    requests: Mapping[str, int] = field(default_factory=dict)
    outbox_unsent: int = 0
    outbox_failing: int = 0
    outbox_sent: int = 0
    wallets_failed: int = 0


@dataclass
class Runs:
    ended: int = 0
    failed: int = 0
    running_id: str | None = None
    running_started_at: datetime | None = None
    running_counts: Mapping[str, object] = field(default_factory=dict)


@dataclass
class Reads:
    figures: Figures
    runs_by_job: dict[str, Runs]
    asked_since: list[datetime] = field(default_factory=list)

    def activity(self, *, window_minutes: int) -> Figures:
        return self.figures

    def runs(self, jobs: Collection[str], *, ended_since: datetime) -> Mapping[str, Runs]:
        self.asked_since.append(ended_since)
        return {job: self.runs_by_job.get(job, Runs()) for job in jobs}


@dataclass
class Depths:
    depth_of: dict[QueueName, QueueDepth]
    broken: bool = False

    def depth(self, queue: QueueName, *, now: datetime) -> QueueDepth | None:
        if self.broken:
            raise DependencyUnavailableError("sqs", "AccessDenied")
        return self.depth_of.get(queue)


def _monitor(reads: Reads, depths: Depths, clock: ManualClock | ScaledClock) -> PipelineMonitor:
    ports: dict[QueueName, QueueDepthsPort] = {
        "wallet_profile": depths,
        "wallet_discovery": depths,
        "token_scan": depths,
    }
    return PipelineMonitor(
        reads,
        ports,
        clock,
        helius_plan="developer",
        helius_rates={"helius:das": 10.0, "helius:rpc": 50.0},
    )


def test_a_steps_row_adds_its_dlq_to_its_failures_and_sets_its_eta() -> None:
    # Given a 10-minute window where 20 profiles finished and 240 DAS requests were made,
    # 30 profiles wait, 2 are in flight, 1 is dead-lettered and 3 wallets failed
    window = Figures(
        since=NOW - timedelta(minutes=10),
        now=NOW,
        consumed={"wallet_profile": 20, "wallet_discovery": 4},
        requests={"helius:das": 240, "jupiter": 999},
        outbox_unsent=5,
        outbox_failing=1,
        outbox_sent=50,
        wallets_failed=3,
    )
    reads = Reads(window, {"token_refresh": Runs(ended=2, failed=1)})
    depths = Depths({"wallet_profile": QueueDepth(visible=30, in_flight=2, dead_lettered=1)})
    # When the state is read
    state = _monitor(reads, depths, ManualClock(NOW)).state(window_minutes=10)
    rows = {s.step: s for s in state.steps}
    # Then profiles: 2 a minute, (30 + 2) / 2 = 16 minutes to go, 1 + 3 failed
    profiles = rows["wallet_profile"]
    assert (profiles.queued, profiles.in_flight, profiles.failed) == (30, 2, 4)
    assert profiles.per_minute == pytest.approx(2.0)
    assert profiles.eta_seconds == pytest.approx(16 * 60)
    # And the refresh (no queue) counts its runs, the failed one among its failures
    refresh = rows["token_refresh"]
    assert (refresh.queued, refresh.done, refresh.failed) == (None, 2, 1)
    # And the outbox: 5 unsent (1 failing), 5 a minute
    outbox = rows["outbox"]
    assert (outbox.queued, outbox.failed) == (5, 1)
    assert outbox.per_minute == pytest.approx(5.0)
    # And profiling: 12 DAS calls a profile at 10/s → at most 50 profiles a minute (Jupiter,
    # not a Helius account, is left out)
    assert state.profiling.binding is not None
    assert state.profiling.binding.per_profile == pytest.approx(12.0)
    assert state.profiling.binding.profiles_per_minute_max == pytest.approx(50.0)
    assert {u.account for u in state.profiling.upstreams} == {"helius:das", "helius:rpc"}
    assert state.market_time == NOW


def test_runs_are_counted_over_the_window_in_business_time() -> None:
    # Given a market clock at 60x and a 10-minute wall window
    reads = Reads(Figures(since=NOW - timedelta(minutes=10), now=NOW), {})
    clock = ScaledClock(NOW, time.time(), 60.0)
    market_now = clock.now()
    # When the state is read
    _monitor(reads, Depths({}), clock).state(window_minutes=10)
    # Then runs are asked for since 600 minutes of market time ago
    [since] = reads.asked_since
    assert market_now - since == pytest.approx(timedelta(minutes=600), abs=timedelta(seconds=5))


def test_an_unreadable_queue_is_named_on_its_row_and_the_rest_still_shows() -> None:
    # Given queue counts that cannot be read (SQS refuses)
    reads = Reads(Figures(since=NOW - timedelta(minutes=5), now=NOW), {})
    # When the state is read
    state = _monitor(reads, Depths({}, broken=True), ManualClock(NOW)).state(window_minutes=5)
    rows = {s.step: s for s in state.steps}
    # Then the queued steps say why and have no ETA; the others are unaffected
    assert rows["wallet_profile"].error is not None
    assert "AccessDenied" in rows["wallet_profile"].error
    assert rows["wallet_profile"].queued is None
    assert rows["wallet_profile"].eta_seconds is None
    assert rows["token_refresh"].error is None


def test_a_running_run_is_shown_with_its_figures() -> None:
    # Given a token scan running with progress figures
    started = NOW - timedelta(minutes=2)
    running = Runs(running_id="r-1", running_started_at=started, running_counts={"done": 3})
    reads = Reads(Figures(since=NOW - timedelta(minutes=5), now=NOW), {"token_scan": running})
    # When the state is read / Then the scan's row carries the run
    state = _monitor(reads, Depths({}), ManualClock(NOW)).state(window_minutes=5)
    scan = next(s for s in state.steps if s.step == "token_scan")
    assert scan.running is not None
    assert (scan.running.id, scan.running.counts) == ("r-1", {"done": 3})


def test_clustering_has_its_row_fed_by_the_evidence_queue_and_its_running_run() -> None:
    # Given 12 evidence messages done in a 10-minute window, 40 waiting, and a clustering run
    # collecting evidence
    window = Figures(since=NOW - timedelta(minutes=10), now=NOW, consumed={"cluster_evidence": 12})
    running = Runs(
        ended=0,
        failed=0,
        running_id="run-1",
        running_started_at=NOW - timedelta(minutes=3),
        running_counts={"stage": "collecting", "wallets": 52, "wallets_done": 12},
    )
    reads = Reads(window, {"clustering": running})
    depths = Depths({"cluster_evidence": QueueDepth(visible=40, in_flight=0, dead_lettered=0)})
    ports: dict[QueueName, QueueDepthsPort] = {"cluster_evidence": depths}
    monitor = PipelineMonitor(
        reads, ports, ManualClock(NOW), helius_plan="developer", helius_rates={}
    )
    # When the state is read
    rows = {s.step: s for s in monitor.state(window_minutes=10).steps}
    # Then step 4 shows its queue, its rate and the run with its figures
    clustering = rows["clustering"]
    assert (clustering.queued, clustering.done) == (40, 12)
    assert clustering.per_minute == pytest.approx(1.2)
    assert clustering.running is not None
    assert clustering.running.counts["wallets_done"] == 12
