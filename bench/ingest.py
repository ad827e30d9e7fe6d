"""Benchmark: step 6's ingestion (webhook_ingest + reconcile), loopback only, bounded.

1. Throughput: the swap transactions of a calibrated simulated market, rendered as webhook
   bodies of 100 (as Helius batches them), all traders listed, handed to
   `IngestJobs.receive` (decode, parse, keep, dedupe, commit swaps + claims + signal messages
   in one transaction per delivery), first from one thread, then from two. Target >= 2,000
   swap transactions/s committed.
2. Faults: the simulated market delivers its live trading to webhook_ingest's Function URL
   (served by uvicorn on 127.0.0.1 as `walltrack run` serves it): the listed wallets in
   `--shards` disjoint webhooks, each shard with `--copies` webhooks (so every transaction
   arrives `--copies` times: dedupe under load, and a swap is missing only when every copy of
   its delivery was lost, which reconcile must then recover), dropping, duplicating,
   reordering and delaying deliveries, while a middleware answers 503 to a share of them
   (Helius retries 3 times, then drops). Until `--deliveries` POSTs were
   received (or `--max-seconds`). Then one reconcile run. Printed: lost and duplicated swaps
   against the market's truth (every swap of a listed wallet since the listing), delivery →
   committed latency (the 200 is sent after the commit) and, with the signal_score consumer
   running in the local runtime, delivery → scored-signal latency (signals.scored_at −
   received_at, both on the product's clock).

Run from the repo root: ``.venv/bin/python bench/ingest.py [--deliveries 10000]``.
"""

# ruff: noqa: E402 - logging is configured before the product's modules bind their loggers
from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests.support
os.environ["WALLTRACK_LOG_LEVEL"] = "ERROR"  # before any module binds its logger

from walltrack.log import configure_logging

configure_logging(level="ERROR")

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response
from pydantic import SecretStr

from sim.render import Renderer
from sim.server import SimClock, SimConfig, SimServer
from sim.webhooks import Faults
from sim.world import SWAP, Scenario, World, build_world
from tests.conftest import free_port
from tests.support.database import truncate_all
from walltrack.app.container import Container, build_container
from walltrack.app.process import bound
from walltrack.app.swaps import parse_transaction
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.embedded import ensure_embedded_postgres, stop_embedded_postgres
from walltrack.data.postgres.migrations import apply_migrations
from walltrack.runtime.local import LocalRuntime
from walltrack.runtime.template import load_template

SECRET = "bench-webhook-secret-0123456789abcdef"
TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
KEEP = {"WebhookIngestFunction", "SignalScoreFunction"}
TARGET = 2_000
Key = tuple[str, str, str]


def list_wallets(container: Container, wallets: Sequence[str], since: datetime) -> None:
    with container.db.connection() as conn:
        conn.cursor().executemany(
            "insert into public.watchlist (address, listed, owner_id, reason, changed_at)"
            " values (%s, true, null, 'bench', %s) on conflict (address) do nothing",
            [(w, since) for w in wallets],
        )


def scalar(container: Container, query: str) -> int:
    with container.db.connection() as conn:
        row = conn.execute(query).fetchone()
    return int(next(iter(row.values()))) if row else 0


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def runtime_for_bench(variables: dict[str, str]) -> Iterator[tuple[LocalRuntime, str]]:
    """template.yaml's webhook_ingest and signal_score in a local runtime (in-memory queues),
    and the signal queue's local URL."""
    with LocalRuntime(
        TEMPLATE,
        exclude=set(load_template(TEMPLATE).functions) - KEEP,
        env=variables,
        apply_env=True,
    ) as runtime:
        yield runtime, variables["WALLTRACK_SIGNAL_SCORE_QUEUE_URL"]


