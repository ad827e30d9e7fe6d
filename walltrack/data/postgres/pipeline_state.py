"""Read-only figures for the pipeline's live state (GET /status/pipeline).

Everything here reads what the pipeline already records: messages each consumer finished
(`consumed_messages`), the outbox, the upstream requests counted per minute by the shared rate
limiter (`rate_limit_requests`, see `walltrack.data.postgres.rate_limits`), failed wallets and
the runs table. The window is measured on the database's wall clock, cut at whole minutes so
that requests (counted per minute) and finished messages cover exactly the same span.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from walltrack.data.models.messages import QueueName
from walltrack.data.models.pipeline import QueueDepth
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.local_queues import PostgresQueueStore


@dataclass(frozen=True)
class Activity:
    """What finished in the window [`since`, `now`] (database wall clock)."""

    since: datetime
    now: datetime
    consumed: Mapping[str, int]
    """Messages each consumer (function name) finished."""
    requests: Mapping[str, int]
    """Requests reserved per upstream account."""
    outbox_unsent: int
    outbox_failing: int
    """Unsent rows whose last send failed."""
    outbox_sent: int
    wallets_failed: int
    """Wallets whose profile failed for a reason of their own (all time)."""


@dataclass(frozen=True)
class RunFigures:
    """Runs of one job that ended after a business time, and the one running now."""

    ended: int
    failed: int
    running_id: str | None
    running_started_at: datetime | None
    running_counts: Mapping[str, object]


class PipelineReads:
    def __init__(self, db: Database) -> None:
        self._db = db

    def activity(self, *, window_minutes: int) -> Activity:
        """The window is the last `window_minutes` whole minutes plus the current one."""
        with self._db.connection() as conn:
            head = conn.execute(
                "select now() as now,"
                " date_trunc('minute', now()) - make_interval(mins => %s) as since",
                (window_minutes,),
            ).fetchone()
            assert head is not None  # a select without from always returns its row
            since = head["since"]
            consumed = conn.execute(
                "select consumer, count(*) as n from public.consumed_messages"
                " where consumed_at >= %s group by consumer",
                (since,),
            ).fetchall()
            requests = conn.execute(
                "select account, sum(requests)::bigint as n from public.rate_limit_requests"
                " where minute >= %s group by account",
                (since,),
            ).fetchall()
            outbox = conn.execute(
                "select count(*) filter (where sent_at is null) as unsent,"
                " count(*) filter (where sent_at is null and last_error is not null) as failing,"
                " count(*) filter (where sent_at >= %s) as sent"
                " from public.outbox where sent_at is null or sent_at >= %s",
                (since, since),
            ).fetchone()
            failed = conn.execute(
                "select count(*) as n from public.wallets where status = 'failed'"
            ).fetchone()
        return Activity(
            since=since,
            now=head["now"],
            consumed={r["consumer"]: int(r["n"]) for r in consumed},
            requests={r["account"]: int(r["n"]) for r in requests},
            outbox_unsent=int(outbox["unsent"]) if outbox else 0,
            outbox_failing=int(outbox["failing"]) if outbox else 0,
            outbox_sent=int(outbox["sent"]) if outbox else 0,
            wallets_failed=int(failed["n"]) if failed else 0,
        )

    def runs(self, jobs: Collection[str], *, ended_since: datetime) -> dict[str, RunFigures]:
        """Per job: runs ended at or after `ended_since` (business time, as runs are stamped),
        how many of those failed, and the running run (a manual or scheduled one first)."""
        with self._db.connection() as conn:
            ended = conn.execute(
                "select job, count(*) as n, count(*) filter (where status = 'failed') as failed"
                " from public.schedule_runs where job = any(%s) and ended_at >= %s group by job",
                (list(jobs), ended_since),
            ).fetchall()
            running = conn.execute(
                "select distinct on (job) job, id::text as id, started_at, counts"
                " from public.schedule_runs where job = any(%s) and status = 'running'"
                " order by job, exclusive desc, started_at desc",
                (list(jobs),),
            ).fetchall()
        by_job = {r["job"]: r for r in ended}
        live = {r["job"]: r for r in running}
        figures = {}
        for job in jobs:
            done, now = by_job.get(job), live.get(job)
            figures[job] = RunFigures(
                ended=int(done["n"]) if done else 0,
                failed=int(done["failed"]) if done else 0,
                running_id=now["id"] if now else None,
                running_started_at=now["started_at"] if now else None,
                running_counts=dict(now["counts"]) if now else {},
            )
        return figures


class LocalQueueDepths:
    """Queue depths of the local runtime's queues (`walltrack run`), from the Postgres store."""

    def __init__(
        self,
        store: PostgresQueueStore,
        queues: Mapping[QueueName, tuple[str, str | None]],
    ) -> None:
        """`queues`: each logical queue's local queue id and its DLQ's id (None: unknown)."""
        self._store = store
        self._queues = dict(queues)

    def depth(self, queue: QueueName, *, now: datetime) -> QueueDepth | None:
        """None when this process has no such queue; `now` is the runtime's business time,
        the clock the local queues' visibility runs on."""
        ids = self._queues.get(queue)
        if ids is None:
            return None
        queue_id, dlq_id = ids
        states = self._store.states([queue_id, *([dlq_id] if dlq_id else [])], now=now)
        depth = states[queue_id]
        dlq = states[dlq_id] if dlq_id is not None else None
        dead = dlq.visible + dlq.hidden if dlq is not None else None
        return QueueDepth(visible=depth.visible, in_flight=depth.hidden, dead_lettered=dead)
