"""Status tab texts: readable times and ages, compact counts, errors in full, profiling."""

from __future__ import annotations

from datetime import UTC, datetime

from ui.status import (
    counts_text,
    failures_markdown,
    profiling_markdown,
    readable_time,
    run_rows,
    schedule_rows,
)

NOW = datetime(2026, 12, 6, 14, 5, 32, tzinfo=UTC)


def test_a_time_is_shown_to_the_second_with_its_age() -> None:
    # Given an API timestamp with microseconds / When shown / Then no microseconds, and an age
    assert readable_time("2026-12-06T14:02:31.407845Z", NOW) == "2026-12-06 14:02:31 (3 min ago)"


def test_a_time_to_come_says_in_how_long() -> None:
    assert readable_time("2026-12-06T16:10:31+00:00", NOW) == "2026-12-06 16:10:31 (in 2 h 04 min)"


def test_a_time_in_another_offset_is_shown_in_utc() -> None:
    assert readable_time("2026-12-06T15:02:31+01:00") == "2026-12-06 14:02:31"


def test_a_missing_time_shows_the_placeholder_given() -> None:
    assert readable_time(None, NOW, empty="never") == "never"


def test_a_finished_runs_counts_drop_zeros_and_progress_bookkeeping() -> None:
    counts = {
        "stage": "safety",
        "done": 6,
        "total": 6,
        "candidates": 80,
        "passed_filters": 6,
        "new_tokens": 0,
        "safety": {"pass": 5, "warn": 1, "fail": 0},
    }
    assert counts_text(counts) == "candidates 80 · passed filters 6 · safety: pass 5, warn 1"


def test_a_running_runs_counts_keep_its_progress() -> None:
    assert counts_text({"stage": "safety", "done": 2, "total": 6}, running=True) == (
        "stage safety · done 2 · total 6"
    )


def test_run_rows_show_readable_times_durations_and_cut_long_errors() -> None:
    # Given a failed run with a long error
    run = {
        "job": "token_scan",
        "status": "failed",
        "started_at": "2026-12-06T14:02:31.5Z",
        "ended_at": "2026-12-06T14:04:01.5Z",
        "counts": {"candidates": 3},
        "error": "x" * 200,
    }
    # When it becomes a row
    (row,) = run_rows([run], NOW)
    # Then the time is readable, the duration human and the error cut (shown in full above)
    assert row[:5] == [
        "token_scan",
        "failed",
        "2026-12-06 14:02:31 (3 min ago)",
        "1 min",
        "candidates 3",
    ]
    assert len(row[5]) == 60
    assert row[5].endswith("…")
    assert "x" * 200 in failures_markdown([run], NOW)


def test_no_problem_no_problem_list() -> None:
    run = {"job": "token_scan", "status": "succeeded", "started_at": "2026-12-06T14:02:31Z"}
    assert failures_markdown([run], NOW) == ""


def test_schedule_rows_show_never_for_a_job_not_run_yet() -> None:
    schedule = {"job": "token_scan", "enabled": True, "interval_minutes": 60}
    assert schedule_rows([schedule], NOW) == [["token_scan", "yes", "60 min", "never", "—"]]


def test_profiling_activity_shows_its_figures_latest_profile_and_a_failure() -> None:
    # Given three pages of GET /wallets (everyone, profiled newest first, failed)
    everyone = {"total": 120, "pending": 69, "items": [], "as_of": "2026-12-06T14:05:31Z"}
    profiled = {"total": 48, "items": [{"profiled_at": "2026-12-06T14:05:01Z"}]}
    failed = {"total": 3, "items": [{"address": "Wa11et", "error": "helius 429"}]}
    # When summed up
    text = profiling_markdown(everyone, profiled, failed, NOW)
    # Then each figure is there, with the latest profile's age and a failure's reason
    assert "48 profiled · 69 waiting for a profile · 3 failed · 120 wallets found" in text
    assert "Last profile: 2026-12-06 14:05:01 (31 s ago)" in text
    assert "`Wa11et`: helius 429" in text


def test_profiling_activity_before_any_profile_says_so() -> None:
    empty = {"total": 0, "pending": 0, "items": []}
    assert "No wallet profiled yet." in profiling_markdown(empty, empty, empty, NOW)