# -- 1. throughput -------------------------------------------------------------------------
def throughput(container: Container, seed: int, n_txs: int) -> None:
    world = build_world(dataclasses.replace(Scenario.calibrated(seed=seed), history_hours=3.0))
    renderer = Renderer(world)
    txs = [tx for tx in range(world.n_tx()) if world.t_kind[tx] == SWAP][:n_txs]
    wallets = sorted({world.addr[world.t_wallet[tx]] for tx in txs})
    bodies = [
        json.dumps([renderer.webhook(tx) for tx in txs[i : i + 100]]).encode()
        for i in range(0, len(txs), 100)
    ]
    print(
        f"throughput: {len(txs):,} swap transactions of {len(wallets):,} wallets, "
        f"{len(bodies)} bodies of <= 100 ({sum(map(len, bodies)) / 1e6:.1f} MB)"
    )
    headers = {"authorization": SECRET}
    for threads in (1, 2):
        truncate_all(container.db)
        list_wallets(container, wallets, datetime.now(UTC))
        shares = [bodies[i::threads] for i in range(threads)]
        failures: list[int] = []

        def work(share: list[bytes], failures: list[int] = failures) -> None:
            for body in share:
                status, _ = container.ingest.receive(headers, body)
                if status != 200:
                    failures.append(status)

        started = time.perf_counter()
        workers = [threading.Thread(target=work, args=(s,)) for s in shares]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - started
        stored = scalar(container, "select count(distinct signature) from public.ingested_swaps")
        rate = len(txs) / elapsed
        print(
            f"  {threads} thread(s): {rate:,.0f} swap transactions/s committed "
            f"({len(txs):,} in {elapsed:.1f} s; {stored:,} with a kept swap; "
            f"failures {len(failures)}) target >= {TARGET:,}: "
            + ("ok" if rate >= TARGET else "MISSED")
        )


