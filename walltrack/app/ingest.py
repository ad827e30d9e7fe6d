"""Step 6's ingestion as use cases: webhook deliveries (webhook_ingest) and gap recovery
(reconcile) through one path.

Both end in `IngestJobs.store`: inside one transaction, the swaps of listed wallets are claimed
in `ingested_swaps` (insert ... on conflict do nothing returning: of two concurrent copies of
one delivery, or a delivery racing reconcile, exactly one wins each swap), stored in
`public.swaps` (which step 3's history reads may already hold) and, for each swap this call won,
one `SignalScoreRequested` goes to the outbox. So a swap is signalled once, whoever brought it,
and a delivery is answered 200 only once all of that has committed (Helius retries otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from walltrack.app.outbox import PipelineOutbox
from walltrack.app.ports import StepPorts
from walltrack.app.swaps import parse_transactions
from walltrack.app.wallet_discovery import is_outage
from walltrack.clock import Clock
from walltrack.core.ingest import (
    MalformedDeliveryError,
    advance_cursor,
    authorized,
    decode_delivery,
    header_value,
    over_cap,
    reconcile_start,
    swaps_to_keep,
)
from walltrack.core.ports import Atomic
from walltrack.core.schedules import ScheduleState, is_due, schedule_state
from walltrack.core.step_settings import StepSettingsService
from walltrack.core.swaps import normalize_many
from walltrack.data.models.ingest import (
    DeliveryCounts,
    IngestResult,
    IngestSettings,
    IngestStatus,
    IngestVia,
    ReconcileCursor,
    ReconcileReport,
)
from walltrack.data.models.messages import SignalScoreRequested
from walltrack.data.models.swap import Swap
from walltrack.data.postgres.ingest import IngestRepository
from walltrack.data.postgres.schedule_runs import RunAlreadyRunningError
from walltrack.errors import DependencyUnavailableError
from walltrack.log import get_logger

log = get_logger(component="ingest")

JOB = "reconcile"
PAGE = 100
"""Transactions per Helius history page."""
RECONCILE_OVERLAP = timedelta(minutes=2)
"""Re-read before each cursor: Helius may publish a transaction some seconds after its block
time, and a re-read swap is only claimed again (nothing happens twice)."""
STATUS_WINDOW = timedelta(hours=24)

Response = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class IngestPorts:
    db_atomic: Atomic
    repo: IngestRepository
    outbox: PipelineOutbox
    steps: StepSettingsService
    clock: Clock


class IngestJobs:
    def __init__(self, ports: IngestPorts, *, secret: str | None) -> None:
        """`secret`: what Helius must send in `Authorization` (None refuses every delivery)."""
        self._p = ports
        self._secret = secret

    def receive(self, headers: Mapping[str, str], body: bytes) -> Response:
        """One webhook delivery → (HTTP status, JSON answer). 200 only after the commit."""
        try:
            return self._receive(headers, body)
        except DependencyUnavailableError as exc:  # Helius retries a 5xx: nothing is lost
            log.warning("delivery not stored: a dependency is down", error=str(exc))
            return 503, {"error": "unavailable", "detail": str(exc)}

    def _receive(self, headers: Mapping[str, str], body: bytes) -> Response:
        p = self._p
        now = p.clock.now()
        if not authorized(header_value(headers, "authorization"), self._secret):
            p.repo.count_refusal(now)
            log.warning("delivery refused: wrong or missing Authorization", bytes=len(body))
            return 401, {"error": "unauthorized"}
        settings = p.steps.typed(IngestSettings)
        if over_cap(len(body), settings.max_body_bytes):
            error = f"body of {len(body)} bytes is over the {settings.max_body_bytes} cap"
            p.repo.add_delivery(
                received_at=now, status="too_large", size=len(body), body=None, error=error
            )
            log.warning("delivery refused: too large", bytes=len(body))
            return 413, {"error": "too_large", "detail": error}
        try:
            items = decode_delivery(body)
        except MalformedDeliveryError as exc:
            delivery_id = p.repo.add_delivery(
                received_at=now, status="malformed", size=len(body), body=body, error=str(exc)
            )
            log.warning("delivery malformed: raw body kept", delivery_id=delivery_id)
            return 400, {"error": "malformed", "detail": str(exc), "delivery_id": delivery_id}
        listed = p.repo.listed_wallets()
        swaps, bad = parse_transactions(items, wallets=listed)
        kept = swaps_to_keep(swaps, listed)
        item_errors = "; ".join(f"item {i}: {reason}" for i, reason in bad[:20]) or None
        with p.db_atomic():
            delivery_id = p.repo.add_delivery(
                received_at=now, status="ok", size=len(body), body=body
            )
            result = self.store(
                kept,
                via="webhook",
                received_at=now,
                delivery=DeliveryCounts(delivery_id, items=len(items), error=item_errors),
            )
        log.info(
            "delivery stored",
            delivery_id=delivery_id,
            items=len(items),
            swaps=len(kept),
            new=result.swaps_new,
            malformed_items=len(bad),
        )
        return 200, {
            "delivery_id": delivery_id,
            "items": len(items),
            "swaps": len(kept),
            "new": result.swaps_new,
            "malformed_items": len(bad),
        }

    def store(
        self,
        kept: Sequence[Swap],
        *,
        via: IngestVia,
        received_at: datetime,
        delivery: DeliveryCounts | None = None,
    ) -> IngestResult:
        """Claim, store and signal `kept` (swaps of listed wallets, sorted by key) in the
        caller's transaction (or one of its own); a webhook `delivery`'s counts are set by the
        claim."""
        p = self._p
        with p.db_atomic():
            # the claim stores the swaps too, in the same round trip
            won = p.repo.claim(kept, via=via, received_at=received_at, delivery=delivery)
            p.outbox.put(
                [
                    SignalScoreRequested.for_swap(
                        signature=signature,
                        wallet=wallet,
                        token_mint=mint,
                        received_at=received_at,
                        via=via,
                    )
                    for signature, wallet, mint in won
                ]
            )
        return IngestResult(swaps_found=len(kept), swaps_new=len(won))


class ReconcileJobs:
    """Gap recovery: each listed wallet's history after its cursor, oldest first, through
    `IngestJobs.store` (via "reconcile"); what it stores new is what the webhook missed."""

    def __init__(self, ports: StepPorts, *, ingest: IngestJobs, repo: IngestRepository) -> None:
        self._ports = ports
        self._ingest = ingest
        self._repo = repo

    def tick(self) -> ReconcileReport | None:
        """A schedule tick: a run when `reconcile_interval_minutes` has passed since the last."""
        settings = self._ports.steps.typed(IngestSettings)
        now = self._ports.clock.now()
        interval = timedelta(minutes=settings.reconcile_interval_minutes)
        if not is_due(last_started=self._ports.runs.last_started(JOB), interval=interval, now=now):
            return None
        return self.run(trigger="schedule")

    def schedule(self) -> ScheduleState:
        settings = self._ports.steps.typed(IngestSettings)
        return schedule_state(
            job=JOB,
            enabled=True,
            interval_minutes=settings.reconcile_interval_minutes,
            last_started=self._ports.runs.last_started(JOB),
            now=self._ports.clock.now(),
        )

    def run(self, *, trigger: str = "manual") -> ReconcileReport:
        """One pass over the listed wallets. Each wallet's swaps and its cursor commit
        together; an outage (Helius refusing past its Retry-After, our database) ends the run
        failed with the reason, and the next run resumes from the cursors."""
        ports, repo = self._ports, self._repo
        settings = ports.steps.typed(IngestSettings)
        listed = repo.listed_wallets()
        now = ports.clock.now()
        counts: dict[str, Any] = {
            "trigger": trigger,
            "wallets": len(listed),
            "wallets_done": 0,
            "transactions": 0,
            "recovered": 0,
        }
        try:
            run_id = ports.runs.start(JOB, at=now, counts=counts, exclusive=True)
        except RunAlreadyRunningError as running:
            ports.runs.skipped(JOB, running=running.run_id, at=now)
            log.info("reconcile skipped: a run still goes on", running=str(running.run_id))
            return ReconcileReport(None, len(listed), 0, 0, 0, "a reconcile run still goes on")
        bound = log.bind(run_id=str(run_id), trigger=trigger)
        cursors = repo.cursors(list(listed))
        error: str | None = None
        try:
            for wallet, listed_since in listed.items():
                read, recovered = self._wallet(
                    wallet, listed_since, cursors.get(wallet), listed, settings
                )
                counts["wallets_done"] += 1
                counts["transactions"] += read
                counts["recovered"] += recovered
                ports.runs.progress(run_id, counts)
            purged = repo.purge(before=now - timedelta(days=settings.audit_retention_days))
            counts["purged"] = purged
        except Exception as exc:
            if not is_outage(exc):
                raise
            error = f"{type(exc).__name__}: {exc}"
            bound.warning("reconcile stopped: a dependency is down", error=error)
        ports.runs.finish(
            run_id,
            status="failed" if error else "succeeded",
            counts=counts,
            error=error,
            at=ports.clock.now(),
        )
        bound.info("reconcile finished", **{k: v for k, v in counts.items() if k != "trigger"})
        return ReconcileReport(
            str(run_id),
            counts["wallets"],
            counts["wallets_done"],
            counts["transactions"],
            counts["recovered"],
            error,
        )

    def _wallet(
        self,
        wallet: str,
        listed_since: datetime,
        cursor: ReconcileCursor | None,
        listed: Mapping[str, datetime],
        settings: IngestSettings,
    ) -> tuple[int, int]:
        """(transactions read, swaps recovered) of one wallet."""
        start = reconcile_start(cursor, listed_since=listed_since, overlap=RECONCILE_OVERLAP)
        history = self._ports.markets.run(
            lambda market: market.transactions.transactions(
                wallet,
                max_transactions=settings.reconcile_max_pages_per_wallet * PAGE,
                start=start,
                ascending=True,
            )
        )
        kept = swaps_to_keep(normalize_many(history.transactions, wallets=listed), listed)
        now = self._ports.clock.now()
        with self._ports.atomic():
            result = self._ingest.store(kept, via="reconcile", received_at=now)
            moved = advance_cursor(
                cursor, last_signature=history.last_signature, last_time=history.last_time
            )
            if moved is not None and moved != cursor:
                self._repo.save_cursor(wallet, moved, at=now)
        return history.fetched, result.swaps_new

    def status(self, window: timedelta = STATUS_WINDOW) -> IngestStatus:
        """The Status tab's reconcile line."""
        now = self._ports.clock.now()
        counts = self._repo.window_counts(since=now - window)
        runs = self._ports.runs.recent(limit=1, job=JOB, exclusive=True)
        last = runs[0] if runs else None
        return IngestStatus(
            window_minutes=int(window.total_seconds() // 60),
            deliveries=counts["deliveries"],
            refused=counts["refused"],
            malformed=counts["malformed"],
            too_large=counts["too_large"],
            swaps_new_webhook=counts["swaps_new"],
            last_reconcile_at=last.started_at if last else None,
            last_reconcile_status=last.status if last else None,
            last_reconcile_recovered=(
                int(last.counts.get("recovered", 0)) if last is not None else None
            ),
        )
