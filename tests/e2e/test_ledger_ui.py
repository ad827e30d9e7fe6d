"""The P&L tab in a real browser against `walltrack run`: a copied position with its two fills,
the followed wallet's own swaps and its signal, seeded in the stack's embedded Postgres, show as
the position's row, the equity curve, the wallet's "ours vs theirs" row and bars, and the shadow
table; a second position seeded while the tab is open appears without a click (the tab's timer).

Seeding goes through SQL and the product's repositories on the stack's Postgres (as the Signals
tab's test does): the whole loop through the sim is the lead's test; this one must not depend on
the sim choosing to trade."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import base58
import httpx
import pytest

from tests.e2e.conftest import Stack
from walltrack.core.order.fills import apply_entry_fill, apply_exit_fill
from walltrack.data.models.signals import Signal
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.trading import Order, Position
from walltrack.data.postgres.database import Database, create_pool
from walltrack.data.postgres.signals import SignalRepository
from walltrack.data.postgres.wallets import WalletRepository

APPEAR_WITHIN_MS = 30_000
SOL = 1_000_000_000


def _address() -> str:
    return base58.b58encode(uuid.uuid4().bytes * 2).decode()


def _short(address: str) -> str:
    return f"{address[:4]}…{address[-4:]}"


@pytest.fixture
def stack_db(stack: Stack) -> Iterator[Database]:
    """The stack's embedded Postgres on its Unix socket (postmaster.pid's port and socket)."""
    lines = (stack.data_dir / "postgres" / "postmaster.pid").read_text().splitlines()
    port, socket_dir = lines[3].strip(), lines[4].strip()
    db = Database(create_pool(f"postgresql://postgres@/postgres?host={socket_dir}&port={port}"))
    yield db
    db.close()


def _business_now(stack: Stack) -> datetime:
    body = httpx.get(f"{stack.base_url}/ledger/equity", headers=stack.auth, timeout=30).json()
    return datetime.fromisoformat(body["as_of"])


def _insert(db: Database, table: str, row: dict[str, Any]) -> None:
    values = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in row.items()}
    columns, marks = ", ".join(values), ", ".join(f"%({k})s" for k in values)
    with db.connection() as conn:
        conn.execute(f"insert into public.{table} ({columns}) values ({marks})", values)


def _swap(wallet: str, side: str, mint: str, tokens: str, sol: str, at: datetime) -> Swap:
    return Swap(
        signature=base58.b58encode(uuid.uuid4().bytes * 4).decode(),
        wallet=wallet,
        side=side,
        token_mint=mint,
        token_amount=Decimal(tokens),
        quote_mint=SOL_MINT,
        quote_amount=Decimal(sol),
        source="PUMP_AMM",
        timestamp=at,
        slot=1,
    )


def _order(position: Position, side: str, filled_in: int, filled_out: int, at: datetime) -> Order:
    return Order(
        order_id=uuid.uuid4(),
        position_id=position.position_id,
        side=side,
        reason="signal" if side == "entry" else "mirror_sell",
        status="filled",
        requested_at=at,
        executed_at=at,
        input_mint=SOL_MINT if side == "entry" else position.token_mint,
        output_mint=position.token_mint if side == "entry" else SOL_MINT,
        amount_in=filled_in,
        filled_in=filled_in,
        filled_out=filled_out,
        network_fee_lamports=5_000,
        priority_fee_lamports=10_000,
    )


def _seed_copy(db: Database, now: datetime) -> dict[str, str]:
    """A leader's buy (its accepted signal, copied with 0.5 SOL), its sale of half at +20 %
    (mirrored), and a later trade at +50 %: our copy is up, and so is the leader."""
    leader, mint = _address(), _address()
    start = now - timedelta(minutes=30)
    buy = _swap(leader, "buy", mint, "1000", "1", start)
    WalletRepository(db).add_swaps(
        [
            buy,
            _swap(leader, "sell", mint, "500", "0.6", start + timedelta(minutes=10)),
            _swap(_address(), "buy", mint, "100", "0.15", start + timedelta(minutes=20)),
        ]
    )
    SignalRepository(db).add(
        Signal(
            kind="entry",
            signature=buy.signature,
            wallet=leader,
            owner_id=leader,
            token_mint=mint,
            side="buy",
            token_amount=buy.token_amount,
            quote_mint=SOL_MINT,
            quote_amount=buy.quote_amount,
            onchain_at=start,
            received_at=start,
            scored_at=start,
            via="webhook",
            score=0.8,
            accepted=True,
            reason="accepted",
        )
    )
    with db.connection() as conn:
        row = conn.execute(
            "select id from public.signals where signature = %s", (buy.signature,)
        ).fetchone()
    assert row is not None
    opening = Position(
        position_id=UUID(int=uuid.uuid4().int),
        signal_id=row["id"],
        token_mint=mint,
        wallet=leader,
        owner_id=leader,
        status="opening",
        opened_at=start,
        size_lamports=SOL // 2,
        token_decimals=6,
    )
    held = apply_entry_fill(
        opening, filled_in=SOL // 2, filled_out=500_000_000, fees_lamports=15_000, at=start
    )
    sold_at = start + timedelta(minutes=10)
    after = apply_exit_fill(
        held,
        sold_units=250_000_000,
        filled_out=300_000_000,
        fees_lamports=15_000,
        reason="mirror_sell",
        at=sold_at,
    )
    _insert(db, "positions", after.model_copy(update={"last_price": Decimal("1.5")}).model_dump())
    _insert(
        db,
        "orders",
        _order(opening, "entry", SOL // 2, 500_000_000, start).model_dump(
            exclude={"fees_lamports"}
        ),
    )
    _insert(
        db,
        "orders",
        _order(held, "exit", 250_000_000, 300_000_000, sold_at).model_dump(
            exclude={"fees_lamports"}
        ),
    )
    return {"leader": leader, "mint": mint}


def _cell(page: Any, table: str, text: str) -> Any:
    return page.locator(f"#{table} [data-testid^='cell-']").filter(has_text=text).first


def test_pnl_tab_shows_the_ledger_ours_vs_theirs_and_refreshes_while_shown(
    page: Any, stack: Stack, stack_db: Database
) -> None:
    # Given a copied position with its fills and the leader's own swaps, and the P&L tab opened
    first = _seed_copy(stack_db, _business_now(stack))
    page.goto(f"{stack.base_url}/ui/")
    page.get_by_role("tab", name="P&L").click()
    # Then the position's row, the totals with the balance check, the equity curve, the
    # leader's ours-vs-theirs row with bars, and the shadow table show
    _cell(page, "ledger-positions", _short(first["mint"])).wait_for(timeout=APPEAR_WITHIN_MS)
    totals = page.locator("#ledger-totals").inner_text()
    assert "Equity" in totals
    assert "Max drawdown" in totals
    page.locator("#ledger-equity .js-plotly-plot").first.wait_for()
    _cell(page, "ledger-wallets", _short(first["leader"])).wait_for()
    page.locator("#ledger-versus-chart .js-plotly-plot .bars").first.wait_for()
    assert "accepted" in page.locator("#ledger-shadow").inner_text()
    _cell(page, "ledger-shadow-table", _short(first["mint"])).wait_for()

    # When a second copy is stored while the tab is shown
    second = _seed_copy(stack_db, _business_now(stack))
    # Then its row appears without a click (the tab's timer)
    _cell(page, "ledger-positions", _short(second["mint"])).wait_for(timeout=APPEAR_WITHIN_MS)
    _cell(page, "ledger-wallets", _short(second["leader"])).wait_for(timeout=APPEAR_WITHIN_MS)
