"""schedule_runs: one row per scheduled job run (start, end, status, counts, error).

One run per step at a time is the database's rule, not the callers': a partial unique index
(`schedule_runs_one_running_idx`) allows one `running` row per job among the exclusive runs, so
it holds however many Lambdas (or local threads) start runs at once. A caller whose run cannot
start gets `RunAlreadyRunningError` naming the running run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from walltrack.clock import Clock
from walltrack.data.models.runs import ScheduleRun
from walltrack.data.postgres.database import Database
from walltrack.errors import ConflictError

_START_ATTEMPTS = 3


class RunAlreadyRunningError(ConflictError):
    """A run of this step is already running: `run_id` is the running one."""

    def __init__(self, job: str, run_id: UUID) -> None:
        super().__init__(f"a {job} run is already running (run {run_id})")
        self.job = job
        self.run_id = run_id


class RunHandle:
    """One run being recorded: `counts` are written at the end, `progress()` at once. A job
    that finished only part of its work because an upstream failed it sets `degraded`: the
    run then ends `degraded` with that reason instead of `succeeded`."""

    def __init__(self, repo: ScheduleRunRepository, run_id: UUID) -> None:
        self.id = run_id
        self.counts: dict[str, Any] = {}
        self.degraded: str | None = None
        self._repo = repo

    def progress(self, figures: dict[str, Any]) -> None:
        self._repo.progress(self.id, figures)


class ScheduleRunRepository:
    def __init__(
        self,
        db: Database,
        *,
        deadline: timedelta,
    ) -> None:
        """`deadline`: longer than any run can last (EnvSettings.run_deadline_minutes)."""
        self._db = db
        self._deadline = deadline

    def start(
        self,
        job: str,
        *,
        counts: dict[str, Any] | None = None,
        at: datetime | None = None,
        exclusive: bool = False,
    ) -> UUID:
        """`at` is business time (the market's clock); the database clock when omitted.
        Runs silent past the deadline are closed first (`close_overdue`), so a dead run never
        holds its step. An `exclusive` run (a step's run started by hand or by a schedule)
        starts only when no other exclusive run of `job` is running, else
        `RunAlreadyRunningError` names the running one. The insert waits for a concurrent
        start's transaction (the unique index), so of two simultaneous starts exactly one wins."""
        self.close_overdue()
        for _ in range(_START_ATTEMPTS):
            with self._db.connection() as conn:
                row = conn.execute(
                    "insert into public.schedule_runs (job, counts, started_at, exclusive)"
                    " values (%s, %s, coalesce(%s, now()), %s)"
                    " on conflict (job) where status = 'running' and exclusive do nothing"
                    " returning id",
                    (job, Jsonb(counts or {}), at, exclusive),
                ).fetchone()
                if row is not None:
                    run_id: UUID = row["id"]
                    return run_id
                running = conn.execute(
                    "select id from public.schedule_runs"
                    " where job = %s and status = 'running' and exclusive",
                    (job,),
                ).fetchone()
            if running is not None:
                raise RunAlreadyRunningError(job, running["id"])
            # the running run ended between the two statements: try again
        raise ConflictError(f"a {job} run could not start: runs kept starting and ending")

    def skipped(self, job: str, *, running: UUID, at: datetime | None = None) -> UUID:
        """Record a scheduled run that did not start because `running` was still running.
        It counts as the schedule's start (`last_started`), so a long run is skipped once per
        interval, not at every tick."""
        reason = f"skipped: {job} run {running} was still running"
        with self._db.connection() as conn:
            row = conn.execute(
                "insert into public.schedule_runs"
                " (job, counts, started_at, ended_at, status, error)"
                " values (%(job)s, %(counts)s, coalesce(%(at)s, now()), coalesce(%(at)s, now()),"
                " 'skipped', %(reason)s) returning id",
                {
                    "job": job,
                    "counts": Jsonb({"trigger": "schedule", "running_run_id": str(running)}),
                    "at": at,
                    "reason": reason,
                },
            ).fetchone()
        assert row is not None
        skipped_id: UUID = row["id"]
        return skipped_id

    def close_overdue(self) -> int:
        """Mark failed every run still `running` with no sign of life (start, progress, an
        item done) for longer than the deadline, on the database's wall clock. Such a run
        will never end by itself: its invocation hit the function timeout or crashed (a
        Lambda timeout runs no `finally`), or a fanned-out item went to the DLQ. Without
        this the Scheduler tab would show it running forever."""
        with self._db.connection() as conn:
            closed = conn.execute(
                "update public.schedule_runs set status = 'failed',"
                " ended_at = greatest(started_at, now()), error = %(error)s"
                " where status = 'running' and heartbeat_at < now() - %(deadline)s",
                {
                    "deadline": self._deadline,
                    "error": f"no sign of life for {_minutes(self._deadline)}: the invocation"
                    " timed out or crashed, or an item went to the DLQ (see the function's logs)",
                },
            ).rowcount
        return closed

    def finish(
        self,
        run_id: UUID,
        *,
        status: str,
        counts: dict[str, Any],
        error: str | None = None,
        at: datetime | None = None,
    ) -> None:
        with self._db.connection() as conn:
            conn.execute(
                "update public.schedule_runs set"
                " ended_at = greatest(started_at, coalesce(%s, now())), status = %s,"
                " counts = counts || %s, error = %s where id = %s",
                (at, status, Jsonb(counts), error, run_id),
            )

    def item_done(self, run_id: UUID, item: str, increments: dict[str, int]) -> ScheduleRun | None:
        """Count one item of a fanned-out run once: `increments` are added to its counts.
        Returns the run as it is after, or None when the item was already counted (a
        redelivered message) or the run is no longer running."""
        with self._db.connection() as conn, conn.transaction():
            inserted = conn.execute(
                "insert into public.schedule_run_items (run_id, item) values (%s, %s)"
                " on conflict do nothing returning item",
                (run_id, item),
            ).fetchone()
            if inserted is None:
                return None
            row = conn.execute(
                """
                update public.schedule_runs as r set counts = r.counts || (
                    select coalesce(jsonb_object_agg(
                        e.key, to_jsonb(coalesce((r.counts ->> e.key)::numeric, 0)
                                        + e.value::numeric)), '{}'::jsonb)
                    from jsonb_each_text(%s) as e), heartbeat_at = now()
                where r.id = %s and r.status = 'running'
                returning id, job, started_at, ended_at, status, counts, error, exclusive
                """,
                (Jsonb(increments), run_id),
            ).fetchone()
        return ScheduleRun.model_validate(row) if row else None

    def progress(self, run_id: UUID, counts: dict[str, Any]) -> None:
        """Merge progress figures into a running run (readable while it runs)."""
        with self._db.connection() as conn:
            conn.execute(
                "update public.schedule_runs set counts = counts || %s, heartbeat_at = now()"
                " where id = %s and status = 'running'",
                (Jsonb(counts), run_id),
            )

    def get(self, run_id: UUID) -> ScheduleRun | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "select id, job, started_at, ended_at, status, counts, error, exclusive"
                " from public.schedule_runs"
                " where id = %s",
                (run_id,),
            ).fetchone()
        return ScheduleRun.model_validate(row) if row else None

    def last_started(self, job: str) -> datetime | None:
        """When the latest run of `job` started (what a schedule's "is it due?" reads)."""
        with self._db.connection() as conn:
            row = conn.execute(
                "select max(started_at) as at from public.schedule_runs where job = %s", (job,)
            ).fetchone()
        return row["at"] if row else None

    @contextmanager
    def track(
        self,
        job: str,
        *,
        run_id: UUID | None = None,
        clock: Clock | None = None,
        exclusive: bool = False,
    ) -> Iterator[RunHandle]:
        """Record one run of `job` (a new row, `exclusive` as in `start`, or `run_id` created
        earlier by a manual trigger). The handle collects final counts and reports progress;
        an exception marks the run failed with its message and is re-raised so the scheduler
        sees the failure. A run that cannot start raises `RunAlreadyRunningError` on entry."""

        def stamp() -> datetime | None:
            return clock.now() if clock is not None else None

        handle = RunHandle(self, run_id or self.start(job, at=stamp(), exclusive=exclusive))
        try:
            yield handle
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            self.finish(handle.id, status="failed", counts=handle.counts, error=error, at=stamp())
            raise
        status = "degraded" if handle.degraded else "succeeded"
        self.finish(
            handle.id, status=status, counts=handle.counts, error=handle.degraded, at=stamp()
        )

    def recent(
        self,
        *,
        limit: int = 50,
        job: str | None = None,
        status: str | None = None,
        exclusive: bool | None = None,
    ) -> list[ScheduleRun]:
        """Newest first, narrowed to a job, a status and exclusive runs or not when given."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "select id, job, started_at, ended_at, status, counts, error, exclusive"
                " from public.schedule_runs"
                " where (%(job)s::text is null or job = %(job)s)"
                " and (%(status)s::text is null or status = %(status)s)"
                " and (%(exclusive)s::boolean is null or exclusive = %(exclusive)s)"
                " order by started_at desc limit %(limit)s",
                {"job": job, "status": status, "exclusive": exclusive, "limit": limit},
            ).fetchall()
        return [ScheduleRun.model_validate(row) for row in rows]


def _minutes(span: timedelta) -> str:
    return f"{span.total_seconds() / 60:g} min"
