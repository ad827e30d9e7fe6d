"""Gap recovery end to end: the simulated market delivers a stretch of trading of 20 listed
wallets to webhook_ingest's Function URL (served over loopback HTTP, as `walltrack run` serves
it), dropping 20 % of its deliveries and duplicating 10 %; one reconcile run then stores what
was dropped, and every swap of a listed wallet in the stretch is stored exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import httpx

from sim.server import SimConfig, SimServer
from sim.webhooks import Faults
from sim.world import SWAP, World
from tests.integration.ingest.support import (
    SECRET,
    IngestStack,
    expected_keys,
    ingested_keys,
    list_wallets,
    served_function_urls,
    table_counts,
)
from tests.integration.sim.conftest import run_clock_to

SIM_SEED = 7
SIM_CONFIG = SimConfig(
    speed=0, tick_s=0.05, faults=Faults(drop=0.2, duplicate=0.1, retry_delay_s=0.05)
)
N_WALLETS = 20
STEP_MS = 20_000  # one tick (one or a few small deliveries) per 20 s of market time
STEPS = 60  # 20 minutes of trading


def _most_active(world: World, n: int) -> list[str]:
    traders = Counter(
        world.addr[world.t_wallet[tx]] for tx in range(world.n_tx()) if world.t_kind[tx] == SWAP
    )
    return [wallet for wallet, _ in traders.most_common(n)]


def test_after_one_reconcile_every_swap_of_a_listed_wallet_is_stored_exactly_once(
    ingest_stack: IngestStack, sim: SimServer, world: World
) -> None:
    container = ingest_stack.container
    wallets = _most_active(world, N_WALLETS)
    listed_since = datetime.fromtimestamp(world.now_ms / 1000, tz=UTC)
    list_wallets(container, wallets, since=listed_since)
    with served_function_urls(ingest_stack.runtime) as base:
        # Given a Helius webhook on 20 listed wallets, pointed at webhook_ingest's Function URL
        created = httpx.post(
            f"{sim.base_url}/v0/webhooks",
            params={"api-key": "sim-key"},
            json={
                "webhookURL": f"{base}/fn/WebhookIngestFunction/",
                "transactionTypes": ["ANY"],
                "accountAddresses": wallets,
                "webhookType": "enhanced",
                "authHeader": SECRET,
            },
            timeout=10,
        )
        assert created.status_code == 200, created.text
        hook = sim.sim.deliverer.hooks[created.json()["webhookID"]]
        first_tx = world.n_tx()
        # When 20 minutes of trading are delivered, 20 % of deliveries dropped, 10 % doubled
        for step in range(1, STEPS + 1):
            run_clock_to(sim, listed_since_ms(listed_since) + step * STEP_MS)
    counters = sim.sim.deliverer.counters
    assert counters["injectedDrops"] > 0
    assert counters["injectedDuplicates"] > 0
    assert counters["lostAfterRetries"] == 0  # only the injected drops are missing
    # The truth: every swap of a listed wallet since the listing, as a full history read gives
    since_ms = int(listed_since.timestamp()) * 1000  # reconcile reads whole seconds
    in_stretch = [tx for tx in range(world.n_tx()) if world.t_ts[tx] >= since_ms]
    truth = expected_keys(world, wallets, in_stretch)
    dropped = {key for key, tx in truth.items() if world.sigs.encode(tx) in set(hook.dropped)}
    before_hook = {key for key, tx in truth.items() if tx < first_tx}  # no webhook saw them
    delivered = ingested_keys(container, via="webhook")
    assert dropped, "some deliveries with swaps of listed wallets were dropped"
    assert delivered == set(truth) - dropped - before_hook
    # And one reconcile run
    report = container.reconcile.run()
    # Then every swap of a listed wallet in the stretch is stored exactly once, with one signal
    assert report.error is None
    assert report.wallets_done == N_WALLETS
    assert ingested_keys(container) == set(truth)
    counts = table_counts(container)
    assert counts["ingested_swaps"] == counts["signal_messages"] == len(truth)
    with container.db.connection() as conn:
        stored = conn.execute(
            "select count(*) as n from public.swaps where wallet = any(%s)", (wallets,)
        ).fetchone()
    assert stored is not None
    assert stored["n"] == len(truth)
    # And what it recovered is exactly what the market dropped (plus the swaps of the listing's
    # first second that came before the webhook existed), and it says how many
    assert ingested_keys(container, via="reconcile") == dropped | before_hook
    assert report.swaps_recovered == len(dropped | before_hook)
    status = container.reconcile.status()
    assert status.last_reconcile_recovered == report.swaps_recovered
    assert status.last_reconcile_status == "succeeded"
    # And a second run recovers nothing (the cursors moved; re-read overlaps are claimed once)
    again = container.reconcile.run()
    assert (again.error, again.swaps_recovered) == (None, 0)
    assert table_counts(container)["signal_messages"] == len(truth)


def listed_since_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
