"""Step 4 as use cases: group the profiled wallets into owners, on a schedule or on demand.

A run (`schedule_runs` job `clustering`, one at a time) fans out: one `ClusterEvidenceRequested`
per profiled wallet, written to the outbox in the transaction that starts the run. Each message
collects one wallet's evidence (`core.cluster.collect`: its first history page and its
funders', cached) and is counted once into the run (`schedule_run_items`). The message that
completes the count groups the run once: evidence assembled from the cache and the stored
swaps, owners by `core.cluster.grouping`, written to the graph first and then to Postgres in
one transaction (which is what makes them current). A graph outage fails the run with its
reason before Postgres is touched, so the current owners stay the last good run's and the next
schedule (or a manual run) tries again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from walltrack.app.ports import StepPorts
from walltrack.app.wallet_discovery import is_outage
from walltrack.core.cluster.analyzer import Edge
from walltrack.core.cluster.collect import CollectReport, assemble_evidence, collect_wallet
from walltrack.core.cluster.grouping import Grouping, group_owners
from walltrack.core.cluster.ports import OwnersGraph, OwnersStore
from walltrack.core.schedules import ScheduleState, is_due, schedule_state
from walltrack.data.models.cluster_settings import ClusterSettings
from walltrack.data.models.messages import ClusterEvidenceRequested
from walltrack.data.models.runs import RunStart, ScheduleRun
from walltrack.data.postgres.cluster_evidence import ClusterEvidenceRepository
from walltrack.data.postgres.schedule_runs import RunAlreadyRunningError
from walltrack.errors import DependencyUnavailableError, NotFoundError
from walltrack.log import get_logger

log = get_logger(component="clustering")

JOB = "clustering"


class ClusteringJobs:
    def __init__(
        self,
        ports: StepPorts,
        *,
        evidence: ClusterEvidenceRepository,
        owners: OwnersStore,
        graph: Callable[[], OwnersGraph],
    ) -> None:
        """`graph` is asked for on first use: only the run's last message writes to it, and
        building the driver costs a cold start ~0.3 s."""
        self._ports = ports
        self._evidence = evidence
        self._owners = owners
        self._graph = graph

    # -- starting a run ---------------------------------------------------------------------
    def start_manual(self) -> RunStart:
        """A run now (the API's POST /clusters/run): its record and one evidence message per
        profiled wallet, committed together. While a run goes on, the answer is that run
        (`started` False) and nothing is queued; `NotFoundError` when no wallet is profiled."""
        try:
            return RunStart(self._start("manual"), started=True)
        except RunAlreadyRunningError as running:
            log.info("clustering already running", run_id=str(running.run_id))
            return RunStart(running.run_id, started=False)

    def tick(self) -> RunStart | None:
        """A schedule tick: a run when scheduled clustering is on and the interval has passed
        since the last start; recorded as skipped while a run still goes on."""
        settings = self._ports.steps.typed(ClusterSettings)
        now = self._ports.clock.now()
        last = self._ports.runs.last_started(JOB)
        interval = timedelta(minutes=settings.interval_minutes)
        if not settings.scheduled_clustering or not is_due(
            last_started=last, interval=interval, now=now
        ):
            return None
        try:
            return RunStart(self._start("schedule"), started=True)
        except NotFoundError as nothing:
            log.debug("scheduled clustering not started", reason=str(nothing))
            return None
        except RunAlreadyRunningError as running:
            skipped = self._ports.runs.skipped(JOB, running=running.run_id, at=now)
            log.info(
                "scheduled clustering skipped: a run still goes on",
                running_run_id=str(running.run_id),
                skipped_run_id=str(skipped),
            )
            return None

    def schedule(self) -> ScheduleState:
        """The schedule as the Status tab shows it."""
        settings = self._ports.steps.typed(ClusterSettings)
        return schedule_state(
            job=JOB,
            enabled=settings.scheduled_clustering,
            interval_minutes=settings.interval_minutes,
            last_started=self._ports.runs.last_started(JOB),
            now=self._ports.clock.now(),
        )

    def _start(self, trigger: str) -> UUID:
        wallets = self._evidence.profiled_wallets()
        if not wallets:
            raise NotFoundError("no profiled wallets yet: clustering groups step 3's wallets")
        counts = {"trigger": trigger, "stage": "collecting", "wallets": len(wallets)}
        with self._ports.atomic():
            run_id = self._ports.runs.start(
                JOB,
                at=self._ports.clock.now(),
                counts=counts | {"wallets_done": 0},
                exclusive=True,
            )
            self._ports.outbox.evidence_requested(run_id, wallets)
        log.info("clustering started", run_id=str(run_id), wallets=len(wallets), trigger=trigger)
        return run_id

    # -- one wallet's evidence --------------------------------------------------------------
    def evidence_requested(self, message: ClusterEvidenceRequested) -> None:
        """One wallet of a run. An outage (Helius down or refusing, our database) raises, so
        SQS delivers the message again; a failure of the wallet's own is counted in the run
        and the wallet is grouped with what is known of it. The wallet that completes the
        count groups the run."""
        bound = log.bind(run_id=str(message.run_id), wallet=message.address)
        run = self._ports.runs.get(message.run_id)
        if run is None or run.status != "running":
            bound.info("evidence item skipped", status=run and run.status)
            return
        increments: dict[str, int]
        try:
            report = self._collect(run, message.address)
            increments = {"helius_calls": report.helius_calls, "pages_cached": report.cached}
        except Exception as exc:
            if is_outage(exc):
                bound.warning("evidence postponed: a dependency is down", error=str(exc))
                raise
            error = f"{message.address}: {type(exc).__name__}: {exc}"
            bound.warning("evidence of the wallet unavailable", error=error)
            self._ports.runs.progress(run.id, {"last_error": error})
            increments = {"wallet_errors": 1}
        after = self._ports.runs.item_done(
            run.id, message.address, increments | {"wallets_done": 1}
        )
        if after is not None and after.counts.get("wallets_done") == after.counts.get("wallets"):
            self.group(after)

    def _collect(self, run: ScheduleRun, address: str) -> CollectReport:
        settings = self._ports.steps.typed(ClusterSettings)
        now = self._ports.clock.now()
        stale = now - timedelta(hours=settings.evidence_stale_after_hours)
        return self._ports.markets.run(
            lambda market: collect_wallet(
                address,
                settings=settings,
                source=market.transactions,
                cache=self._evidence,
                fresh_since=min(run.started_at, stale),
                now=now,
            )
        )

    # -- grouping, once per run -------------------------------------------------------------
    def group(self, run: ScheduleRun) -> Grouping | None:
        """Group the run's wallets and write the owners: graph first, then Postgres in one
        transaction (current from then on). A graph outage ends the run failed with the reason
        and leaves Postgres's current owners as they were; None then."""
        runs = self._ports.runs
        runs.progress(run.id, {"stage": "grouping"})
        settings = self._ports.steps.typed(ClusterSettings)
        wallets = self._evidence.run_wallets(run.id)
        try:
            evidence = assemble_evidence(
                wallets, settings=settings, cache=self._evidence, buys=self._evidence
            )
            grouping = group_owners(
                evidence, wallets, settings, previous=self._owners.current_owner_ids()
            )
            graph = self._graph()
            graph.write_evidence(evidence.edges)
            graph.write_owners(grouping)
            self._owners.save_grouping(str(run.id), grouping, at=self._ports.clock.now())
        except DependencyUnavailableError as exc:
            reason = f"{exc}: owners not written; the current ones are the last run's"
            log.warning("clustering failed: a dependency is down", run_id=str(run.id), error=reason)
            runs.finish(
                run.id,
                status="failed",
                counts={"stage": "failed"},
                error=reason,
                at=self._ports.clock.now(),
            )
            return None
        except Exception as exc:
            runs.finish(
                run.id,
                status="failed",
                counts={"stage": "failed"},
                error=f"{type(exc).__name__}: {exc}",
                at=self._ports.clock.now(),
            )
            raise
        counts = {"stage": "done"} | _grouping_counts(grouping, evidence.edges)
        runs.finish(run.id, status="succeeded", counts=counts, at=self._ports.clock.now())
        log.info("clustering done", run_id=str(run.id), **counts)
        return grouping


def _grouping_counts(grouping: Grouping, edges: Sequence[Edge]) -> dict[str, Any]:
    kinds = Counter(edge.kind for edge in edges)
    changes = Counter(change.kind for change in grouping.changes)
    return (
        {
            "owners": len(grouping.owners),
            "multi_wallet_owners": sum(len(g.wallets) > 1 for g in grouping.owners.values()),
            "edges": sum(kinds.values()),
            "unchanged": grouping.unchanged,
        }
        | {f"edges_{kind}": n for kind, n in sorted(kinds.items())}
        | {kind: changes.get(kind, 0) for kind in ("new", "split", "merge", "dissolved")}
    )
