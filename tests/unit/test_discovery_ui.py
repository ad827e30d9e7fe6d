"""Discovery tab texts: a scan's progress and outcome as the user reads them."""

from __future__ import annotations

from ui.discovery import (
    REJECTED_COLUMN_WIDTHS,
    REJECTED_HEADERS,
    RUN_LABEL,
    TOKEN_HEADERS,
    button_state,
    run_progress,
    safety_markdown,
    snapshots_text,
    token_table,
)
from walltrack.data.models.step_settings import TokenDiscoverySettings


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


def test_a_degraded_scan_says_how_many_tokens_are_pending_and_which_upstream_failed() -> None:
    # Given a scan whose safety checks could not run: Helius refused our key
    degraded = {
        "status": "degraded",
        "error": "safety checks could not run (helius unavailable): 3 tokens left pending",
        "counts": {
            "candidates": 10,
            "passed_filters": 3,
            "new_tokens": 3,
            "safety": {"pass": 0, "warn": 0, "fail": 0, "pending": 3},
            "unavailable": {"helius": "helius: HTTP 401"},
        },
    }
    # When its outcome is shown
    text = run_progress(degraded)
    # Then it is called degraded (not finished), with the pending tokens and the upstream named
    assert text.startswith("Scan **degraded**: 10 candidates, 3 passed the filters")
    assert "**3 tokens pending**" in text
    assert "(helius unavailable)" in text
    assert "do not pass until the next scan or refresh" in text


def test_a_pending_token_detail_says_which_checks_could_not_run_and_that_it_does_not_pass() -> None:
    token = {
        "mint": "MintPending1111",
        "symbol": "PEND",
        "status": "active",
        "safety": {
            "verdict": "pending",
            "checks": [
                {
                    "name": "mint_authority",
                    "outcome": "pending",
                    "detail": "mint authority: could not run (helius: HTTP 401)",
                    "upstream": "helius",
                },
                {"name": "rugcheck", "outcome": "pass", "detail": "RugCheck score 1/100"},
            ],
        },
    }
    text = safety_markdown(token)
    assert "Safety verdict: **pending**" in text
    assert "could not run (helius unavailable): this token does not pass" in text
    assert "| mint_authority | pending | mint authority: could not run (helius: HTTP 401) |" in text


def test_the_run_button_is_disabled_and_says_so_while_a_scan_runs() -> None:
    assert button_state(running=True) == {"value": "Scan running…", "interactive": False}
    assert button_state(running=False) == {"value": "Run scan", "interactive": True}


def test_rejected_by_filters_lists_each_token_with_its_reasons() -> None:
    # Given a page of the "rejected by filters" view: a token the scan saw once, never checked
    body = {
        "as_of": "2026-03-10T14:00:00+00:00",
        "items": [
            {
                "mint": "Thin1111",
                "symbol": "THIN",
                "pair_created_at": "2026-03-10T13:50:00+00:00",
                "market": {"liquidity_usd": "10", "volume_h24_usd": "90000"},
                "safety": None,
                "filters_passed": False,
                "filter_reasons": ["liquidity USD 10 < 10000", "age 10 min < 15"],
                "status": "active",
            }
        ],
    }
    # When tabled for that view
    table = token_table(body, rejected=True)
    # Then its columns say why, one row per token, the reasons joined
    assert list(table.columns) == REJECTED_HEADERS
    assert len(REJECTED_COLUMN_WIDTHS) == len(REJECTED_HEADERS)
    row = table.iloc[0]
    assert row["rejected because"] == "liquidity USD 10 < 10000; age 10 min < 15"
    assert row["mint"] == "Thin1111"
    assert row["liquidity (USD)"] == "10"
    # And the passing view keeps its own columns
    assert list(token_table(body, rejected=False).columns) == TOKEN_HEADERS


def test_a_token_without_snapshots_says_no_data_yet_instead_of_empty_axes() -> None:
    assert "no data yet" in snapshots_text(0)
    assert snapshots_text(1) == "**1 snapshot**"


def test_the_scan_settings_help_names_the_button_the_discovery_tab_shows() -> None:
    # Given the token scan's settings and the Discovery tab's run button
    help_text = TokenDiscoverySettings.model_fields["scheduled_scan"].description or ""
    # Then the help text names that button as the user sees it
    assert RUN_LABEL in help_text
