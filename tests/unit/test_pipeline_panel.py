"""The Status tab's pipeline panel as text (ui.status): whole counts, readable rates, ETAs and
the market clock, and the profiling line a user reads to see where the time goes."""

from __future__ import annotations

from typing import Any

from ui.status import (
    count_text,
    eta_text,
    pipeline_markdown,
    pipeline_rows,
    pipeline_table,
    rate_text,
)


def _state(**profiling: Any) -> dict[str, Any]:
    return {
        "market_time": "2026-03-10T14:02:31.123456+00:00",
        "measured_at": "2026-12-06T22:00:00.5+00:00",
        "window_minutes": 10,
        "window_seconds": 612.5,
        "steps": [
            {
                "step": "wallet_profile",
                "label": "Wallet profiles",
                "queued": 12345,
                "in_flight": 2,
                "failed": 3,
                "done": 20,
                "per_minute": 2.0,
                "eta_seconds": 370_000.0,
                "running": None,
                "error": None,
            },
            {
                "step": "token_scan",
                "label": "Token scan",
                "queued": 0,
                "in_flight": 0,
                "failed": 0,
                "done": 0,
                "per_minute": 0.0,
                "eta_seconds": 0.0,
                "running": {
                    "id": "r",
                    "started_at": "2026-03-10T14:00:00+00:00",
                    "counts": {"stage": "safety", "done": 3, "total": 10},
                },
                "error": None,
            },
            {
                "step": "token_refresh",
                "label": "Token refresh",
                "queued": None,
                "in_flight": None,
                "failed": 0,
                "done": 4,
                "per_minute": 0.4,
                "eta_seconds": None,
                "running": None,
                "error": None,
            },
        ],
        "profiling": {
            "helius_plan": "developer",
            "profiles": 20,
            "upstreams": [],
            "binding": profiling or None,
        },
    }


def test_rows_show_whole_counts_rates_and_etas_as_people_read_them() -> None:
    # Given a busy profiling queue, a running scan and the refresh (no queue)
    rows = pipeline_rows(_state())
    # Then counts are whole with separators, a rate has one decimal under 10, the ETA reads
    # as a duration, a running run shows its progress, and a step with no queue shows '—'
    assert rows[0] == ["Wallet profiles", "12,345", "2", "3", "20", "2.0", "4 d", ""]
    assert rows[1][6] == "idle"
    assert rows[1][7] == "running: stage safety · done 3 · total 10"
    assert rows[2][1:3] == ["—", "—"]
    assert rows[2][5] == "0.4"


def test_an_eta_without_a_rate_says_so_only_when_work_waits() -> None:
    assert eta_text({"queued": 5, "in_flight": 0, "eta_seconds": None}) == "no rate yet"
    assert eta_text({"queued": None, "in_flight": None, "eta_seconds": None}) == "—"
    assert eta_text({"queued": 0, "in_flight": 0, "eta_seconds": 0.0}) == "idle"
    assert eta_text({"queued": 3, "in_flight": 1, "eta_seconds": 150.0}) == "2 min"
    assert (count_text(None), count_text(0), count_text(1234567)) == ("—", "0", "1,234,567")
    assert (rate_text(0.0), rate_text(12.4), rate_text(1250.0)) == ("0", "12", "1,250")


def test_the_summary_names_the_market_clock_and_profilings_ceiling() -> None:
    # Given 12 DAS calls a profile on the developer plan (10/s): at most 50 profiles a minute
    text = pipeline_markdown(
        _state(
            account="helius:das",
            requests=240,
            per_profile=12.0,
            plan_rate_per_s=10.0,
            profiles_per_minute_max=50.0,
        )
    )
    # Then the market clock reads to the second (no microseconds, no 'T') and the profiling
    # line reads "N Helius calls per profile · plan rate R/s → at most P profiles/min"
    assert "**Market clock** 2026-03-10 14:02:31 UTC" in text
    assert ".123456" not in text
    assert (
        "12.0 Helius calls per profile (helius:das) · plan rate 10/s (developer)"
        " → at most 50 profiles/min (20 profiles in the window)"
    ) in text


def test_before_any_profile_the_summary_counts_the_calls_and_an_api_failure_says_so() -> None:
    early = pipeline_markdown(
        _state(account="helius:das", requests=1500, per_profile=None, plan_rate_per_s=10.0)
    )
    assert "no profile finished in the window yet; 1,500 Helius calls" in early
    assert "no Helius call in the window" in pipeline_markdown(_state())
    assert "did not answer (API unreachable" in pipeline_markdown(None, "API unreachable at x")
    assert pipeline_rows(None) == []


def test_the_table_is_markdown_with_one_row_per_step_and_its_text_kept_as_written() -> None:
    # Given a state whose refresh row reports an error with Markdown's own characters
    state = _state()
    state["steps"][2]["error"] = "sqs: queue_name | *bad*"
    # When it is drawn as a table
    lines = pipeline_table(state).splitlines()
    # Then: a header, the alignment row, one line per step, the error's characters escaped
    assert lines[0] == "| step | queued | in flight | failed | done | per min | ETA | running |"
    assert len(lines) == 2 + 3
    assert lines[2].startswith("| Wallet profiles | 12,345 | 2 | 3 | 20 | 2.0 | 4 d |")
    assert "sqs: queue\\_name \\| \\*bad\\*" in lines[4]
    assert pipeline_table(None) == ""
