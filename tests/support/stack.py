"""The stack below the browser, for integration tests: the API app and the functions of
template.yaml in a local runtime, over one container (the composition root) on the session's
Postgres, against a simulated market served on loopback."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.conftest import REPO_ROOT
from tests.support.database import truncate_all
from walltrack.api.app import create_app
from walltrack.app.container import Container, build_container, build_local_queue_store
from walltrack.app.process import bound
from walltrack.cli.market import SIM_API_KEY, SIM_EPOCH
from walltrack.clock import Clock, ManualClock, ScaledClock
from walltrack.config.settings import EnvSettings
from walltrack.data.models.messages import QueueName
from walltrack.runtime.local import LocalRuntime
from walltrack.runtime.queues import QueuePort
from walltrack.services.base import Transport

EPOCH = datetime.fromisoformat(SIM_EPOCH)
TEMPLATE = REPO_ROOT / "template.yaml"

RELAXED = {
    "min_liquidity_usd": "0",
    "min_volume_24h_usd": "0",
    "min_txns_1h": 0,
    "max_pair_age_hours": 8760,
    "scheduled_scan": False,
}
"""token_discovery settings that let every sim token through the filters."""

_QUEUE_URL_FIELDS = {
    "WALLTRACK_TOKEN_SCAN_QUEUE_URL": "token_scan_queue_url",
    "WALLTRACK_WALLET_DISCOVERY_QUEUE_URL": "wallet_discovery_queue_url",
    "WALLTRACK_WALLET_PROFILE_QUEUE_URL": "wallet_profile_queue_url",
    "WALLTRACK_CLUSTER_EVIDENCE_QUEUE_URL": "cluster_evidence_queue_url",
    "WALLTRACK_SIGNAL_SCORE_QUEUE_URL": "signal_score_queue_url",
    "WALLTRACK_POSITION_OPEN_QUEUE_URL": "position_open_queue_url",
    "WALLTRACK_ORDER_EXECUTE_QUEUE_URL": "order_execute_queue_url",
    "WALLTRACK_EXIT_CHECK_QUEUE_URL": "exit_check_queue_url",
    # not a queue: webhook_ingest's Function URL (as the runtime resolves it, below)
    "WALLTRACK_WEBHOOK_INGEST_URL": "webhook_ingest_url",
}
STACK_WEBHOOK_SECRET = "Bearer stack-webhook-secret-0123456789"
TEST_CLIENT_BASE = "http://testserver"
"""Where the stack's TestClient serves the API (and the runtime's Function URL routes)."""


def market_env(
    env: EnvSettings, base_url: str, *, helius_plan: str = "professional"
) -> EnvSettings:
    """`env` with every external service pointed at the simulated market at `base_url`."""
    return env.model_copy(
        update={
            "dexscreener_base_url": base_url,
            "helius_api_base_url": base_url,
            "helius_rpc_url": base_url,
            "rugcheck_base_url": base_url,
            "jupiter_base_url": base_url,
            "helius_api_key": SecretStr(SIM_API_KEY),
            "jupiter_api_key": SecretStr(SIM_API_KEY),
            "helius_plan": helius_plan,
            "jupiter_plan": "pro",
            # the authHeader a watchlist sync gives the sim's webhooks (and ingest checks)
            "webhook_auth_secret": env.webhook_auth_secret or SecretStr(STACK_WEBHOOK_SECRET),
        }
    )


def with_queue_urls(env: EnvSettings, variables: Mapping[str, str]) -> EnvSettings:
    """`env` with the queue URLs a runtime set in `variables` (as Lambda's environment)."""
    urls = {field: variables[var] for var, field in _QUEUE_URL_FIELDS.items() if var in variables}
    return env.model_copy(update=urls)


@dataclass
class Stack:
    client: TestClient
    runtime: LocalRuntime
    container: Container


@contextmanager
def local_stack(
    env: EnvSettings,
    *,
    market_url: str,
    exclude: Collection[str] = (),
    clock: Clock | None = None,
    transport: Transport | None = None,
    queues: Mapping[QueueName, QueuePort] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """template.yaml's functions (minus the API and `exclude`) in a local runtime on a manual
    clock, the API app, and one container for both, against the market at `market_url`;
    every table emptied first. Business time is `clock` (default: from the market's epoch,
    moving in real time); the runtime's schedules and queues run on their own manual clock,
    the queues kept in Postgres as under `walltrack run`. The API client sends `headers` (the
    `auth_headers` fixture: the API token)."""
    variables: dict[str, str] = {}
    runtime = LocalRuntime(
        TEMPLATE,
        clock=ManualClock(EPOCH),
        exclude={"ApiFunction", *exclude},
        env=variables,
        apply_env=True,
        queue_store=build_local_queue_store(env),
        function_url_base=TEST_CLIENT_BASE,
    )
    container = build_container(
        with_queue_urls(market_env(env, market_url), variables),
        clock=clock or ScaledClock(EPOCH, time.time(), 1),
        transport=transport,
        queues=queues,
    )
    runtime.invocation_scope = lambda: bound(container)
    truncate_all(container.db)
    try:
        yield Stack(
            TestClient(create_app(container), headers=dict(headers or {})), runtime, container
        )
    finally:
        runtime.close()
        container.close()
