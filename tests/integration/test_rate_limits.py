"""An upstream plan's rate holds across concurrent invocations: several workers, each with a
container of its own (its own pool, clients and limiter objects, as separate Lambdas would
have), read Helius histories at once; the simulated market's request log shows no second over
the plan's limit. Only Postgres is shared between them (`rate_limit_slots`).

The workers and the market share one interpreter here, so a send may leave a fraction of a
second after its slot and arrive bunched with the next ones: the checks read the rate over the
whole run, and bursts over two-second windows with a few requests of slack."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx

from sim.server import SimServer, max_in_window
from sim.world import World
from tests.support.stack import market_env
from walltrack.app.container import build_container
from walltrack.app.markets import MarketPorts
from walltrack.config.settings import EnvSettings, HeliusPlan
from walltrack.data.models.wallet_discovery import AddressTransactions
from walltrack.data.postgres.database import Database
from walltrack.services.helius import DAS_RATE_BY_PLAN

PLAN: HeliusPlan = "developer"
WORKERS = 4
TOKENS_PER_WORKER = 2


def _busiest_mints(world: World, count: int) -> list[str]:
    traded = Counter(
        world.tokens[world.t_token[tx]].mint for tx in range(world.n_tx()) if world.t_token[tx] > 0
    )
    return [mint for mint, _ in traded.most_common(count)]


def _helius_arrivals(sim: SimServer) -> list[float]:
    log: dict[str, Any] = httpx.get(
        f"{sim.base_url}/__sim/requests", params={"log": "1"}, timeout=10
    ).json()["groups"]
    return [row[0] for row in log["helius"]["log"]]


def _reset_request_log(sim: SimServer) -> None:
    async def clear() -> None:
        sim.sim.requests.clear()

    sim.call(clear)


def test_concurrent_workers_together_keep_to_the_plans_rate(
    base_env: EnvSettings, clean_db: Database, sim: SimServer, world: World
) -> None:
    per_second = DAS_RATE_BY_PLAN[PLAN].requests  # 10 enhanced-transaction calls a second
    env = market_env(base_env, sim.base_url, helius_plan=PLAN)
    workers = [build_container(env) for _ in range(WORKERS)]
    mints = _busiest_mints(world, WORKERS * TOKENS_PER_WORKER)
    fetched: list[int] = []
    _reset_request_log(sim)

    def read_histories(index: int) -> None:
        app = workers[index]
        for mint in mints[index::WORKERS]:

            async def read(market: MarketPorts, mint: str = mint) -> AddressTransactions:
                return await market.transactions.transactions(mint, max_transactions=5_000)

            fetched.append(app.markets.run(read).fetched)

    # Given four workers of the developer plan, each on a container of its own
    # When they all read token histories at the same time
    threads = [threading.Thread(target=read_histories, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for app in workers:
        app.close()
    # Then every history was read, in pages of at most 100 transactions
    assert len(fetched) == len(mints)
    arrivals = sorted(_helius_arrivals(sim))
    assert len(arrivals) >= sum(-(-n // 100) for n in fetched) >= 3 * WORKERS
    # And the market saw them at the plan's rate: about 10 a second over the whole run, where
    # four unshared limiters send about 40
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    assert rate <= per_second * 1.1
    # And no burst: at most 20 in any two seconds, give or take four whose send a busy
    # interpreter delayed past their slot (unshared limiters: about 80)
    assert max_in_window(arrivals, 2.0) <= 2 * per_second + 4
