"""When a scan or refresh is degraded (fail closed, issue 15 item 4): the reason its run records."""

from __future__ import annotations

from walltrack.core.discovery.scan import RefreshReport, ScanReport

HELIUS_401 = "mint authority: could not run (helius: HTTP 401)"


def test_a_scan_whose_checks_all_ran_is_not_degraded() -> None:
    # Given a scan that judged tokens with every upstream answering (a fail is a verdict)
    report = ScanReport(safety={"pass": 2, "warn": 1, "fail": 1, "pending": 0})
    # Then it is not degraded
    assert report.degraded is None


def test_a_scan_with_pending_tokens_is_degraded_naming_the_upstream_and_the_count() -> None:
    # Given a scan where Helius refused our key for three tokens
    report = ScanReport(
        safety={"pass": 0, "warn": 0, "fail": 1, "pending": 3},
        unavailable={"helius": HELIUS_401},
    )
    # When its reason is read
    reason = report.degraded
    # Then it names the upstream, the pending tokens, the retry and what Helius said
    assert reason is not None
    assert reason.startswith("safety checks could not run (helius unavailable): 3 tokens left")
    assert "retried by the next scan or refresh" in reason
    assert HELIUS_401 in reason


def test_a_refresh_whose_rechecks_could_not_run_is_degraded() -> None:
    # Given a refresh that re-checked one pending token, RugCheck and Helius both down
    report = RefreshReport(
        safety_rechecked=1,
        safety_pending=1,
        unavailable={"rugcheck": "rugcheck: HTTP 503", "helius": HELIUS_401},
    )
    reason = report.degraded
    # Then both upstreams are named, in a stable order, and the token count is singular
    assert reason is not None
    assert "(helius, rugcheck unavailable): 1 token left pending" in reason
    assert RefreshReport(safety_rechecked=4).degraded is None