# -- 2. faults -----------------------------------------------------------------------------
class Served:
    """The runtime's Function URLs under uvicorn, behind a middleware that answers 503 to a
    share of the webhook POSTs and times the others (arrival → response, sent after commit)."""

    def __init__(self, runtime: LocalRuntime, fail_5xx: float, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fail_5xx = fail_5xx
        self.received = 0
        self.refused_5xx = 0
        self.latencies: list[float] = []
        self.lock = threading.Lock()
        app = FastAPI()
        app.include_router(runtime.url_router())

        @app.middleware("http")
        async def faults(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            started = time.perf_counter()
            with self.lock:
                self.received += 1
                fail = self.rng.random() < self.fail_5xx
                self.refused_5xx += fail
            if fail:
                return Response(status_code=503)
            response = await call_next(request)
            if response.status_code == 200:
                with self.lock:
                    self.latencies.append(time.perf_counter() - started)
            return response

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def truth_keys(world: World, wallets: set[str], since_s: int) -> set[Key]:
    renderer = Renderer(world)
    return {
        (s.signature, s.wallet, s.token_mint)
        for tx in range(world.n_tx())
        if world.t_ts[tx] // 1000 >= since_s
        for s in parse_transaction(renderer.enhanced(tx), wallets=wallets)
    }


def faults(args: argparse.Namespace, env: EnvSettings) -> None:
    world = build_world(Scenario.small(seed=args.seed))
    wallets = sorted(
        {world.addr[world.t_wallet[tx]] for tx in range(world.n_tx()) if world.t_kind[tx] == SWAP}
    )
    since = datetime.fromtimestamp(world.now_ms // 1000, tz=UTC)
    fault_knobs = Faults(
        drop=args.drop,
        duplicate=args.duplicate,
        reorder=args.reorder,
        delay=args.delay,
        delay_s=0.05,
        retry_delay_s=0.05,
    )
    with (
        SimServer(world, SimConfig(speed=0, tick_s=0.05, faults=fault_knobs)) as sim,
        runtime_for_bench({}) as (runtime, queue_url),
    ):
        container = build_container(
            env.model_copy(
                update={
                    "signal_score_queue_url": queue_url,
                    "helius_api_base_url": sim.base_url,
                    "helius_api_key": SecretStr("sim-key"),
                    "helius_plan": "professional",
                }
            )
        )
        runtime.invocation_scope = lambda: bound(container)
        truncate_all(container.db)
        list_wallets(container, wallets, since)
        runtime.start()  # the signal_score consumer
        with Served(runtime, args.fail_5xx, args.seed) as served:
            url = f"http://127.0.0.1:{served.port}/fn/WebhookIngestFunction/"
            for shard, _ in itertools.product(range(args.shards), range(args.copies)):
                created = httpx.post(
                    f"{sim.base_url}/v0/webhooks",
                    params={"api-key": "sim-key"},
                    json={
                        "webhookURL": url,
                        "accountAddresses": wallets[shard :: args.shards],
                        "transactionTypes": ["ANY"],
                        "webhookType": "enhanced",
                        "authHeader": SECRET,
                    },
                    timeout=10,
                )
                created.raise_for_status()
            started = time.perf_counter()
            at_ms = world.now_ms
            while served.received < args.deliveries:
                if time.perf_counter() - started > args.max_seconds:
                    print(f"  stopped at --max-seconds {args.max_seconds}")
                    break
                at_ms += args.step_ms
                sim.sim.clock = SimClock(at_ms, 0)
                sim.call(sim.sim.tick)
                sim.call(sim.sim.deliverer.drain)
            delivering = time.perf_counter() - started
            counters = dict(sim.sim.deliverer.counters)
        ingested_before = scalar(container, "select count(*) from public.ingested_swaps")
        report = container.reconcile.run()
        truth = truth_keys(world, set(wallets), int(since.timestamp()))
        with container.db.connection() as conn:
            rows = conn.execute(
                "select signature, wallet, token_mint from public.ingested_swaps"
            ).fetchall()
        ingested = {(r["signature"], r["wallet"], r["token_mint"]) for r in rows}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the consumer scores what reconcile added
            if scalar(container, "select count(*) from public.signals") >= len(ingested):
                break
            time.sleep(0.5)
        messages = scalar(
            container, "select count(*) from public.outbox where queue = 'signal_score'"
        )
        signal_dups = scalar(
            container,
            "select count(*) - count(distinct (signature, wallet, token_mint)) from public.signals",
        )
        with container.db.connection() as conn:
            signal_rows = conn.execute(
                "select extract(epoch from scored_at - received_at) as s, via from public.signals"
            ).fetchall()
        runtime.stop()
        container.close()
    lost = len(truth - ingested)
    extra = len(ingested - truth)  # a swap the market never made (would be a false trade)
    duplicated = (messages - len(ingested)) + signal_dups  # a swap signalled twice
    swaps_delivered = counters["transactionsMatched"]
    print(
        f"faults: {served.received:,} deliveries received in {delivering:.0f} s: "
        f"{len(wallets)} listed wallets in {args.shards} shards, {args.copies} webhooks per "
        f"shard (each transaction delivered {args.copies}x before faults)"
    )
    print(
        f"  injected: {counters['injectedDrops']} dropped, {counters['injectedDuplicates']} "
        f"duplicated, {counters['injectedReorders']} reordered, {counters['injectedDelays']} "
        f"delayed, {served.refused_5xx} answered 503 ({counters['retries']} retries, "
        f"{counters['lostAfterRetries']} lost after 3 retries); {swaps_delivered:,} "
        "transactions matched"
    )
    print(
        f"  before reconcile: {ingested_before:,} of {len(truth):,} swaps; reconcile recovered "
        f"{report.swaps_recovered} ({report.transactions_read:,} history transactions read, "
        f"error {report.error})"
    )
    verdict = "ok" if lost == duplicated == extra == 0 else "MISSED"
    print(f"  lost {lost}, duplicated {duplicated}, extra {extra} (target 0 / 0 / 0: {verdict})")
    print(f"  {len(signal_rows):,} signals stored for {len(ingested):,} ingested swaps")
    lat = served.latencies
    print(
        f"  delivery -> committed (200 after commit): p50 {percentile(lat, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(lat, 0.99) * 1000:.0f} ms over {len(lat):,} deliveries"
    )
    webhook = [float(r["s"]) for r in signal_rows if r["via"] == "webhook"]
    if webhook:
        print(
            f"  delivery -> scored signal: p50 {percentile(webhook, 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(webhook, 0.99) * 1000:.0f} ms over {len(webhook):,} signals "
            f"(mean {statistics.fmean(webhook) * 1000:.0f} ms)"
        )
    else:
        print("  delivery -> scored signal: no signal stored (no signal_score consumer?)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--throughput-txs", type=int, default=20_000)
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument(
        "--shards",
        type=int,
        default=16,
        help="disjoint wallet sets (x copies <= 50, the per-account webhook limit)",
    )
    parser.add_argument(
        "--copies", type=int, default=3, help="webhooks per shard (each delivers every tx)"
    )
    parser.add_argument("--step-ms", type=int, default=2_000, help="market time per tick")
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--drop", type=float, default=0.2)
    parser.add_argument("--duplicate", type=float, default=0.1)
    parser.add_argument("--reorder", type=float, default=0.2)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--fail-5xx", type=float, default=0.05)
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wt-bench-ingest-") as tmp:
        data_dir = Path(tmp)
        pg_url = ensure_embedded_postgres(data_dir)
        try:
            apply_migrations(pg_url)
            env = EnvSettings(
                _env_file=None,
                database_url=SecretStr(pg_url),
                data_dir=data_dir,
                webhook_auth_secret=SecretStr(SECRET),
            )
            if not args.skip_throughput:
                with runtime_for_bench({}) as (_, queue_url):
                    # the relay sends each delivery's messages after its commit, as in Lambda
                    container = build_container(
                        env.model_copy(update={"signal_score_queue_url": queue_url})
                    )
                    try:
                        throughput(container, args.seed, args.throughput_txs)
                    finally:
                        container.close()
            faults(args, env)
        finally:
            stop_embedded_postgres(data_dir)


if __name__ == "__main__":
    main()
