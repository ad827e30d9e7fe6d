"""Wallet profiling speed (step 3b) at each Helius plan: profiles per minute and calls per profile.

Run: .venv/bin/python bench/profiling.py [--seed 1] [--wallets 24] [--tokens 3]
     [--plans free,developer,business,professional]   (make bench-profiling ARGS="...")

The default world (`python -m sim`'s, seed from the command line) is served on 127.0.0.1 with
its clock frozen at the history's end; an embedded Postgres in a temp folder holds the state.
Per plan, from an empty database: wallet_discovery runs on the `--tokens` tokens with the most
traders (`WalletJobs.discover`, the product's path), the first `--wallets` candidates it queued
(by address) are profiled by the wallet_profile function's handler, in SQS batches of
template.yaml's BatchSize (5), one batch after the other, as the local runtime's worker does.
The rate limiters are the product's (shared, in Postgres) at the plan's rates; the sim enforces
none, so the figures are what our own limiters allow.

Printed per plan: wall time and profiles/min of the profiling phase; per profile, Helius calls
by kind (pages of the wallet's own history, pages of token trade tapes, other) and Jupiter calls
(prices, quotes), counted on the HTTP client (a request hook); and the discovery phase's calls.
Calls are counted as sent, so a retried page counts twice. Not run in CI (minutes per plan;
`--tape-reads full` reads 600-850 pages a cold profile, about 7 minutes each on the free plan).

Measured 2026-12-06, seed 1, developer plan, 3 wallets, before (1346b08's profiling) and after
(4 token reads in flight, msgspec decoding) run side by side, load average ~5.5 on 2 CPUs:
  before  0.2 profiles/min (746 s), 835 Helius calls/profile (833 token tape, 2 own history),
          1 Jupiter call, 32.9 s of this process's CPU per profile
  after   0.3 profiles/min (716 s), 836 Helius calls/profile (2 retried pages), 1 Jupiter
          call, 38.4 s CPU per profile; the stored profiles' digest is the same
The bound was CPU per page (~120 ms for 100 transactions: decode, read, normalise, store).

Measured 2026-12-07, seed 1, developer plan, 3 wallets, load average 7.5-9.1 on 2 CPUs (other
sessions' tests ran): before windowed reads (b462c70) and after (each token read only around
the wallet's trades, `--tape-reads windows`, the default):
  before   0.5 profiles/min (363 s), 835.7 Helius calls/profile (833.7 token tape, 2.0 own
           history), 1 Jupiter call, 32.9 s CPU per profile, digest a0d9a107dc19a1ee
  after    2.8 profiles/min (65 s), 67.7 Helius calls/profile (65.7 token tape, 2.0 own
           history), 1 Jupiter call, 2.5 s CPU per profile, digest 01a746752359cd24
  `--tape-reads full` on the same code (whole histories): 0.3 profiles/min, 42.5 s CPU per
           profile, digest 01a746752359cd24: the same profiles. The digest before differs for
           two changes made with the windows, not by them: a slot's swaps are now ordered by
           signature (b462c70 with only that change: ab7c7ce18822eb16), and a token whose
           discovery read hit its cap (5,000) now has its launch found for the launch_sniper
           rule (before, the cap's "partial" stuck to it and the launch stayed unknown).
At 67.7 calls a profile the developer plan's 10 requests/s allow at most ~8.9 profiles/min.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests.support

from sim.scenarios import named_scenario
from sim.world import SWAP, World, build_world
from tests.support.database import truncate_all
from tests.support.stack import market_env
from walltrack.app.container import Container, build_container
from walltrack.app.markets import Close, MarketPorts, Markets
from walltrack.app.process import bound
from walltrack.cli.market import SIM_EPOCH, MarketOptions, MarketProcess, spawn_market
from walltrack.clock import ManualClock
from walltrack.config.settings import EnvSettings
from walltrack.core.discovery.wallets import TapeReads
from walltrack.data.postgres.embedded import ensure_embedded_postgres, stop_embedded_postgres
from walltrack.data.postgres.migrations import apply_migrations
from walltrack.log import configure_logging
from walltrack.runtime.queues import CapturingQueuePort
from walltrack.services.helius.limits import DAS_RATE_BY_PLAN

BATCH_SIZE = 5  # template.yaml: WalletProfileFunction's SQS BatchSize
PLANS = ("free", "developer", "business", "professional")


@dataclass
class CallCounter:
    """Requests by kind, read from the shared httpx client's request hook."""

    wallets: set[str] = field(default_factory=set)
    calls: Counter[str] = field(default_factory=Counter)
    walks: Counter[str] = field(default_factory=Counter)
    """History walks started (first pages) per address: more than one = read again."""

    async def on_request(self, request: httpx.Request) -> None:
        self.calls[self.kind(request)] += 1
        path = request.url.path
        if path.startswith("/v0/addresses/") and "before-signature" not in request.url.params:
            self.walks[unquote(path.split("/")[3])] += 1

    def kind(self, request: httpx.Request) -> str:
        path = request.url.path
        if path.startswith("/v0/addresses/") and path.endswith("/transactions"):
            address = unquote(path.split("/")[3])
            return "helius wallet history" if address in self.wallets else "helius token tape"
        if path.startswith("/v0/"):
            return "helius other"
        if path.startswith("/price/"):
            return "jupiter price"
        if path.startswith("/swap/"):
            return "jupiter quote"
        return f"other {request.method} {path}"

    def snapshot(self) -> Counter[str]:
        return Counter(self.calls)


