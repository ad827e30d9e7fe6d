"""A profile that meets an outage is not a verdict on the wallet: the wallet stays pending and
its message is delivered again, and profiled once the market answers. A wallet's own failure
still fails it, and its error names that wallet. wallet_profile runs from its template.yaml
entry in the local runtime, against real Postgres and the simulated market over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from sim.server import SimConfig, SimServer, free_port
from sim.world import World
from tests.support.stack import Stack, local_stack
from walltrack.config.settings import EnvSettings
from walltrack.data.models.messages import WalletProfileRequested
from walltrack.data.models.wallet_discovery import WalletCandidate
from walltrack.data.postgres.database import Database
from walltrack.services.base import RetryPolicy

# One quick retry inside the client: the outage must outlast it, as a market that is gone does.
QUICK_RETRY = RetryPolicy(attempts=2, backoff_initial_s=0.01, backoff_max_s=0.01, jitter_s=0)
VISIBILITY_TIMEOUT_S = 1800  # template.yaml: WalletProfileQueue


@pytest.fixture
def market_port() -> int:
    """A loopback port with nothing listening on it yet: connections are refused."""
    return free_port()


@pytest.fixture
def outage_stack(
    base_env: EnvSettings,
    clean_db: Database,
    market_port: int,
    auth_headers: dict[str, str],
) -> Iterator[Stack]:
    with local_stack(
        base_env,
        market_url=f"http://127.0.0.1:{market_port}",
        headers=auth_headers,
        transport={"retry": QUICK_RETRY},
    ) as running:
        yield running


def _smart_wallet(world: World) -> str:
    truth = world.truth()["wallets"]
    return str(next(w["address"] for w in truth if w["label"] == "smart"))


def _request_profile(stack: Stack, wallet: str) -> None:
    """The wallet as a candidate (as discovery stores it) and its profile request queued."""
    at = datetime.now(UTC)
    candidate = WalletCandidate(
        wallet=wallet,
        mint="So11111111111111111111111111111111111111112",
        reasons=("early_buyer",),
        first_buy_at=None,
        bought_sol=Decimal(1),
        realised_pnl_sol=Decimal(0),
        trades=1,
    )
    assert stack.container.wallets.add_candidates([candidate], at=at, profiled_before=at)
    message = WalletProfileRequested.new(address=wallet)
    stack.runtime.queue("WalletProfileQueue").send(message.model_dump_json())


def _wallet(stack: Stack, wallet: str) -> dict[str, Any]:
    response = stack.client.get(f"/wallets/{wallet}")
    assert response.status_code == 200, response.text
    row: dict[str, Any] = response.json()["wallet"]
    return row


def test_a_profile_the_market_refuses_stays_pending_and_is_profiled_when_it_is_back(
    outage_stack: Stack, market_port: int, world: World
) -> None:
    stack, runtime = outage_stack, outage_stack.runtime
    wallet = _smart_wallet(world)
    # Given a wallet waiting for its profile, and no market listening (refused connections,
    # as when the market process has stopped)
    _request_profile(stack, wallet)
    # When wallet_profile handles its message
    runtime.run_until_idle()
    # Then the wallet is still pending, with no error: the outage is no verdict on it
    row = _wallet(stack, wallet)
    assert row["status"] == "candidate", row
    assert row["error"] is None
    # And its message was kept for redelivery, not dead-lettered
    queue = runtime.queue("WalletProfileQueue")
    assert [m.receive_count for m in queue.messages()] == [1]
    assert runtime.queue("WalletProfileDLQ").approximate_count() == 0
    # When the market is back and the message's visibility timeout has passed
    with SimServer(world, SimConfig(speed=0), port=market_port):
        runtime.clock.advance(VISIBILITY_TIMEOUT_S)  # type: ignore[attr-defined]
        runtime.run_until_idle()
    # Then the redelivery profiled the wallet and the queue is empty
    row = _wallet(stack, wallet)
    assert row["status"] == "profiled", row
    assert row["error"] is None
    assert queue.messages() == []


def test_a_wallets_own_failure_fails_it_and_names_it(
    outage_stack: Stack, market_port: int, world: World
) -> None:
    stack, runtime = outage_stack, outage_stack.runtime
    wallet = _smart_wallet(world)
    base = f"http://127.0.0.1:{market_port}"
    # Given the market up, but answering this wallet's history with a body that is not JSON
    with (
        SimServer(world, SimConfig(speed=0), port=market_port),
        respx.mock(assert_all_called=False) as router,
    ):
        router.get(f"{base}/v0/addresses/{wallet}/transactions").mock(
            return_value=httpx.Response(200, text="<html>busy</html>")
        )
        router.route().pass_through()
        _request_profile(stack, wallet)
        # When wallet_profile handles its message
        runtime.run_until_idle()
    # Then the wallet failed, and its error names it and says why
    row = _wallet(stack, wallet)
    assert row["status"] == "failed", row
    assert row["error"].startswith(f"profile of {wallet} failed: InvalidResponseError")
    assert "not JSON" in row["error"]
