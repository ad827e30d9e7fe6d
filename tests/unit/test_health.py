"""Component health: status and latency per component, concurrent, with a deadline."""

from __future__ import annotations

import threading

from walltrack.core.health import check_health


def test_all_up_is_ok() -> None:
    report = check_health({"postgres": lambda: None, "graph": lambda: None})
    assert report.status == "ok"
    assert report.down == []
    assert all(c.latency_ms >= 0 for c in report.components.values())


def test_a_failing_probe_is_down_with_its_error() -> None:
    def broken() -> None:
        raise ConnectionError("connection refused")

    report = check_health({"postgres": broken, "graph": lambda: None})
    assert report.status == "degraded"
    assert report.down == ["postgres"]
    assert "connection refused" in (report.components["postgres"].error or "")


def test_a_hung_probe_counts_as_down_after_the_deadline() -> None:
    release = threading.Event()
    report = check_health({"graph": lambda: release.wait(5)}, timeout_s=0.2)
    release.set()
    assert report.components["graph"].status == "down"
    assert report.components["graph"].error == "timed out"
