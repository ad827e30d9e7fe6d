"""Load: 50 concurrent clients on the API's read routes, beside a bare FastAPI endpoint.

Measured per endpoint: requests/s, p50 and p99 latency, and their ratios to a bare endpoint
served the same way in the same run. Targets: the list endpoints (tokens, wallets) at >= 50 %
of the bare endpoint's requests/s, with a p99 <= 4x its p99.

The world: an embedded Postgres (pgserver, as `walltrack run`) in a temp folder, migrated,
seeded from the simulated market `walltrack run` serves (seed 1, a day of history) through
the product's own code: each token's DexScreener pair as the sim serves it, parsed by the
product's model and `pair_to_candidate`, stored by `TokenRepository` with a snapshot and a
safety verdict from `judge_safety` (the facts are drawn per token, not fetched: RugCheck's
1 request/s would make the seeding take minutes); every swap stored by `WalletRepository`;
each token's early buyers and top traders chosen by `select_candidates`; every candidate
profiled by the product's profiler (`profile_wallet`) and saved with `save_profile`.

Serving: `create_app(container)` under `uvicorn.run(app, host="127.0.0.1", log_level="warning",
workers=1)`, as `walltrack/cli/stack.py` does, in a process of its own with the product's
logging configured, the embedded graph server started (`/health` probes it) and the default
pool (`WALLTRACK_DB_POOL_MAX_SIZE` 5). The dashboard is not mounted: Gradio adds a `Mount`
after the API's routes and a lifespan hook, no middleware, so it is not on these requests'
path. The bare app is `FastAPI()` with one `def` route (threadpool, like every product route)
and one `async def` route, served by the same `uvicorn.run` call in a process of its own;
targets are judged against the `def` route, the `async def` one shows what the threadpool
costs. Each server's own CPU time during each phase is printed (share of one core), so a
client-bound phase would show.

Client: asyncio streams with h11 (the HTTP/1.1 library uvicorn itself uses here), one
keep-alive connection per client. Not httpx: its async pool is itself the bottleneck at 50
connections (measured here: 250 requests/s to a bare endpoint with 50 clients vs 600 with
one, while the server idled); not locust: not in the project's environment, and its gevent
client would need a dependency for a benchmark. Every request has a 30 s timeout (a hang is a
failure, not a slow figure). Traffic goes to 127.0.0.1 only, bounded per phase by
`--seconds` and `--max-requests`.

Phases run in rounds (`--rounds`, interleaved: bare, then each endpoint, round after round) so
noise from other work on the machine falls on every endpoint alike; the figures are the
median round. Run: ``.venv/bin/python bench/api_load.py [--clients 50] [--seconds 8]
[--rounds 3] [--hours 24] [--server-env NAME=VALUE] [--check]`` (or ``make bench-api-load``);
``--check`` exits 1 when a target is missed. Seeding the day takes ~6 min here (`--hours 6`:
~1.5 min, 87 tokens and 3,160 profiled wallets).

Measured 2026-12-06 (2 CPUs, load average 9-15 from other work; 327 tokens, 7,978 profiled
wallets): bare def 1,297 req/s (0.40 ms CPU/request), tokens 54 req/s (8.7 ms), wallets 120
(5.9 ms), wallet detail 153 (4.7 ms), /health 189 (3.4 ms): the list endpoints reach 4-9 % of
the bare endpoint's throughput, p99 4.5-8.4x. The cause is the serving process's own CPU per
request on one core, spread over every layer (no hotspot): in-process, one at a time, a tokens
page costs 1.3 ms in psycopg (two queries, a COMMIT, decoding 50 rows with their JSON checks),
1.4 ms building the pydantic models, 0.2 ms of JSON and ~1 ms of app plumbing (the logging
middleware, per-request dependency-override analysis, parameter validation, threadpool hop),
against 0.17 ms for the bare route; 50-way concurrency roughly doubles it (GIL hand-offs
among the threadpool's 40 threads). Removing the middleware, the dependency overrides and the
count query together saved ~15 %, within the noise. Experiments (not committed): the page
rendered as JSON by Postgres and returned as-is: 360 req/s (1.6 ms CPU/request, p99 1.4x
bare); a 1 s cache of the page: 413 req/s (0.96 ms, the app's plumbing alone).

After the read-path work (5c398f3, a5b8eb4: a plain ASGI request log, the container on
`app.state`, async dependency providers, pages validated in one pydantic call and serialised
once), same day, `--hours 6`, same session as its own "before": API CPU per request tokens
8.4 -> 4.4-4.6 ms, wallets 5.8 -> 3.4 ms, wallet detail 4.0 -> 2.8 ms, /health 3.9 -> 2.8 ms
(bare 0.36-0.39 ms); throughput tokens 87 -> 143-194 req/s, wallets 128 -> 217. The list
endpoints reach 8-17 % of the bare endpoint: still short of 50 %. Next, in the order to measure
them: the separate count query (`count(*) over ()`, or none on a short page; data/postgres/
paging.py), fewer columns or JSON built by Postgres, the `def` routes' threadpool hop.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import math
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import h11

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repo root: tests.support

HOST = "127.0.0.1"  # never anything else
TOKEN = secrets.token_urlsafe(32)
"""This run's API token (WALLTRACK_API_TOKEN of the served API), sent with every request."""
TARGET_THROUGHPUT_SHARE = 0.5
TARGET_P99_FACTOR = 4.0
REQUEST_TIMEOUT_S = 30.0
DETAIL_WALLETS = 500
"""Wallet detail requests cycle over this many profiled wallets (the best-scored first)."""
UNUSED_UPSTREAM = f"http://{HOST}:9"
"""The read routes call no upstream; should one try, it meets a closed loopback port."""


