"""Step 8's Orders tab in a real browser against `walltrack run`: two opening positions with
their pending entries are seeded in the stack's embedded Postgres and their OrderExecuteRequested
queued on the stack's own OrderExecuteQueue (as position_open's transaction does); the stack's
OrderExecuteFunction fills one from the sim's Jupiter and rejects the other (a mint nothing
routes), and both rows appear in the open tab without a reload, with route, impact and fees or
the reason; the Rejected filter keeps only the rejection; a clicked fill shows its whole quote.

Seeding goes through SQL on the stack's Postgres (as the Signals tab's test does): position_open
is another engineer's, and this test must not depend on the sim choosing to trade.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import base58
import httpx
import pytest

from tests.e2e.conftest import Stack
from walltrack.cli.market import SIM_API_KEY
from walltrack.data.models.messages import OrderExecuteRequested
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.trading_settings import ExitSettings
from walltrack.data.postgres.database import Database, create_pool
from walltrack.data.postgres.local_queues import PostgresQueueStore

APPEAR_WITHIN_MS = 30_000
COLUMNS = 17  # ui.orders.ORDER_HEADERS
SIZE = 50_000_000  # 0.05 SOL


def _address() -> str:
    return base58.b58encode(uuid.uuid4().bytes * 2).decode()


@pytest.fixture
def stack_db(stack: Stack) -> Iterator[Database]:
    """The stack's embedded Postgres on its Unix socket (postmaster.pid's port and socket)."""
    lines = (stack.data_dir / "postgres" / "postmaster.pid").read_text().splitlines()
    port, socket_dir = lines[3].strip(), lines[4].strip()
    db = Database(create_pool(f"postgresql://postgres@/postgres?host={socket_dir}&port={port}"))
    yield db
    db.close()


def _business_now(stack: Stack) -> datetime:
    body = httpx.get(f"{stack.base_url}/orders", headers=stack.auth, timeout=30).json()
    return datetime.fromisoformat(body["as_of"])


def _tradable(stack: Stack, db: Database) -> str:
    """A sim token Jupiter routes SOL into now, with no live position of ours."""
    from sim.world import Scenario, build_world  # noqa: PLC0415 - the test's market, not ours

    with db.connection() as conn:
        live = {
            r["token_mint"]
            for r in conn.execute(
                "select token_mint from public.positions where status in ('opening', 'open')"
            ).fetchall()
        }
    world = build_world(Scenario.small(seed=7))
    for token in reversed(world.tokens[1:]):
        if token.mint in live:
            continue
        answer = httpx.get(
            f"{stack.sim_url}/swap/v1/quote",
            params={"inputMint": SOL_MINT, "outputMint": token.mint, "amount": str(SIZE)},
            headers={"x-api-key": SIM_API_KEY},
            timeout=30,
        )
        if answer.status_code == 200:
            return str(token.mint)
    raise AssertionError("no tradable sim token")


def _seed_entry(db: Database, mint: str, now: datetime) -> uuid.UUID:
    """An opening position with its pending entry and its queued order_execute message."""
    position_id, order_id = uuid.uuid4(), uuid.uuid4()
    plan = json.dumps(ExitSettings().model_dump(mode="json"))
    with db.connection() as conn:
        conn.execute(
            "insert into public.positions (position_id, signal_id, token_mint, wallet, owner_id,"
            " status, opened_at, size_lamports, exit_plan)"
            " values (%s, %s, %s, %s, 'own-e2e', 'opening', %s, %s, %s::jsonb)",
            (position_id, -uuid.uuid4().int % 2**62, mint, _address(), now, SIZE, plan),
        )
        conn.execute(
            "insert into public.orders (order_id, position_id, side, reason, status,"
            " requested_at, input_mint, output_mint, amount_in)"
            " values (%s, %s, 'entry', 'signal', 'pending', %s, %s, %s, %s)",
            (order_id, position_id, now, SOL_MINT, mint, SIZE),
        )
    message = OrderExecuteRequested.for_order(order_id)
    PostgresQueueStore(db).add(
        "OrderExecuteQueue",
        [(str(message.message_id), message.model_dump_json())],
        sent_at=now,
        visible_at=now,
    )
    return order_id


def _cell(page: Any, text: str) -> Any:
    return page.locator("#orders-table [data-testid^='cell-']").filter(has_text=text).first


def _rows(page: Any) -> dict[str, list[str]]:
    """The table's rows by order id (cells read in order; the table renders them lazily, so
    rows are taken from its cells rather than its <tr>s)."""
    cells = page.locator("#orders-table [data-testid^='cell-']").all_inner_texts()
    rows = [cells[i : i + COLUMNS] for i in range(0, len(cells) - COLUMNS + 1, COLUMNS)]
    return {row[0]: row for row in rows}


def _wait_for_cell(page: Any, text: str, *, near: uuid.UUID) -> None:
    """Wait until the order's row shows `text` (the timer re-reads the page every 3 s)."""
    _cell(page, str(near)).wait_for(timeout=APPEAR_WITHIN_MS)
    page.wait_for_function(
        """([id, text, columns]) => {
            const cells = [...document.querySelectorAll("#orders-table [data-testid^='cell-']")]
                .map((c) => c.innerText);
            const at = cells.indexOf(id);
            return at >= 0 && cells.slice(at, at + columns).some((c) => c.includes(text));
        }""",
        arg=[str(near), text, COLUMNS],
        timeout=APPEAR_WITHIN_MS,
    )


def test_orders_fill_and_reject_live_filter_and_open_with_their_quote(
    page: Any, stack: Stack, stack_db: Database
) -> None:
    # Given the Orders tab open
    page.goto(f"{stack.base_url}/ui/")
    page.get_by_role("tab", name="Orders").click()
    page.locator("#orders-count").wait_for()
    # When an entry on a tradable sim token and one on a mint nothing routes are queued
    now = _business_now(stack)
    filled = _seed_entry(stack_db, _tradable(stack, stack_db), now)
    rejected = _seed_entry(stack_db, _address(), now)
    # Then both rows appear without a reload: one filled with its route, impact and fees, the
    # other rejected with Jupiter's no-route reason
    _wait_for_cell(page, "filled", near=filled)
    _wait_for_cell(page, "no route", near=rejected)
    rows = _rows(page)
    assert "0.05 SOL →" in rows[str(filled)][7]
    assert rows[str(filled)][4] == "filled"
    assert rows[str(filled)][12]  # the route
    assert rows[str(filled)][13] == "0.000015 SOL"  # network 5,000 + priority 10,000 lamports
    assert rows[str(rejected)][4] == "rejected"
    assert rows[str(rejected)][15].startswith("no route:")

    # When only the rejected are asked for, then the fill leaves the table
    page.locator("#orders-status").get_by_text("Rejected", exact=True).click()
    _cell(page, str(filled)).wait_for(state="detached", timeout=APPEAR_WITHIN_MS)
    assert str(rejected) in _rows(page)
    assert {row[4] for row in _rows(page).values()} == {"rejected"}

    # When all are shown again and the fill's row is clicked
    page.locator("#orders-status").get_by_text("All", exact=True).click()
    _cell(page, str(filled)).wait_for(timeout=APPEAR_WITHIN_MS)
    _cell(page, str(filled)).click()
    # Then its summary and the whole Jupiter quote it was filled on show
    page.locator("#order-summary").get_by_text(str(filled)).first.wait_for()
    assert "filled" in page.locator("#order-summary").inner_text()
    page.locator("#order-quote").get_by_text("routePlan").first.wait_for()
