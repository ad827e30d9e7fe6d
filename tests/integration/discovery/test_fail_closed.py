"""Fail closed (issue 15 item 4), through the real jobs of real containers, real Postgres and the
simulated market: with Helius refusing our key the scan's tokens are `pending` (not passing) and
the run is `degraded`, naming Helius; the next scan, or a refresh, retries them once Helius
answers again."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from sim.server import SimServer
from tests.support.stack import EPOCH, RELAXED, market_env
from walltrack.api.app import create_app
from walltrack.app.container import Container, build_container
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.database import Database

FEW_PASS = RELAXED | {"min_liquidity_usd": "20000"}
"""The small world's deep pools only: a few safety checks (RugCheck's rate makes each ~1 s)."""


class TickingClock:
    """Business time: the market's, one second on per reading."""

    def __init__(self) -> None:
        self._ticks = itertools.count()

    def now(self) -> datetime:
        return EPOCH + timedelta(seconds=next(self._ticks))


@pytest.fixture
def containers(
    base_env: EnvSettings, clean_db: Database, sim: SimServer
) -> Iterator[tuple[Container, Container]]:
    """Two containers on the same database and market: one whose Helius key the market refuses
    (as after a revoked or mistyped key), one with the right key (Helius is back)."""
    env, clock = market_env(base_env, sim.base_url), TickingClock()  # one business time
    refused = build_container(
        env.model_copy(update={"helius_api_key": SecretStr("revoked-key")}), clock=clock
    )
    healthy = build_container(env, clock=clock)
    healthy.step_settings.update("token_discovery", FEW_PASS)
    yield refused, healthy
    refused.close()
    healthy.close()


def _listed(client: TestClient, filters: str) -> dict[str, Any]:
    response = client.get("/discovery/tokens", params={"filters": filters, "limit": 500})
    assert response.status_code == 200, response.text
    listed: dict[str, Any] = response.json()
    return listed


def test_a_refused_helius_key_leaves_tokens_pending_and_the_run_degraded_naming_helius(
    containers: tuple[Container, Container],
    auth_headers: dict[str, str],
) -> None:
    refused, healthy = containers
    client = TestClient(create_app(refused), headers=auth_headers)
    # When a scan runs while Helius refuses our key
    report = refused.token_jobs.scan()
    # Then no token passed or merely warned: each is pending (or failed on what RugCheck said)
    assert report.passed_filters > 0
    assert report.safety["pending"] > 0
    assert report.safety["pass"] == report.safety["warn"] == 0
    # And the run is degraded, not succeeded, saying why and naming Helius
    [run] = refused.runs.recent(job="token_scan")
    assert run.status == "degraded"
    assert run.error is not None
    assert "helius unavailable" in run.error
    assert "401" in run.error
    assert "revoked-key" not in run.error  # the key is never echoed
    assert set(run.counts["unavailable"]) == {"helius"}
    assert run.counts["safety"]["pending"] == report.safety["pending"]
    # And the API lists them as pending, none as passing the safety checks (a token listed
    # as passing the filters failed them); each pending check names Helius
    passed = _listed(client, "passed")["items"]
    assert {t["safety"]["verdict"] for t in passed} <= {"fail"}
    pending = _listed(client, "pending")
    assert pending["total"] == report.safety["pending"]
    checks = pending["items"][0]["safety"]["checks"]
    waiting = [c for c in checks if c["outcome"] == "pending"]
    assert {c["name"] for c in waiting} >= {"mint_authority", "freeze_authority"}
    assert {c["upstream"] for c in waiting} == {"helius"}

    # When Helius is back and the next scan runs
    again = healthy.token_jobs.scan()
    # Then it retries every pending token and they settle; the run succeeded
    assert again.safety["pending"] == 0
    assert again.updated_tokens == report.passed_filters
    [latest, _] = healthy.runs.recent(job="token_scan")
    assert latest.status == "succeeded", latest.error
    healthy_client = TestClient(create_app(healthy), headers=auth_headers)
    assert _listed(healthy_client, "pending")["total"] == 0
    assert _listed(healthy_client, "passed")["total"] == report.passed_filters


def test_a_refresh_retries_pending_tokens_at_once(
    containers: tuple[Container, Container],
) -> None:
    refused, healthy = containers
    # Given tokens left pending by a scan while Helius refused our key
    pending = refused.token_jobs.scan().safety["pending"]
    assert pending > 0
    # When the refresh runs with Helius refusing still, long before the safety re-check is due
    still = refused.token_jobs.refresh()
    # Then it re-checked the pending tokens (they stay pending) and its run is degraded too
    assert still.safety_rechecked == still.safety_pending == pending
    assert refused.runs.recent(job="token_refresh")[0].status == "degraded"
    # When Helius is back, the next refresh settles them
    settled = healthy.token_jobs.refresh()
    assert settled.safety_rechecked == pending
    assert settled.safety_pending == 0
    assert healthy.runs.recent(job="token_refresh")[0].status == "succeeded"
    assert refused.runs.recent(job="token_refresh", status="degraded")
