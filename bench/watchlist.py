"""Benchmark: how long step 5's rebuild and sync take at scale, and what a sync sends.

N profiled wallets (random scores and confidences, one owner per 3 wallets, a few flagged) are
written to a fresh embedded Postgres; the simulated market (small world, frozen clock) serves
the Helius webhooks API on loopback. Then, timed one by one (wall seconds, this machine):
  1. the first sync (rebuild: N wallets judged and written, a version; then the webhooks
     created, `--shard-size` addresses each);
  2. a second sync with nothing changed (the list is read again, no webhook write);
  3. a sync after 1 % of the wallets changed score (one PUT per shard that changed);
  4. a pin and a ban (each rebuilds the list at once).
Printed with the webhook writes the sim counted (POST / PUT / DELETE) for each.

Run: ``.venv/bin/python bench/watchlist.py [--wallets 10000] [--shard-size 100000]``.

Measured 2026-12-07 on this machine (2 CPUs shared with other sessions' test runs), 10,000
wallets, max_wallets 5,000 (3,902 listed: per-owner cap 2, thresholds), wall seconds:
                                     shard 100,000          shard 1,000
  1. first sync                      2.27 s, POST 1         2.28 s, POST 4
  2. second sync, nothing changed    1.03 s, no write       0.93 s, no write
  3. sync after 100 scores changed   1.85 s, PUT 1          1.50 s, PUT 4
  4. a pin / a ban                   1.39 / 1.17 s          1.27 / 1.76 s
Most of a rebuild is reading the 10,000 wallets and the 10,000 stored entries (dict rows and
pydantic models, ~0.4 s each) and judging them (~0.35 s); only entries that differ are written.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import base58
from pydantic import SecretStr

from sim.server import SimConfig, SimServer
from sim.world import Scenario, build_world
from walltrack.app.container import Container, build_container
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.embedded import ensure_embedded_postgres, stop_embedded_postgres
from walltrack.data.postgres.migrations import apply_migrations

SECRET = "Bearer bench-watchlist-0123456789abcdef"
HOOK_URL = "http://127.0.0.1:9/fn/WebhookIngestFunction/"  # never called: the clock is frozen
WRITES = ("POST", "PUT", "DELETE")


def address(rng: random.Random) -> str:
    return base58.b58encode(rng.randbytes(32)).decode()


def seed_wallets(container: Container, n: int, rng: random.Random) -> list[str]:
    wallets = [address(rng) for _ in range(n)]
    rows = [
        (
            w,
            round(rng.uniform(-0.6, 0.9), 4),
            round(rng.uniform(0, 1), 4),
            f"own-{i // 3:016x}",
            ["copy_follower"] if rng.random() < 0.05 else [],
        )
        for i, w in enumerate(wallets)
    ]
    with container.db.connection() as conn, conn.cursor() as cur:
        cur.executemany(
            "insert into public.wallets (address, status, first_seen_at, profiled_at, score,"
            " confidence, is_bot, bot_flags, qualified, owner_id)"
            " values (%s, 'profiled', now(), now(), %s, %s, %s, %s, %s, %s)",
            [(w, s, c, bool(f), f, not f, o) for w, s, c, o, f in rows],
        )
    return wallets


def timed(label: str, sim: SimServer, work: Callable[[], Any]) -> None:
    before = dict(sim.sim.webhook_calls)
    started = time.perf_counter()
    outcome = work()
    elapsed = time.perf_counter() - started
    sent = {m: sim.sim.webhook_calls[m] - before.get(m, 0) for m in WRITES}
    writes = " ".join(f"{m} {n}" for m, n in sent.items())
    print(f"  {label:<34} {elapsed:7.2f} s   webhook writes: {writes}   {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wallets", type=int, default=10_000)
    parser.add_argument("--shard-size", type=int, default=100_000)
    parser.add_argument("--max-wallets", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    world = build_world(Scenario.small(seed=7))
    with tempfile.TemporaryDirectory(prefix="wt-bench-watchlist-") as tmp:
        data_dir = Path(tmp)
        pg_url = ensure_embedded_postgres(data_dir)
        try:
            apply_migrations(pg_url)
            with SimServer(world, SimConfig(speed=0)) as sim:
                env = EnvSettings(
                    _env_file=None,
                    database_url=SecretStr(pg_url),
                    data_dir=data_dir,
                    helius_api_base_url=sim.base_url,
                    helius_api_key=SecretStr("sim-key"),
                    helius_plan="professional",
                    webhook_ingest_url=HOOK_URL,
                    webhook_auth_secret=SecretStr(SECRET),
                )
                container = build_container(env)
                try:
                    run(container, sim, args, rng)
                finally:
                    container.close()
        finally:
            stop_embedded_postgres(data_dir)


def run(container: Container, sim: SimServer, args: argparse.Namespace, rng: random.Random) -> None:
    wallets = seed_wallets(container, args.wallets, rng)
    container.step_settings.update(
        "watchlist", {"shard_size": args.shard_size, "max_wallets": args.max_wallets}
    )
    jobs = container.watchlist_jobs
    print(
        f"watchlist: {args.wallets:,} profiled wallets, max_wallets {args.max_wallets:,},"
        f" shard size {args.shard_size:,}"
    )

    def summary() -> str:
        result = jobs.sync()
        return f"(listed {result.listed:,}, version {result.version}, {result.state})"

    timed("1. first sync", sim, summary)
    timed("2. second sync, nothing changed", sim, summary)
    changed = rng.sample(wallets, max(1, len(wallets) // 100))
    with container.db.connection() as conn:
        conn.execute(
            "update public.wallets set score = 0.95 - score / 10 where address = any(%s)",
            (changed,),
        )
    timed(f"3. sync after {len(changed):,} scores changed", sim, summary)
    timed(
        "4a. pin (rebuilds at once)",
        sim,
        lambda: jobs.pin(wallets[0], by="bench", reason="b").reason,
    )
    timed(
        "4b. ban (rebuilds at once)",
        sim,
        lambda: jobs.ban(wallets[1], by="bench", reason="b").reason,
    )
    print(f"  webhooks now: {len(container.watchlist.shards())}")


if __name__ == "__main__":
    main()
