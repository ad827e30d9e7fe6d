"""schedule_runs: every scheduled run leaves one row with its outcome."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import psycopg
import pytest

from walltrack.data.postgres.database import Database
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository

DEADLINE = timedelta(hours=3)


@pytest.fixture
def runs(clean_db: Database) -> ScheduleRunRepository:
    return ScheduleRunRepository(clean_db, deadline=DEADLINE)


def test_a_successful_run_records_its_counts(runs: ScheduleRunRepository) -> None:
    with runs.track("track_ok") as handle:
        handle.counts["tokens"] = 12
    [run] = runs.recent(job="track_ok")
    assert run.status == "succeeded"
    assert run.counts == {"tokens": 12}
    assert run.ended_at is not None
    assert run.duration_s is not None
    assert run.duration_s >= 0


def test_a_failing_run_records_the_error_and_reraises(runs: ScheduleRunRepository) -> None:
    def failing_job() -> None:
        with runs.track("track_fail") as run:
            run.counts["tokens"] = 3
            raise RuntimeError("upstream 503")

    with pytest.raises(RuntimeError, match="upstream 503"):
        failing_job()
    [run] = runs.recent(job="track_fail")
    assert run.status == "failed"
    assert run.error == "RuntimeError: upstream 503"
    assert run.counts == {"tokens": 3}


def test_progress_is_readable_while_running_and_kept_at_the_end(
    runs: ScheduleRunRepository,
) -> None:
    # Given a run started by a manual trigger
    run_id = runs.start("track_progress", counts={"trigger": "manual"})
    # When the job reports progress, then finishes with its figures
    runs.progress(run_id, {"stage": "safety", "done": 2, "total": 5})
    during = runs.get(run_id)
    with runs.track("track_progress", run_id=run_id) as run:
        run.counts["new_tokens"] = 4
    after = runs.get(run_id)
    # Then progress was visible mid-run and the final record keeps everything
    assert during is not None
    assert during.status == "running"
    assert during.counts == {"trigger": "manual", "stage": "safety", "done": 2, "total": 5}
    assert after is not None
    assert after.status == "succeeded"
    assert after.counts["new_tokens"] == 4
    assert after.counts["trigger"] == "manual"


def test_a_fanned_out_run_counts_each_item_once(runs: ScheduleRunRepository) -> None:
    # Given a run over two items
    run_id = runs.start("fan_out", counts={"tokens": 2, "tokens_done": 0})
    # When the first item is done twice (a redelivered message) and the second once
    first = runs.item_done(run_id, "a", {"tokens_done": 1, "swaps": 5})
    again = runs.item_done(run_id, "a", {"tokens_done": 1, "swaps": 5})
    second = runs.item_done(run_id, "b", {"tokens_done": 1, "swaps": 2, "errors": 1})
    # Then the redelivery is not counted and the sums add up across items
    assert first is not None
    assert first.counts == {"tokens": 2, "tokens_done": 1, "swaps": 5}
    assert again is None
    assert second is not None
    assert second.counts == {"tokens": 2, "tokens_done": 2, "swaps": 7, "errors": 1}
    # And a finished run takes no more items
    runs.finish(run_id, status="succeeded", counts={})
    assert runs.item_done(run_id, "c", {"tokens_done": 1}) is None


def test_a_run_silent_past_the_deadline_is_closed_as_failed(
    runs: ScheduleRunRepository, pg_url: str
) -> None:
    # Given a run whose invocation died 4 h ago, a run started 1 h ago (silent since), and
    # two runs started 4 h ago that show signs of life: an item counted, progress reported
    dead = runs.start("overdue_dead", counts={"tokens": 3, "tokens_done": 1})
    quiet = runs.start("overdue_quiet")
    fanned = runs.start("overdue_fanned", counts={"tokens": 9, "tokens_done": 0})
    scanning = runs.start("overdue_scanning")
    _silent_since(pg_url, {dead: 4 * HOUR, quiet: HOUR, fanned: 4 * HOUR, scanning: 4 * HOUR})
    runs.item_done(fanned, "token-1", {"tokens_done": 1})
    runs.progress(scanning, {"stage": "safety", "done": 40, "total": 90})
    # When any job starts a new run
    fresh = runs.start("overdue_next")
    # Then the dead run is failed with the reason and keeps its figures; the others run on
    closed = runs.get(dead)
    assert closed is not None
    assert closed.status == "failed"
    assert closed.ended_at is not None
    assert closed.error is not None
    assert closed.error.startswith("no sign of life for 180 min")
    assert closed.counts == {"tokens": 3, "tokens_done": 1}
    for run_id in (quiet, fanned, scanning, fresh):
        alive = runs.get(run_id)
        assert alive is not None
        assert alive.status == "running"
    # And a late item of the closed run is not counted any more
    assert runs.item_done(dead, "late-token", {"tokens_done": 1}) is None


def _silent_since(pg_url: str, spans: dict[UUID, timedelta]) -> None:
    """Set when runs last showed signs of life (the wall clock cannot be stepped)."""
    with psycopg.connect(pg_url) as conn:
        for run_id, span in spans.items():
            conn.execute(
                "update public.schedule_runs set heartbeat_at = now() - %s where id = %s",
                (span, run_id),
            )


HOUR = timedelta(hours=1)
