"""One run per step at a time (issue 14 bug 4), enforced by Postgres: concurrent run requests
through the API start exactly one run, a scheduled tick that finds its step running records a
skipped run instead of a second one, and the rule holds for wallet discovery too."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from tests.support.stack import RELAXED, Stack
from walltrack.data.postgres.schedule_runs import RunAlreadyRunningError

STACK_EXCLUDE = ("WalletDiscoveryFunction", "WalletProfileFunction")
CONCURRENT = 8


def _post_together(stack: Stack, path: str, body: dict[str, Any] | None = None) -> list[Any]:
    """`CONCURRENT` POSTs released at the same moment (a barrier), each on its own thread."""
    barrier = threading.Barrier(CONCURRENT)

    def post(_: int) -> Any:
        barrier.wait(timeout=30)
        return stack.client.post(path, json=body)

    with ThreadPoolExecutor(CONCURRENT) as pool:
        return list(pool.map(post, range(CONCURRENT)))


def test_concurrent_scan_requests_start_exactly_one_run_and_all_get_its_id(
    stack: Stack,
) -> None:
    # Given no scan running
    stack.container.step_settings.update("token_discovery", RELAXED)
    # When eight clients ask for a scan at the same moment
    answers = _post_together(stack, "/discovery/tokens/run")
    # Then each gets 202 with the same run id; exactly one request started it
    assert {a.status_code for a in answers} == {202}, [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert len({b["run_id"] for b in bodies}) == 1
    assert sorted(b["started"] for b in bodies) == [False] * (CONCURRENT - 1) + [True]
    # And the database holds one scan run, with one request to token_scan behind it
    runs = stack.container.runs.recent(job="token_scan")
    assert [str(r.id) for r in runs] == [bodies[0]["run_id"]]
    assert stack.runtime.queue("TokenScanQueue").approximate_count() == 1
    # When that scan has run, a new request starts a new run
    stack.runtime.run_until_idle()
    assert stack.container.runs.get(runs[0].id).status == "succeeded"  # type: ignore[union-attr]
    again = stack.client.post("/discovery/tokens/run").json()
    assert again["started"] is True
    assert again["run_id"] != bodies[0]["run_id"]


def test_the_database_refuses_a_second_running_run_of_a_step(stack: Stack) -> None:
    # Given a token_scan run running
    runs = stack.container.runs
    first = runs.start("token_scan", exclusive=True)
    # When another one starts, with the callers' checks out of the way (straight to the table)
    # Then the partial unique index refuses it, naming the running run
    with pytest.raises(RunAlreadyRunningError) as refused:
        runs.start("token_scan", exclusive=True)
    assert refused.value.run_id == first
    # And a run of another step, or a per-token (not exclusive) run, is not held back
    runs.start("token_refresh", exclusive=True)
    runs.start("token_scan", exclusive=False)


def test_a_scheduled_scan_that_finds_one_running_is_recorded_skipped(stack: Stack) -> None:
    container = stack.container
    container.step_settings.update(
        "token_discovery", RELAXED | {"scheduled_scan": True, "scan_interval_minutes": 15}
    )
    # Given a scan started an hour ago (business time) and still running
    now = container.clock.now()
    running = container.runs.start("token_scan", at=now - timedelta(hours=1), exclusive=True)
    # When the schedule ticks (the interval has passed)
    report = container.token_jobs.scan_if_due()
    # Then no scan ran: a skipped run names the running one, which is untouched
    assert report is None
    newest = container.runs.recent(job="token_scan")
    assert [r.status for r in newest] == ["skipped", "running"]
    assert str(running) in (newest[0].error or "")
    # And the skip counts as the schedule's start: the next tick does not skip again
    assert container.token_jobs.scan_if_due() is None
    assert len(container.runs.recent(job="token_scan")) == 2


def test_concurrent_wallet_discovery_requests_start_one_run(stack: Stack) -> None:
    # Given a scan that stored tokens (its announcements stay queued: step 3 is left out)
    stack.container.step_settings.update("token_discovery", RELAXED)
    stack.client.post("/discovery/tokens/run")
    stack.runtime.run_until_idle()
    # When eight clients ask for a discovery of every token at the same moment
    answers = _post_together(stack, "/discovery/wallets/run", {})
    # Then one run started; every answer names it and its token count
    assert {a.status_code for a in answers} == {202}, [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert len({b["run_id"] for b in bodies}) == 1
    assert sum(b["started"] for b in bodies) == 1
    assert len({b["tokens"] for b in bodies}) == 1
    manual = stack.container.runs.recent(job="wallet_discovery", exclusive=True)
    assert len(manual) == 1
