"""Fail closed and one scan at a time, in a real browser against `walltrack run` whose simulated
market refuses our Helius key (as after a revoked key): the Run button is disabled while the
scan runs, a second request gets the running scan, and the dashboard says the scan is degraded,
names Helius and lists the tokens left pending."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack, start_stack, stop_stack


@pytest.fixture(scope="module")
def refused_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The market expects another key than the one the product holds: every Helius call is a
    401 (RugCheck and DexScreener, keyless, answer as usual)."""
    running = start_stack(
        tmp_path_factory.mktemp("refused"),
        {"WALLTRACK_SIM_ARGS": "--api-key=revoked-elsewhere", "WALLTRACK_SIM_SPEED": "0"},
    )
    yield running
    stop_stack(running)


def _running_scans(stack: Stack) -> list[Any]:
    params: dict[str, Any] = {"job": "token_scan", "status": "running", "exclusive": "true"}
    answer = httpx.get(
        f"{stack.base_url}/status/schedule-runs", headers=stack.auth, params=params, timeout=10
    )
    runs: list[Any] = answer.json()
    return runs


def test_a_scan_helius_refuses_is_degraded_its_tokens_pending_and_one_runs_at_a_time(
    page: Any, refused_stack: Stack
) -> None:
    stack = refused_stack
    settings = {"scheduled_scan": False, "min_liquidity_usd": "20000"}  # a few deep pools
    assert (
        httpx.put(
            f"{stack.base_url}/config/token_discovery", headers=stack.auth, json=settings
        ).status_code
        == 200
    )
    page.goto(f"{stack.base_url}/ui/")
    page.get_by_role("tab", name="Discovery").click()
    button = page.locator("#discovery-run")
    # Given no scan running (the first start's scan, if any, has ended)
    button.get_by_text("Run scan").wait_for(timeout=90_000)
    # When Run is clicked
    button.click()
    # Then the button says a scan runs and cannot be clicked while it does
    button.get_by_text("Scan running…").wait_for()
    assert button.is_disabled()
    # And a second request meanwhile gets the running scan, starting none
    running = _running_scans(stack)
    if running:  # (the scan may already have ended on a fast machine)
        again = httpx.post(
            f"{stack.base_url}/discovery/tokens/run", headers=stack.auth, timeout=10
        ).json()
        assert again["started"] is False
        assert again["run_id"] == running[0]["id"]
    # When the scan ends
    progress = page.locator("#scan-progress")
    progress.get_by_text("degraded").wait_for(timeout=90_000)
    # Then the page says it is degraded, names Helius and the tokens left pending
    text = progress.inner_text()
    assert "tokens pending" in text
    assert "helius unavailable" in text
    button.get_by_text("Run scan").wait_for()
    assert button.is_enabled()
    # And the "safety pending" filter lists them, none as passing
    page.locator("#filter-passing input").click()
    page.get_by_role("option", name="safety pending").click()
    page.wait_for_function(
        "() => /[1-9]\\d* tokens/.test(document.querySelector('#tokens-count').innerText)"
    )
    assert "pending" in page.locator("#tokens-table").inner_text()
    # And the Status tab shows the run degraded, with the reason naming Helius
    page.get_by_role("tab", name="Status").click()
    page.locator("#status-refresh").click()
    page.wait_for_function(
        "() => ['degraded', 'helius unavailable'].every("
        "w => document.querySelector('#runs-table').innerText.includes(w))"
    )
