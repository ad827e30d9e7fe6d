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
import os
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from sim.server import DOCUMENTED_LIMITS, SimConfig, SimServer
from sim.world import Scenario, World, build_world

SIM_EPOCH = "2026-03-10T14:00:00+00:00"  # the sim's T0 (walltrack.cli.market.SIM_EPOCH)
SIM_KEY = "sim-key"
RELAXED: dict[str, Any] = {
    "min_liquidity_usd": "0",
    "min_volume_24h_usd": "0",
    "min_txns_1h": 0,
    "max_pair_age_hours": 8760,
    "scheduled_scan": False,
}
GROUPS = ("dex_slow", "dex_fast", "helius", "rugcheck")


class NullOutbox:
    """Step 3's queue is not part of this benchmark: announcements are only counted."""

    def __init__(self) -> None:
        self.count = 0

    def token_discovered(self, mint: str) -> None:
        self.count += 1


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
    from walltrack.config.settings import get_settings
    from walltrack.core.step_settings import StepSettingsService
    from walltrack.data.postgres.pool import get_pool, reset_pool
    from walltrack.data.postgres.step_settings import StepSettingsRepository
    from walltrack.jobs.token_discovery import TokenDiscoveryJobs
    from walltrack.services.helius.limits import DAS_RATE_BY_PLAN
    from walltrack.services.rugcheck.client import REPORTS_RATE

    config = SimConfig(speed=0, rate_limits=dict(DOCUMENTED_LIMITS), feed_size=10_000)
    with SimServer(world, config) as sim:
        os.environ.update(
            {
                "WALLTRACK_DATABASE_URL": pg_url,
                "WALLTRACK_DATA_DIR": str(data_dir),
                "WALLTRACK_DEXSCREENER_BASE_URL": sim.base_url,
                "WALLTRACK_HELIUS_API_BASE_URL": sim.base_url,
                "WALLTRACK_HELIUS_RPC_URL": sim.base_url,
                "WALLTRACK_RUGCHECK_BASE_URL": sim.base_url,
                "WALLTRACK_HELIUS_API_KEY": SIM_KEY,
                "WALLTRACK_HELIUS_PLAN": plan,
                "WALLTRACK_LOG_LEVEL": "ERROR",
            }
        )
        get_settings.cache_clear()
        reset_pool()
        settings = get_settings()
        with get_pool(settings).connection() as conn:
            conn.execute(
                "truncate public.tokens, public.token_snapshots, public.schedule_runs cascade"
            )
            conn.execute("delete from public.step_settings")
        StepSettingsService(StepSettingsRepository(get_pool(settings))).update(
            "token_discovery", RELAXED
        )
        ticks = itertools.count()
        epoch = datetime.fromisoformat(SIM_EPOCH)

        def clock() -> datetime:  # the market's frozen time, one second on per reading
            return epoch + timedelta(seconds=next(ticks))

        outbox = NullOutbox()
        jobs = TokenDiscoveryJobs(outbox=outbox, settings=settings, clock=clock)
        das = DAS_RATE_BY_PLAN[settings.helius_plan]
        rug = REPORTS_RATE
        print(
            f"Helius plan {settings.helius_plan}: DAS {das.requests}/{das.per_seconds:g} s; "
            f"RugCheck {rug.requests}/{rug.per_seconds:g} s",
            flush=True,
        )
        scan, scan_s = _timed("scan", jobs.scan)
        after_scan = _requests(sim)
        refresh, refresh_s = _timed("refresh", jobs.refresh)
        after_refresh = _requests(sim)
    reset_pool()

    print(
        f"  scan    {scan_s:8.1f} s  candidates {scan.candidates}, passed filters "
        f"{scan.passed_filters}, new {scan.new_tokens}, safety {scan.safety}, "
        f"malformed {scan.skipped_malformed}"
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

    started = time.perf_counter()
    world = build_world(Scenario(seed=args.seed, launches_per_day=args.launches_per_day))
    launched = sum(1 for t in world.tokens[1:] if t.created_ms <= world.now_ms)
    print(f"world: {launched} tokens launched, built in {time.perf_counter() - started:.1f} s")

    from walltrack.data.postgres.embedded import ensure_embedded_postgres, stop_embedded_postgres
    from walltrack.data.postgres.migrations import apply_migrations

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