# --- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """One endpoint under load (one round, or the median of the rounds)."""

    name: str
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu: float
    """Share of one core the serving process used during the phase."""
    server_ms_per_request: float
    """The serving process's CPU time per request: less swayed than requests/s by whatever
    else the machine runs."""
    postgres_ms_per_request: float
    """Postgres's CPU time (postmaster and backends) per request."""


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank rule: a p99 is a latency some request
    actually had."""
    if not sorted_values:
        return float("nan")
    rank = math.ceil(len(sorted_values) * q / 100)
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def phase_of(
    name: str,
    latencies_s: Sequence[float],
    errors: int,
    seconds: float,
    cpu_s: tuple[float, float],
) -> Phase:
    ordered = sorted(latencies_s)
    served = len(ordered) + errors
    return Phase(
        name=name,
        requests=len(ordered),
        errors=errors,
        rps=len(ordered) / seconds if seconds > 0 else 0.0,
        p50_ms=percentile(ordered, 50) * 1000,
        p99_ms=percentile(ordered, 99) * 1000,
        server_cpu=cpu_s[0] / seconds if seconds > 0 else 0.0,
        server_ms_per_request=cpu_s[0] * 1000 / served if served else 0.0,
        postgres_ms_per_request=cpu_s[1] * 1000 / served if served else 0.0,
    )


def median_phase(rounds: Sequence[Phase]) -> Phase:
    """Each figure's median over the rounds; requests and errors summed."""
    return Phase(
        name=rounds[0].name,
        requests=sum(p.requests for p in rounds),
        errors=sum(p.errors for p in rounds),
        rps=statistics.median(p.rps for p in rounds),
        p50_ms=statistics.median(p.p50_ms for p in rounds),
        p99_ms=statistics.median(p.p99_ms for p in rounds),
        server_cpu=statistics.median(p.server_cpu for p in rounds),
        server_ms_per_request=statistics.median(p.server_ms_per_request for p in rounds),
        postgres_ms_per_request=statistics.median(p.postgres_ms_per_request for p in rounds),
    )


def verdict(phase: Phase, bare: Phase) -> tuple[float, float, bool]:
    """Throughput share and p99 factor against the bare endpoint, and whether both targets
    hold with no failed request."""
    share = phase.rps / bare.rps if bare.rps else 0.0
    factor = phase.p99_ms / bare.p99_ms if bare.p99_ms else math.inf
    ok = share >= TARGET_THROUGHPUT_SHARE and factor <= TARGET_P99_FACTOR and not phase.errors
    return share, factor, ok


# --- the load client -------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc; 0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


