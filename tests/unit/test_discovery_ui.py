"""Discovery tab texts: a scan's progress and outcome as the user reads them."""

from __future__ import annotations

from ui.discovery import run_progress


def test_a_running_scan_shows_its_stage_and_figures() -> None:
    running = {"status": "running", "counts": {"stage": "safety", "done": 3, "total": 9}}
    assert run_progress(running) == "Scan **running**: safety 3/9"


def test_a_finished_scan_sums_up_its_counts() -> None:
    finished = {
        "status": "succeeded",
        "counts": {
            "candidates": 40,
            "passed_filters": 12,
            "new_tokens": 5,
            "updated_tokens": 7,
            "skipped_malformed": 1,
            "deferred": 0,
        },
    }
    assert run_progress(finished) == (
        "Scan **finished**: 40 candidates, 12 passed the filters, 5 new, 7 updated,"
        " 1 malformed skipped"
    )


def test_a_scan_cut_short_says_how_many_tokens_wait_for_the_next_one() -> None:
    # Given a scan that ran out of time before 4 tokens' safety checks
    cut = {"status": "succeeded", "counts": {"passed_filters": 12, "new_tokens": 8, "deferred": 4}}
    # Then the summary says so
    assert run_progress(cut).endswith(
        "; **4 left for the next scan** (the run's time limit came before their safety checks)"
    )


def test_a_failed_scan_shows_its_error() -> None:
    failed = {"status": "failed", "error": "dexscreener unavailable"}
    assert run_progress(failed) == "Scan **failed**: dexscreener unavailable"
