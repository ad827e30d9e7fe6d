"""Step 6's ingest tests: a stack whose webhook_ingest knows the secret, listed wallets, and
what the tables hold."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import uvicorn
from fastapi import FastAPI

from sim.render import Renderer
from sim.world import SWAP, World
from tests.conftest import free_port
from tests.support.stack import Stack
from walltrack.app.container import Container
from walltrack.app.swaps import parse_transaction
from walltrack.runtime.local import LocalRuntime

SECRET = "test-webhook-secret-0123456789abcdef"
IngestStack = Stack


def list_wallets(
    container: Container, wallets: Iterable[str], *, since: datetime | None = None
) -> None:
    """Put `wallets` on the watchlist as listed (step 5's table, as step 6 reads it)."""
    at = since or datetime.now(UTC)
    with container.db.connection() as conn:
        conn.cursor().executemany(
            "insert into public.watchlist (address, listed, owner_id, reason, changed_at)"
            " values (%s, true, null, 'test', %s)"
            " on conflict (address) do update set listed = true, changed_at = excluded.changed_at",
            [(wallet, at) for wallet in wallets],
        )


def swap_transactions(world: World, n: int) -> list[int]:
    """The world's last `n` successful swap transactions."""
    txs = [tx for tx in range(world.n_tx() - 1, -1, -1) if world.t_kind[tx] == SWAP]
    return sorted(txs[:n])


def table_counts(container: Container) -> dict[str, int]:
    with container.db.connection() as conn:
        row = conn.execute(
            "select (select count(*) from public.ingested_swaps) as ingested_swaps,"
            " (select count(*) from public.swaps) as swaps,"
            " (select count(*) from public.outbox where queue = 'signal_score')"
            "   as signal_messages,"
            " (select count(*) from public.webhook_deliveries) as deliveries,"
            " (select coalesce(sum(attempts), 0) from public.webhook_refusals) as refused"
        ).fetchone()
    assert row is not None
    return {key: int(value) for key, value in row.items()}


def ingested_keys(container: Container, *, via: str | None = None) -> set[tuple[str, str, str]]:
    with container.db.connection() as conn:
        rows = conn.execute(
            "select signature, wallet, token_mint from public.ingested_swaps"
            " where %s::text is null or via = %s",
            (via, via),
        ).fetchall()
    return {(r["signature"], r["wallet"], r["token_mint"]) for r in rows}


@contextmanager
def served_function_urls(runtime: LocalRuntime) -> Iterator[str]:
    """The runtime's Function URLs (`/fn/<Function>/`) under uvicorn on 127.0.0.1, as
    `walltrack run` serves them; yields the base URL."""
    app = FastAPI()
    app.include_router(runtime.url_router())
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def expected_keys(
    world: World, wallets: Collection[str], txs: Iterable[int]
) -> dict[tuple[str, str, str], int]:
    """The swaps of `wallets` the product's parser finds in the world's enhanced `txs` (what a
    full history read gives), each with its transaction."""
    renderer = Renderer(world)
    return {
        (s.signature, s.wallet, s.token_mint): tx
        for tx in txs
        for s in parse_transaction(renderer.enhanced(tx), wallets=wallets)
    }