def count_calls(app: Container, counter: CallCounter) -> None:
    """Every market client of `app` (one set per thread) reports its requests to `counter`."""
    original = app.open_market_ports

    def open_counted() -> tuple[MarketPorts, Close]:
        ports, close = original()
        http: httpx.AsyncClient = ports.transactions._client._http  # a bench probe
        http.event_hooks["request"].append(counter.on_request)
        return ports, close

    app.markets = Markets(open_counted)


def busiest_tokens(world: World, count: int) -> list[str]:
    """The `count` tokens with the most distinct traders (deterministic for a seed)."""
    traders: dict[int, set[int]] = {}
    for tx in range(world.n_tx()):
        if world.t_kind[tx] == SWAP and world.t_token[tx] > 0:
            traders.setdefault(int(world.t_token[tx]), set()).add(int(world.t_wallet[tx]))
    ranked = sorted(traders, key=lambda t: (-len(traders[t]), t))[:count]
    return [world.tokens[t].mint for t in ranked]


def sqs_event(bodies: list[str], offset: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"bench-{offset + i}",
                "receiptHandle": f"bench-{offset + i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:WalletProfileQueue",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_market(seed: int) -> MarketProcess:
    """The default world served by `python -m sim serve` in a process of its own, as `walltrack
    run` does, its clock frozen at the history's end (speed 0)."""
    market = spawn_market(MarketOptions(seed=seed, speed=0, port=free_port()))
    probe = f"{market.options.base_url}/token-profiles/latest/v1"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if market.process.poll() is not None:
            raise RuntimeError(f"the simulated market exited with code {market.process.poll()}")
        try:
            if httpx.get(probe, timeout=2).status_code == 200:
                return market
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    market.stop()
    raise RuntimeError("the simulated market did not start in 300 s")


def per(count: int, profiles: int) -> str:
    return f"{count / profiles:7.1f}" if profiles else "      -"


def bench_plan(
    env: EnvSettings,
    plan: str,
    mints: list[str],
    wallets: int,
    cprofile: Path | None,
    tape_reads: TapeReads = "windows",
) -> dict[str, Any]:
    from functions.wallet_profile import handler  # noqa: PLC0415 - after logging is set

    queue = CapturingQueuePort()
    app = build_container(
        market_env(env, env.helius_api_base_url, helius_plan=plan).model_copy(
            update={"jupiter_plan": "developer"}  # what `walltrack run` beside the sim uses
        ),
        clock=ManualClock(datetime.fromisoformat(SIM_EPOCH)),
        queues={"wallet_profile": queue},
    )
    counter = CallCounter()
    count_calls(app, counter)
    app.wallet_jobs.tape_reads = tape_reads  # after count_calls: the jobs take its markets
    truncate_all(app.db)
    try:
        started = time.perf_counter()
        for mint in mints:
            app.wallet_jobs.discover(mint)
        discovery_s = time.perf_counter() - started
        discovery_calls = counter.snapshot()
        # By address, not queue order (a set's order): the same wallets on every run.
        bodies = sorted(queue.bodies, key=lambda b: str(json.loads(b)["address"]))[:wallets]
        counter.wallets = {json.loads(b)["address"] for b in bodies}
        started, cpu_started = time.perf_counter(), time.process_time()
        failures = 0
        profiler = cProfile.Profile() if cprofile else None
        with bound(app):
            if profiler:
                profiler.enable()
            for offset in range(0, len(bodies), BATCH_SIZE):
                batch = bodies[offset : offset + BATCH_SIZE]
                answer = handler(sqs_event(batch, offset), None)
                failures += len(answer.get("batchItemFailures", []))
            if profiler and cprofile:
                profiler.disable()
                profiler.dump_stats(cprofile)
        profile_s = time.perf_counter() - started
        cpu_s = time.process_time() - cpu_started
        calls = counter.snapshot() - discovery_calls
        scores = app.db.connection  # the profiles as stored, to compare runs
        with scores() as conn:
            rows = conn.execute(
                "select wallet, profile::text as profile from wallet_profiles order by wallet"
            ).fetchall()
        walked = counter.walks.values()
    finally:
        app.close()
    profiled = len(bodies) - failures
    rate = DAS_RATE_BY_PLAN[plan]  # type: ignore[index]
    print(
        f"\nHelius plan {plan} ({rate.requests}/{rate.per_seconds:g} s enhanced): "
        f"discovery of {len(mints)} tokens {discovery_s:.1f} s, {len(queue.bodies)} candidates; "
        f"profiled {profiled}/{len(bodies)} in {profile_s:.1f} s = "
        f"{60 * profiled / profile_s:.1f} profiles/min; this process's CPU {cpu_s:.1f} s "
        f"({cpu_s / max(profiled, 1):.1f} s per profile; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
        flush=True,
    )
    digest = hashlib.sha256(repr([(r["wallet"], r["profile"]) for r in rows]).encode())
    print(f"  profiles stored: {len(rows)}, digest of them all {digest.hexdigest()[:16]}")
    print(f"  {'calls':<24}{'discovery':>10}{'profiling':>10}{'per profile':>12}")
    for kind in sorted(set(calls) | set(discovery_calls)):
        print(
            f"  {kind:<24}{discovery_calls[kind]:10d}{calls[kind]:10d}"
            f"{per(calls[kind], profiled):>12}"
        )
    helius = sum(n for k, n in calls.items() if k.startswith("helius"))
    print(f"  {'helius, all':<24}{'':10}{helius:10d}{per(helius, profiled):>12}")
    print(
        f"  history walks: {sum(walked)} over {len(walked)} addresses "
        f"({sum(n - 1 for n in walked)} read again)"
    )
    return {
        "plan": plan,
        "profiles": profiled,
        "seconds": profile_s,
        "per_min": 60 * profiled / profile_s,
        "helius_per_profile": helius / profiled if profiled else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wallets", type=int, default=24, help="wallets profiled per plan")
    parser.add_argument("--tokens", type=int, default=3, help="tokens whose wallets are found")
    parser.add_argument("--plans", default=",".join(PLANS), help="Helius plans, comma-separated")
    parser.add_argument("--cprofile", type=Path, help="write the profiling phase's cProfile here")
    parser.add_argument(
        "--tape-reads",
        choices=("windows", "full"),
        default="windows",
        help="read the windows of each token's trades a profile needs (the product), or every "
        "token's whole history (as before): the profiles' digests must be the same",
    )
    args = parser.parse_args()
    configure_logging(level="ERROR")

    started = time.perf_counter()
    world = build_world(named_scenario("default", args.seed))
    mints = busiest_tokens(world, args.tokens)
    print(f"default world, seed {args.seed}: built in {time.perf_counter() - started:.1f} s")

    del world  # the market process builds its own
    rows = []
    market = serve_market(args.seed)
    with tempfile.TemporaryDirectory(prefix="wt-bench-profiling-") as tmp:
        data_dir = Path(tmp)
        pg_url = ensure_embedded_postgres(data_dir)
        try:
            apply_migrations(pg_url)
            env = EnvSettings(
                _env_file=None,
                database_url=SecretStr(pg_url),
                data_dir=data_dir,
                helius_api_base_url=market.options.base_url,
            )
            for plan in args.plans.split(","):
                rows.append(
                    bench_plan(
                        env, plan.strip(), mints, args.wallets, args.cprofile, args.tape_reads
                    )
                )
        finally:
            stop_embedded_postgres(data_dir)
            market.stop()
    print("\nplan          profiles/min  helius calls/profile")
    for row in rows:
        print(f"{row['plan']:<14}{row['per_min']:12.1f}{row['helius_per_profile']:22.1f}")


if __name__ == "__main__":
    main()
