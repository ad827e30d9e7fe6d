"""The stack below the browser, against an in-process simulated market: the API app, the
functions of template.yaml in a local runtime, the session's real Postgres."""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from sim.server import SimServer
from tests.conftest import REPO_ROOT
from walltrack.cli.market import SIM_API_KEY, SIM_EPOCH
from walltrack.config.clock import CLOCK_ENV, ScaledClock
from walltrack.runtime.clock import ManualClock
from walltrack.runtime.local import LocalRuntime

EPOCH = datetime.fromisoformat(SIM_EPOCH)


RELAXED = {
    "min_liquidity_usd": "0",
    "min_volume_24h_usd": "0",
    "min_txns_1h": 0,
    "max_pair_age_hours": 8760,
    "scheduled_scan": False,
}
"""token_discovery settings that let every sim token through the filters."""


def local_stack(
    sim: SimServer, monkeypatch: pytest.MonkeyPatch, *, exclude: Collection[str] = ()
) -> Iterator[tuple[TestClient, LocalRuntime]]:
    """Point every service at `sim`, start the runtime, empty the tables; business time starts
    at the market's (frozen) time and moves in real time."""
    from walltrack.api.app import create_app
    from walltrack.config.settings import get_settings
    from walltrack.data.postgres.pool import get_pool

    for name in (
        "DEXSCREENER_BASE_URL",
        "HELIUS_API_BASE_URL",
        "HELIUS_RPC_URL",
        "RUGCHECK_BASE_URL",
        "JUPITER_BASE_URL",
    ):
        monkeypatch.setenv(f"WALLTRACK_{name}", sim.base_url)
    monkeypatch.setenv("WALLTRACK_HELIUS_API_KEY", SIM_API_KEY)
    monkeypatch.setenv("WALLTRACK_JUPITER_API_KEY", SIM_API_KEY)
    monkeypatch.setenv("WALLTRACK_HELIUS_PLAN", "professional")
    monkeypatch.setenv(CLOCK_ENV, ScaledClock(EPOCH, time.time(), 1).encode())
    env = dict(os.environ)  # the template's parameter defaults fill only what is unset
    runtime = LocalRuntime(
        REPO_ROOT / "template.yaml",
        clock=ManualClock(EPOCH),
        exclude={"ApiFunction", *exclude},
        env=env,
        apply_env=True,
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    client = TestClient(create_app())
    with get_pool().connection() as conn:
        conn.execute(
            "truncate public.tokens, public.token_snapshots, public.schedule_runs,"
            " public.swaps, public.token_tapes, public.wallets, public.wallet_discoveries,"
            " public.wallet_profiles"
        )
        conn.execute("delete from public.step_settings")
    try:
        yield client, runtime
    finally:
        runtime.close()