@dataclass(frozen=True)
class CpuProbe:
    """CPU time used so far by the serving process and by Postgres (postmaster + backends)."""

    server_pid: int
    postmaster_pid: int

    def sample(self) -> dict[int, float]:
        pids = [self.server_pid, self.postmaster_pid, *_children(self.postmaster_pid)]
        return {pid: cpu_seconds(pid) for pid in pids}

    def used(self, before: dict[int, float], after: dict[int, float]) -> tuple[float, float]:
        """(server, postgres) CPU seconds between two samples (a backend born between them
        counts from zero)."""
        spent = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
        server = spent.pop(self.server_pid, 0.0)
        return server, sum(spent.values())


@dataclass
class _Tally:
    latencies: list[float] = dataclasses.field(default_factory=list)
    errors: int = 0
    sent: int = 0


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: h11.Connection, path: str
) -> int:
    """One GET on a kept-alive connection, its body read to the end; the status code."""
    # The API token on every request, to the bare endpoint too: both pay for the same header.
    request = h11.Request(
        method="GET", target=path, headers=[("Host", HOST), ("Authorization", f"Bearer {TOKEN}")]
    )
    writer.write(conn.send(request) + conn.send(h11.EndOfMessage()))
    status = 0
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = await reader.read(65536)
            conn.receive_data(data)  # b"" (closed) makes h11 raise, which fails the request
        elif isinstance(event, h11.Response):
            status = event.status_code
        elif isinstance(event, h11.EndOfMessage):
            conn.start_next_cycle()
            return status


async def _client(
    port: int,
    next_path: Callable[[], str],
    tally: _Tally,
    *,
    record_from: float,
    stop: float,
    max_requests: int,
) -> None:
    """One client: requests back to back on one connection until `stop` (a new connection
    after a failure); only those started at or after `record_from` count."""
    conn: h11.Connection | None = None
    writer: asyncio.StreamWriter | None = None
    reader: asyncio.StreamReader | None = None
    try:
        while time.perf_counter() < stop and tally.sent < max_requests:
            started = time.perf_counter()
            counted = started >= record_from
            tally.sent += counted
            try:
                if conn is None or writer is None or reader is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(HOST, port), REQUEST_TIMEOUT_S
                    )
                    conn = h11.Connection(h11.CLIENT)
                status = await asyncio.wait_for(
                    _exchange(reader, writer, conn, next_path()), REQUEST_TIMEOUT_S
                )
            except (OSError, h11.ProtocolError, TimeoutError):
                status = 0
                if writer is not None:
                    writer.close()
                conn = writer = reader = None
                await asyncio.sleep(0.05)  # a refused or dropped connection: no busy loop
            if counted:
                if status == 200:
                    tally.latencies.append(time.perf_counter() - started)
                else:
                    tally.errors += 1
    finally:
        if writer is not None:
            writer.close()


async def _load(
    port: int,
    next_path: Callable[[], str],
    *,
    clients: int,
    warmup_s: float,
    seconds: float,
    max_requests: int,
    cpu: CpuProbe,
) -> tuple[_Tally, float, tuple[float, float]]:
    """`clients` clients for warmup + `seconds`; the tally of the measured part, its length
    and the server's CPU time in it."""
    tally = _Tally()
    now = time.perf_counter()
    record_from, stop = now + warmup_s, now + warmup_s + seconds
    tasks = [
        asyncio.create_task(
            _client(
                port,
                next_path,
                tally,
                record_from=record_from,
                stop=stop,
                max_requests=max_requests,
            )
        )
        for _ in range(clients)
    ]
    await asyncio.sleep(max(0.0, record_from - time.perf_counter()))
    cpu_before = cpu.sample()
    await asyncio.gather(*tasks)
    measured = time.perf_counter() - record_from
    return tally, measured, cpu.used(cpu_before, cpu.sample())


@dataclass(frozen=True)
class Target:
    """An endpoint under load: where it is served and the paths its clients request."""

    name: str
    port: int
    pid: int
    paths: Sequence[str]

    def cycler(self) -> Callable[[], str]:
        state = {"i": 0}

        def next_path() -> str:
            state["i"] += 1
            return self.paths[state["i"] % len(self.paths)]

        return next_path


def run_phase(target: Target, args: argparse.Namespace) -> Phase:
    tally, seconds, cpu = asyncio.run(
        _load(
            target.port,
            target.cycler(),
            clients=args.clients,
            warmup_s=args.warmup,
            seconds=args.seconds,
            max_requests=args.max_requests,
            cpu=CpuProbe(target.pid, args.postmaster_pid),
        )
    )
    return phase_of(target.name, tally.latencies, tally.errors, seconds, cpu)


