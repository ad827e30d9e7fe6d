"""One scan + one refresh of ~500 simulated tokens through the real jobs (steps 1-2).

Run: .venv/bin/python bench/token_discovery.py [--plans free,developer] [--launches-per-day 500]

A scaled sim world (≥ 500 launched tokens) is served with the documented rate limits and a
profile feed that lists every launched token; filters are relaxed so (almost) all of them pass
into the tokens table. TokenDiscoveryJobs runs against it with an embedded Postgres in a temp
folder. Printed per Helius plan: wall time per phase, the run's counts, and requests per
endpoint group (from the sim's request log) with 429s and the busiest 60 s window.
Not run in CI: the safety gauntlet (DAS, largest accounts, RugCheck per token) takes minutes.
Measured 2026-11-30, 506 tokens: scan 512 s on the free and the developer Helius plan alike
(RugCheck's 1 req/s paces it: 60 in the busiest minute), refresh 6.5 s (17 tokens/v1 calls).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests.support

from sim.server import DOCUMENTED_LIMITS, SimConfig, SimServer
from sim.world import Scenario, World, build_world
from tests.support.database import truncate_all
from tests.support.stack import RELAXED
from walltrack.app.container import build_container
from walltrack.cli.market import SIM_API_KEY as SIM_KEY
from walltrack.cli.market import SIM_EPOCH
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.embedded import ensure_embedded_postgres, stop_embedded_postgres
from walltrack.data.postgres.migrations import apply_migrations
from walltrack.log import configure_logging
from walltrack.runtime.queues import MessageBody
from walltrack.services.helius.limits import DAS_RATE_BY_PLAN
from walltrack.services.rugcheck.client import REPORTS_RATE

GROUPS = ("dex_slow", "dex_fast", "helius", "rugcheck")


class CountingQueue:
    """Step 3's queue is not part of this benchmark: the announcements the outbox relays to it
    are only counted."""

    def __init__(self) -> None:
        self.count = 0

    def send(self, body: MessageBody) -> str:
        return self.send_many([body])[0]

    def send_many(self, bodies: Iterable[MessageBody]) -> list[str]:
        sent = [f"bench-{self.count + i}" for i, _ in enumerate(bodies)]
        self.count += len(sent)
        return sent


class TickingClock:
    """The market's frozen time, one second on per reading."""

    def __init__(self) -> None:
        self._ticks = itertools.count()
        self._epoch = datetime.fromisoformat(SIM_EPOCH)

    def now(self) -> datetime:
        return self._epoch + timedelta(seconds=next(self._ticks))


def _requests(sim: SimServer) -> dict[str, Any]:
    groups: dict[str, Any] = httpx.get(
        f"{sim.base_url}/__sim/requests", params={"log": "1"}, timeout=30
    ).json()["groups"]
    return groups


def _count(groups: dict[str, Any], group: str, status: int | None = None) -> int:
    rows = groups.get(group, {}).get("log", [])
    return sum(1 for row in rows if status is None or row[1] == status)


def _timed(label: str, fn: Callable[[], Any]) -> tuple[Any, float]:
    print(f"  {label} …", flush=True)
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def bench_plan(world: World, plan: str, data_dir: Path, pg_url: str) -> None:
    config = SimConfig(speed=0, rate_limits=dict(DOCUMENTED_LIMITS), feed_size=10_000)
    with SimServer(world, config) as sim:
        env = EnvSettings(
            _env_file=None,
            database_url=SecretStr(pg_url),
            data_dir=data_dir,
            dexscreener_base_url=sim.base_url,
            helius_api_base_url=sim.base_url,
            helius_rpc_url=sim.base_url,
            rugcheck_base_url=sim.base_url,
            helius_api_key=SecretStr(SIM_KEY),
            helius_plan=plan,
        )
        announced = CountingQueue()
        app = build_container(env, clock=TickingClock(), queues={"wallet_discovery": announced})
        truncate_all(app.db)
        app.step_settings.update("token_discovery", RELAXED)
        das = DAS_RATE_BY_PLAN[env.helius_plan]
        rug = REPORTS_RATE
        print(
            f"Helius plan {env.helius_plan}: DAS {das.requests}/{das.per_seconds:g} s; "
            f"RugCheck {rug.requests}/{rug.per_seconds:g} s",
            flush=True,
        )
        scan, scan_s = _timed("scan", app.token_jobs.scan)
        after_scan = _requests(sim)
        refresh, refresh_s = _timed("refresh", app.token_jobs.refresh)
        after_refresh = _requests(sim)
        app.close()

    print(
        f"  scan    {scan_s:8.1f} s  candidates {scan.candidates}, passed filters "
        f"{scan.passed_filters}, new {scan.new_tokens}, safety {scan.safety}, "
        f"malformed {scan.skipped_malformed}, announced {announced.count}"
    )
    print(
        f"  refresh {refresh_s:8.1f} s  active {refresh.active}, snapshots {refresh.snapshots}, "
        f"missing {refresh.missing}, dead {refresh.dead}, rugged {refresh.rugged}, "
        f"safety rechecked {refresh.safety_rechecked}"
    )
    print("  group      scan  refresh   429s  busiest 60 s (limit/min)")
    for group in GROUPS:
        scan_n = _count(after_scan, group)
        total = _count(after_refresh, group)
        stats = after_refresh.get(group, {})
        print(
            f"  {group:<9}{scan_n:6d}{total - scan_n:9d}{_count(after_refresh, group, 429):7d}"
            f"  {stats.get('maxPerWindow', 0)} ({DOCUMENTED_LIMITS[group]})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plans", default="free,developer", help="Helius plans, comma-separated")
    parser.add_argument("--launches-per-day", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    configure_logging(level="ERROR")

    started = time.perf_counter()
    world = build_world(Scenario(seed=args.seed, launches_per_day=args.launches_per_day))
    launched = sum(1 for t in world.tokens[1:] if t.created_ms <= world.now_ms)
    print(f"world: {launched} tokens launched, built in {time.perf_counter() - started:.1f} s")

    with tempfile.TemporaryDirectory(prefix="wt-bench-") as tmp:
        data_dir = Path(tmp)
        pg_url = ensure_embedded_postgres(data_dir)
        try:
            apply_migrations(pg_url)
            for plan in args.plans.split(","):
                bench_plan(world, plan.strip(), data_dir, pg_url)
        finally:
            stop_embedded_postgres(data_dir)


if __name__ == "__main__":
    main()
