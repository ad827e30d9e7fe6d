"""The composition root's wiring, without servers: each client gets its configured URL and key,
and every client of one upstream account shares that account's one limiter, at the plan's
rate (tests/integration/test_rate_limits.py shows the sharing hold across processes)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from psycopg import Connection
from psycopg.rows import DictRow
from psycopg_pool import ConnectionPool
from pydantic import SecretStr

from walltrack.app.container import Container
from walltrack.app.outbox import QueuePorts
from walltrack.app.rate_limits import SharedRateLimiter, upstream_accounts
from walltrack.clock import ManualClock
from walltrack.config.settings import EnvSettings, HeliusPlan
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.rate_limits import RateLimitSlots
from walltrack.errors import DependencyUnavailableError
from walltrack.runtime.queues import queue_port_for
from walltrack.services.base import RateLimit

KEY = "k" * 36


def _container(env: EnvSettings) -> Container:
    """A container whose pool is never opened (nothing here touches the database)."""
    pool: ConnectionPool[Connection[DictRow]] = ConnectionPool(
        "postgresql://127.0.0.1:9/none", open=False
    )
    db = Database(pool)
    return Container(
        env=env,
        clock=ManualClock(),
        db=db,
        queues=QueuePorts({"wallet_profile": None}, queue_port_for),
        limiters={
            account: SharedRateLimiter(RateLimitSlots(db), account, limit)
            for account, limit in upstream_accounts(env).items()
        },
    )


def _limiter(client: Any, group: str) -> SharedRateLimiter:
    limiter = client._limiters[group]
    assert isinstance(limiter, SharedRateLimiter)
    return limiter


@pytest.mark.parametrize(
    ("plan", "das", "rpc"),
    [
        ("free", RateLimit(2, 1.0), RateLimit(10, 1.0)),
        ("developer", RateLimit(10, 1.0), RateLimit(50, 1.0)),
        ("business", RateLimit(50, 1.0), RateLimit(200, 1.0)),
        ("professional", RateLimit(100, 1.0), RateLimit(500, 1.0)),
    ],
)
def test_helius_accounts_keep_to_the_configured_plan(
    plan: HeliusPlan, das: RateLimit, rpc: RateLimit
) -> None:
    accounts = upstream_accounts(EnvSettings(_env_file=None, helius_plan=plan))
    assert (accounts["helius:das"], accounts["helius:rpc"]) == (das, rpc)


def test_fixed_and_key_dependent_accounts() -> None:
    keyless = upstream_accounts(EnvSettings(_env_file=None))
    keyed = upstream_accounts(EnvSettings(_env_file=None, jupiter_api_key=SecretStr(KEY)))
    assert keyless["dexscreener:profiles"] == RateLimit(60, 60.0)
    assert keyless["dexscreener:pairs"] == RateLimit(300, 60.0)
    assert keyless["rugcheck"] == RateLimit(1, 1.0)
    assert keyless["jupiter"] == RateLimit(30, 60.0)  # keyless Jupiter: 0.5 req/s
    assert keyed["jupiter"] == RateLimit(60, 60.0)
    developer = EnvSettings(_env_file=None, jupiter_plan="developer")
    assert upstream_accounts(developer)["jupiter"] == RateLimit(600, 60.0)


def test_market_clients_get_their_urls_keys_and_the_accounts_shared_limiters() -> None:
    # Given settings naming every service and a developer-plan Helius key
    env = EnvSettings(
        _env_file=None,
        dexscreener_base_url="http://127.0.0.1:9/dex/",
        helius_api_base_url="http://127.0.0.1:9/helius/",
        helius_rpc_url="http://127.0.0.1:9/rpc",
        rugcheck_base_url="http://127.0.0.1:9/rc",
        jupiter_base_url="http://127.0.0.1:9/jup",
        helius_api_key=SecretStr(KEY),
        helius_plan="developer",
    )
    container = _container(env)
    # When the composition root builds one thread's market clients
    ports, close = container.open_market_ports()
    dex = ports.candidates._dex
    das = ports.safety._das
    rugcheck = ports.safety._rugcheck
    helius = ports.transactions._client
    jupiter = ports.prices._client
    # Then each talks to its configured URL, Helius with the key
    assert dex.base_url == "http://127.0.0.1:9/dex"
    assert das.base_url == "http://127.0.0.1:9/rpc"
    assert helius.base_url == "http://127.0.0.1:9/helius"
    assert rugcheck.base_url == "http://127.0.0.1:9/rc"
    assert jupiter.base_url == "http://127.0.0.1:9/jup"
    assert helius._key_params == {"api-key": KEY}
    # And DAS and enhanced transactions draw on the one Helius account limiter (the plan's
    # shared 10 req/s), as do all clients of every other account
    assert _limiter(das, "das") is _limiter(helius, "enhanced") is container.limiters["helius:das"]
    assert _limiter(das, "das").limit == RateLimit(10, 1.0)
    assert _limiter(das, "rpc") is container.limiters["helius:rpc"]
    assert _limiter(dex, "profiles") is container.limiters["dexscreener:profiles"]
    assert _limiter(dex, "pairs") is container.limiters["dexscreener:pairs"]
    assert _limiter(rugcheck, "reports") is container.limiters["rugcheck"]
    assert _limiter(jupiter, "jupiter") is container.limiters["jupiter"]
    # And a second thread's clients draw on the same limiters, never their own
    again, close_again = container.open_market_ports()
    assert _limiter(again.safety._das, "das") is _limiter(das, "das")
    asyncio.run(close())
    asyncio.run(close_again())


def test_a_queue_this_function_was_not_given_is_a_clear_error() -> None:
    container = _container(EnvSettings(_env_file=None))
    with pytest.raises(DependencyUnavailableError, match="WALLTRACK_WALLET_PROFILE_QUEUE_URL"):
        container.queues.port("wallet_profile")
