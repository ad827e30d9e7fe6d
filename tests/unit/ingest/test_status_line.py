"""Step 6's line on the Status tab: the pipeline state carries it (for the market-time window
the runs use) and the dashboard writes it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.unit.test_pipeline_state import NOW, Figures, Reads
from ui.status import ingest_markdown, pipeline_markdown
from walltrack.clock import ScaledClock
from walltrack.core.pipeline import PipelineMonitor
from walltrack.data.models.ingest import IngestStatus

LINE = IngestStatus(
    window_minutes=600,
    deliveries=1234,
    refused=3,
    malformed=1,
    too_large=0,
    swaps_new_webhook=456,
    last_reconcile_at=NOW,
    last_reconcile_status="succeeded",
    last_reconcile_recovered=7,
)


def test_the_pipeline_state_carries_the_ingest_line_over_the_business_window() -> None:
    # Given a market clock at 60x and a 10-minute wall window
    asked: list[timedelta] = []

    def ingest(window: timedelta) -> IngestStatus:
        asked.append(window)
        return LINE

    reads = Reads(Figures(since=NOW - timedelta(minutes=10), now=NOW), {})
    monitor = PipelineMonitor(
        reads,
        {},
        ScaledClock(NOW, time.time(), 60.0),
        helius_plan="developer",
        helius_rates={},
        ingest=ingest,
    )
    # When the state is read
    state = monitor.state(window_minutes=10)
    # Then the ingest line is in it, read over 600 minutes of market time
    assert state.ingest == LINE
    [window] = asked
    assert window == pytest.approx(timedelta(minutes=600), abs=timedelta(seconds=5))


def test_the_dashboard_writes_the_deliveries_and_the_last_reconcile() -> None:
    text = ingest_markdown(LINE.model_dump(mode="json"))
    assert "1,234 deliveries received, 3 refused" in text
    assert "1 malformed" in text
    assert "456 new swaps" in text
    assert "(succeeded), 7 swaps recovered" in text
    never = LINE.model_copy(update={"last_reconcile_at": None, "last_reconcile_status": None})
    assert "reconcile: not run yet" in ingest_markdown(never.model_dump(mode="json"))


def test_the_pipeline_text_includes_the_ingest_line_when_the_api_gives_it() -> None:
    state = {
        "market_time": NOW.isoformat(),
        "window_minutes": 10,
        "profiling": {},
        "ingest": LINE.model_dump(mode="json"),
    }
    assert "**Webhook ingest**" in pipeline_markdown(state)
    assert "Webhook ingest" not in pipeline_markdown(state | {"ingest": None})
