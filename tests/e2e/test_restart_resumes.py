"""Ctrl-C in the middle of the pipeline, then `walltrack run` again on the same folder: the
market's clock goes on (token ages keep growing), the schedules fire on time, the profiles left
pending finish and no wallet is failed by the shutdown (issue 14, the acceptance's first line)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.e2e.conftest import Stack, start_stack, stop_stack

T = TypeVar("T")


def _get(stack: Stack, path: str, **params: Any) -> Any:
    response = httpx.get(f"{stack.base_url}{path}", params=params, headers=stack.auth, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _wait_for(what: str, probe: Callable[[], T | None], stack: Stack, timeout_s: float) -> T:
    """Poll `probe` until it gives something (bounded: a stall fails, naming `what`)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (found := probe()) is not None:
            return found
        time.sleep(1)
    raise AssertionError(f"no {what} within {timeout_s:.0f} s:\n{stack.log_tail()}")


def _ages(stack: Stack) -> tuple[datetime, dict[str, float]]:
    """Business time and each token's age in seconds, as the Discovery tab shows them."""
    page = _get(stack, "/discovery/tokens", limit=200)
    as_of = datetime.fromisoformat(page["as_of"])
    return as_of, {
        t["mint"]: (as_of - datetime.fromisoformat(t["pair_created_at"])).total_seconds()
        for t in page["items"]
        if t.get("pair_created_at")
    }


PENDING_SAMPLE = 25


def _status(stack: Stack, address: str) -> str:
    detail: dict[str, Any] = _get(stack, f"/wallets/{address}")
    return str(detail["wallet"]["status"])


def _wallets(stack: Stack, **params: Any) -> dict[str, Any]:
    page: dict[str, Any] = _get(stack, "/wallets", limit=200, **params)
    return page


def test_ctrl_c_mid_pipeline_then_a_restart_resumes_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # Given `walltrack run` started from a terminal (its own process group), its first scan
    # done and wallet profiles pending
    first = start_stack(data_dir, own_group=True)
    try:
        _wait_for("scanned token", lambda: _ages(first)[1] or None, first, 120)
        _wait_for(
            "pending wallet profile",
            lambda: _wallets(first)["pending"] or None,
            first,
            120,
        )
        stopped_at, ages_before = _ages(first)
        # (the wallets waiting for a profile when Ctrl-C comes: a sample, polled one by one)
        left_pending = sorted(w["address"] for w in _wallets(first, status="candidate")["items"])[
            :PENDING_SAMPLE
        ]
    finally:
        # When Ctrl-C reaches the whole group, as a terminal sends it, with profiles in flight
        code = stop_stack(first, group=True)
    assert code == 0, first.log_tail()

    # And `walltrack run` starts again on the same folder
    second = start_stack(data_dir, own_group=True)
    try:
        # Then business time went on from where it stopped, and every token got older
        resumed_at, ages_after = _ages(second)
        assert resumed_at >= stopped_at
        assert ages_before
        assert all(ages_after[mint] >= age for mint, age in ages_before.items())
        # And a schedule fires after the restart (its next run was not pushed into the future)
        fired = _wait_for(
            "scheduled run after the restart",
            lambda: next(
                (
                    run
                    for run in _get(second, "/status/schedule-runs", limit=50)
                    if datetime.fromisoformat(run["started_at"]) > stopped_at
                    and run["counts"].get("trigger") != "manual"
                ),
                None,
            ),
            second,
            120,
        )
        assert fired["job"]
        # And no wallet was failed by the shutdown
        assert _wallets(second, status="failed")["total"] == 0, second.log_tail()
        # And the profiles left pending finish (the market goes on at 60x, so new tokens keep
        # queueing new candidates: "nothing pending at all" would be a moving target)
        assert left_pending
        _wait_for(
            "the profiles left pending done",
            lambda: True if all(_status(second, a) == "profiled" for a in left_pending) else None,
            second,
            240,
        )
        assert _wallets(second, status="failed")["total"] == 0
    finally:
        stop_stack(second, group=True)
