"""schedule_runs: every scheduled run leaves one row with its outcome."""

from __future__ import annotations

import pytest

from walltrack.data.postgres.pool import create_pool
from walltrack.data.postgres.schedule_runs import ScheduleRunRepository


@pytest.fixture
def runs(pg_url: str) -> ScheduleRunRepository:
    return ScheduleRunRepository(create_pool(pg_url, min_size=0, max_size=2))


def test_a_successful_run_records_its_counts(runs: ScheduleRunRepository) -> None:
    with runs.track("track_ok") as counts:
        counts["tokens"] = 12
    [run] = runs.recent(job="track_ok")
    assert run.status == "succeeded"
    assert run.counts == {"tokens": 12}
    assert run.ended_at is not None
    assert run.duration_s is not None
    assert run.duration_s >= 0


def test_a_failing_run_records_the_error_and_reraises(runs: ScheduleRunRepository) -> None:
    def failing_job() -> None:
        with runs.track("track_fail") as counts:
            counts["tokens"] = 3
            raise RuntimeError("upstream 503")

    with pytest.raises(RuntimeError, match="upstream 503"):
        failing_job()
    [run] = runs.recent(job="track_fail")
    assert run.status == "failed"
    assert run.error == "RuntimeError: upstream 503"
    assert run.counts == {"tokens": 3}