# --- the seeded database ---------------------------------------------------------------------


def _env(data_dir: Path, database_url: str) -> dict[str, str]:
    """The serving process's environment: this Postgres, its own graph ports, no upstream
    (and nothing inherited that could point it at a hosted database or graph)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLTRACK_")}
    return env | {
        "WALLTRACK_API_TOKEN": TOKEN,
        "WALLTRACK_DATA_DIR": str(data_dir),
        "WALLTRACK_DATABASE_URL": database_url,
        "WALLTRACK_GRAPH_BOLT_PORT": str(_free_port()),
        "WALLTRACK_GRAPH_REDIS_PORT": str(_free_port()),
        **{
            f"WALLTRACK_{name}": UNUSED_UPSTREAM
            for name in (
                "DEXSCREENER_BASE_URL",
                "HELIUS_API_BASE_URL",
                "HELIUS_RPC_URL",
                "JUPITER_BASE_URL",
                "RUGCHECK_BASE_URL",
            )
        },
    }


def seed_database(data_dir: Path, database_url: str, *, seed: int, hours: float) -> list[str]:
    """The simulated day's tokens, swaps, candidates and profiles, stored by the product's
    repositories (module doc); returns the profiled wallets, best score first."""
    from pydantic import SecretStr  # noqa: PLC0415 - heavy imports only where they are used

    from sim.render import Renderer  # noqa: PLC0415
    from sim.world import Scenario, build_world  # noqa: PLC0415
    from tests.support.sim_market import (  # noqa: PLC0415
        group,
        profile_all,
        sol_per_usdc,
        swaps_of,
        token_histories,
        utc,
    )
    from walltrack.app.container import build_container  # noqa: PLC0415
    from walltrack.config.settings import EnvSettings  # noqa: PLC0415
    from walltrack.core.discovery.token_scanner import (  # noqa: PLC0415
        best_pair_per_token,
        judge_safety,
    )
    from walltrack.core.discovery.wallet_scanner import select_candidates  # noqa: PLC0415
    from walltrack.data.models.market import Pair  # noqa: PLC0415
    from walltrack.data.models.step_settings import TokenDiscoverySettings  # noqa: PLC0415
    from walltrack.data.models.token import SafetyFacts, TokenSnapshot  # noqa: PLC0415
    from walltrack.data.models.wallet_discovery_settings import (  # noqa: PLC0415
        WalletDiscoverySettings,
    )
    from walltrack.services.token_market import pair_to_candidate  # noqa: PLC0415

    started = time.perf_counter()

    def lap(what: str) -> None:
        print(f"  {what} ({time.perf_counter() - started:.0f} s)", flush=True)

    world = build_world(dataclasses.replace(Scenario(seed=seed), history_hours=hours))
    now = utc(world.now_ms)
    lap(f"world: seed {seed}, {hours:g} h, {len(world.tokens) - 1} tokens, {world.n_tx():,} tx")
    variables = _env(data_dir, database_url)
    env = EnvSettings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=data_dir,
        database_url=SecretStr(database_url),
        **{k.removeprefix("WALLTRACK_").lower(): v for k, v in variables.items()
           if k.endswith("_URL") and k != "WALLTRACK_DATABASE_URL"},
    )  # fmt: skip
    app = build_container(env)
    try:
        renderer = Renderer(world)
        pairs = [
            pair_to_candidate(Pair.model_validate(renderer.pair(pool)), source="bench")
            for token in world.tokens[1:]  # 0 is USDC
            for pool in token.pools
        ]
        token_settings = TokenDiscoverySettings()
        rng = random.Random(seed)
        for candidate in best_pair_per_token(pairs):
            token = world.tokens[world.by_mint[candidate.mint]]
            app.tokens.upsert_discovered(candidate.as_token(), at=utc(token.created_ms))
            app.tokens.add_snapshots(
                [TokenSnapshot(mint=candidate.mint, taken_at=now, market=candidate.market)]
            )
            facts = SafetyFacts(
                mint_authority=_address(world, token.mint_authority),
                freeze_authority=_address(world, token.freeze_authority),
                authorities_known=True,
                token_program=token.program,
                extensions=list(token.extensions),
                top10_holder_pct=Decimal(rng.randint(8, 60)),
                lp_locked_pct=Decimal(repr(token.lp_locked_pct)),
                rugcheck_score_normalised=rng.randint(1, 80),
            )
            app.tokens.set_safety(candidate.mint, judge_safety(facts, token_settings, now=now))
        lap(f"tokens: {len(best_pair_per_token(pairs))} stored with a snapshot and a verdict")

        swaps = swaps_of(world)
        for i in range(0, len(swaps), 20_000):
            app.wallets.add_swaps(swaps[i : i + 20_000])
        lap(f"swaps: {len(swaps):,} stored")

        price = sol_per_usdc(world)
        by_token = group(swaps, "token_mint")
        wallet_settings = WalletDiscoverySettings()
        chosen: dict[str, None] = {}
        for mint, own in by_token.items():
            token = world.tokens[world.by_mint[mint]]
            selection = select_candidates(
                own,
                mint=mint,
                settings=wallet_settings,
                launch_at=utc(token.created_ms),
                sol_per_usdc=price,
            )
            app.wallets.add_candidates(selection.candidates, at=now, profiled_before=now)
            chosen.update(dict.fromkeys(c.wallet for c in selection.candidates))
        lap(f"candidates: {len(chosen):,} wallets from {len(by_token)} tokens")

        by_wallet = group(swaps, "wallet")
        histories = token_histories(world, by_token, price)
        profiles = profile_all({w: by_wallet[w] for w in chosen}, histories, price, now=now)
        for profile in profiles.values():
            app.wallets.save_profile(profile, malformed_transactions=0)
        lap(f"profiles: {len(profiles):,} saved")
    finally:
        app.close()
    return sorted(profiles, key=lambda w: profiles[w].score, reverse=True)


def _address(world: object, entity: int | None) -> str | None:
    return None if entity is None else str(world.addr[entity])  # type: ignore[attr-defined]


# --- the two servers -------------------------------------------------------------------------


def serve(kind: str, port: int) -> None:
    """The serving process (`--serve api|bare`): uvicorn as `walltrack run` calls it."""
    import uvicorn  # noqa: PLC0415
    from fastapi import FastAPI  # noqa: PLC0415

    app: FastAPI
    if kind == "api":
        from walltrack.api.app import create_app  # noqa: PLC0415
        from walltrack.app.container import build_container  # noqa: PLC0415
        from walltrack.config.settings import EnvSettings  # noqa: PLC0415
        from walltrack.log import configure_logging  # noqa: PLC0415

        env = EnvSettings()
        configure_logging(level=env.log_level)
        container = build_container(env)
        container.graph.ping()  # the embedded graph server starts now, as under walltrack run
        app = create_app(container)
    else:
        app = FastAPI()

        @app.get("/bare")
        def bare() -> dict[str, str]:
            return {"status": "ok"}

        @app.get("/bare-async")
        async def bare_async() -> dict[str, str]:
            return {"status": "ok"}

    uvicorn.run(app, host=HOST, port=port, log_level="warning", workers=1)


def _free_port() -> int:
    """A free loopback port below 32768 (the graph's Bolt port must be; the kernel's own picks
    are above it), as bench/startup.py picks them."""
    while True:
        port = random.randint(20_000, 32_000)
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port


class Server:
    """A serving process of this script, stopped like `walltrack run` (SIGINT)."""

    def __init__(self, kind: str, env: dict[str, str], workdir: Path, ready_path: str) -> None:
        self.port = _free_port()
        self.log = workdir / f"{kind}.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, __file__, "--serve", kind, "--port", str(self.port)],
                cwd=workdir,  # no .env of the checkout's: only the environment given here
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._await(ready_path)

    def _await(self, path: str, timeout_s: float = 120.0) -> None:
        import httpx  # noqa: PLC0415

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log}")
            try:
                if httpx.get(f"http://{HOST}:{self.port}{path}", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{path} not 200 within {timeout_s:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- the run ---------------------------------------------------------------------------------


def report(phases: dict[str, Phase], baseline: str) -> bool:
    """The table; True when every list endpoint meets both targets."""
    bare = phases[baseline]
    print(
        f"\n{'endpoint':<24}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}"
        f"{'× bare req/s':>13}{'× bare p99':>11}{'srv core':>9}{'srv ms/req':>11}"
        f"{'pg ms/req':>10}"
    )
    ok = True
    for name, phase in phases.items():
        share, factor, met = verdict(phase, bare)
        target = ""
        if name in LIST_ENDPOINTS:
            target = "  meets targets" if met else "  MISSES a target"
            ok = ok and met
        print(
            f"{name:<24}{phase.rps:7.0f}{phase.p50_ms:8.1f}{phase.p99_ms:8.1f}{phase.errors:7d}"
            f"{share:13.0%}{factor:10.1f}×{phase.server_cpu:9.0%}"
            f"{phase.server_ms_per_request:11.2f}{phase.postgres_ms_per_request:10.2f}{target}"
        )
    print(
        f"targets (list endpoints vs {baseline}): req/s >= {TARGET_THROUGHPUT_SHARE:.0%}, "
        f"p99 <= {TARGET_P99_FACTOR:g}×, no errors. srv core: share of one CPU the serving "
        "process used; ms/req: CPU time per request of that process and of Postgres"
    )
    return ok


LIST_ENDPOINTS = ("GET /discovery/tokens", "GET /wallets")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8.0, help="measured, per phase")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured, per phase")
    parser.add_argument("--max-requests", type=int, default=50_000, help="per phase")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1, help="the simulated world")
    parser.add_argument("--hours", type=float, default=24.0, help="its history")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment setting for the API's process, e.g. WALLTRACK_DB_POOL_MAX_SIZE=20",
    )
    parser.add_argument("--serve", choices=("api", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return

    from walltrack.data.postgres.embedded import (  # noqa: PLC0415
        ensure_embedded_postgres,
        stop_embedded_postgres,
    )
    from walltrack.data.postgres.migrations import apply_migrations  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="wt-api-load-") as tmp:
        data_dir = Path(tmp)
        servers: list[Server] = []
        try:
            print("seeding (embedded Postgres in a temp folder):", flush=True)
            database_url = ensure_embedded_postgres(data_dir)
            apply_migrations(database_url)
            pid_file = data_dir / "postgres" / "postmaster.pid"
            args.postmaster_pid = int(pid_file.read_text().split()[0])
            wallets = seed_database(data_dir, database_url, seed=args.seed, hours=args.hours)
            extra = dict(item.split("=", 1) for item in args.server_env)
            api = Server("api", _env(data_dir, database_url) | extra, data_dir, "/health")
            servers.append(api)
            bare = Server("bare", _env(data_dir, database_url), data_dir, "/bare")
            servers.append(bare)
            targets = [
                Target("bare def", bare.port, bare.proc.pid, ["/bare"]),
                Target("bare async def", bare.port, bare.proc.pid, ["/bare-async"]),
                Target("GET /health", api.port, api.proc.pid, ["/health"]),
                Target(LIST_ENDPOINTS[0], api.port, api.proc.pid, ["/discovery/tokens"]),
                Target(LIST_ENDPOINTS[1], api.port, api.proc.pid, ["/wallets"]),
                Target(
                    "GET /wallets/{address}",
                    api.port,
                    api.proc.pid,
                    [f"/wallets/{w}" for w in wallets[:DETAIL_WALLETS]],
                ),
            ]
            print(
                f"load: {args.clients} clients, {args.warmup:g} s warm-up + {args.seconds:g} s"
                f" per phase, {args.rounds} rounds; load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
                flush=True,
            )
            rounds: dict[str, list[Phase]] = {t.name: [] for t in targets}
            for round_no in range(1, args.rounds + 1):
                for target in targets:
                    phase = run_phase(target, args)
                    rounds[target.name].append(phase)
                    print(
                        f"  round {round_no} {target.name:<22}{phase.rps:7.0f} req/s  p50 "
                        f"{phase.p50_ms:6.1f} ms  p99 {phase.p99_ms:6.1f} ms  errors "
                        f"{phase.errors}",
                        flush=True,
                    )
            ok = report({n: median_phase(r) for n, r in rounds.items()}, "bare def")
        finally:
            for server in servers:
                server.stop()
            stop_embedded_postgres(data_dir)
    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
