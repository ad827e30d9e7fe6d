"""schedule_runs: one row per scheduled job run (start, end, status, counts, error)."""

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


class RunHandle:
    """One run being recorded: `counts` are written at the end, `progress()` at once."""

    def __init__(self, repo: ScheduleRunRepository, run_id: UUID) -> None:
        self.id = run_id
        self.counts: dict[str, Any] = {}
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
        self, job: str, *, counts: dict[str, Any] | None = None, at: datetime | None = None
    ) -> UUID:
        """`at` is business time (the market's clock); the database clock when omitted.
        Runs silent past the deadline are closed first (`close_overdue`)."""
        self.close_overdue()
        with self._db.connection() as conn:
            row = conn.execute(
                "insert into public.schedule_runs (job, counts, started_at)"
                " values (%s, %s, coalesce(%s, now())) returning id",
                (job, Jsonb(counts or {}), at),
            ).fetchone()
        assert row is not None
        run_id: UUID = row["id"]
        return run_id

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
                returning id, job, started_at, ended_at, status, counts, error
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
                "select id, job, started_at, ended_at, status, counts, error"
                " from public.schedule_runs where id = %s",
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
    ) -> Iterator[RunHandle]:
        """Record one run of `job` (a new row, or `run_id` created earlier by a manual
        trigger). The handle collects final counts and reports progress; an exception marks
        the run failed with its message and is re-raised so the scheduler sees the failure."""

        def stamp() -> datetime | None:
            return clock.now() if clock is not None else None

        handle = RunHandle(self, run_id or self.start(job, at=stamp()))
        try:
            yield handle
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            self.finish(handle.id, status="failed", counts=handle.counts, error=error, at=stamp())
            raise
        self.finish(handle.id, status="succeeded", counts=handle.counts, at=stamp())

    def recent(self, *, limit: int = 50, job: str | None = None) -> list[ScheduleRun]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "select id, job, started_at, ended_at, status, counts, error"
                " from public.schedule_runs where (%(job)s::text is null or job = %(job)s)"
                " order by started_at desc limit %(limit)s",
                {"job": job, "limit": limit},
            ).fetchall()
        return [ScheduleRun.model_validate(row) for row in rows]


def _minutes(span: timedelta) -> str:
    return f"{span.total_seconds() / 60:g} min"
