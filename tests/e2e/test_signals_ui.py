"""Step 6's Signals tab in a real browser against `walltrack run`: swaps of watched wallets are
stored and their signal_score messages queued in the stack's own local queue (as ingest does),
the stack's SignalScoreFunction scores them, and the rows appear in the open tab without a
reload; the accepted/rejected filter keeps its own; a clicked signal shows its breakdown chart,
its components and its latency.

Seeding goes through the product's own repositories and queue store on the stack's embedded
Postgres (found from its postmaster.pid, as psql would): ingest's webhook path is another
engineer's test, and this one must not depend on the sim choosing to trade.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import base58
import httpx
import pytest

from tests.e2e.conftest import Stack
from walltrack.data.models.messages import SignalScoreRequested
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.token import SafetyVerdict, Token, TokenMarket
from walltrack.data.postgres.database import Database, create_pool
from walltrack.data.postgres.local_queues import PostgresQueueStore
from walltrack.data.postgres.tokens import TokenRepository
from walltrack.data.postgres.wallets import WalletRepository

COLUMNS = 12  # ui.signals.SIGNAL_HEADERS
APPEAR_WITHIN_MS = 30_000


def _address() -> str:
    return base58.b58encode(uuid.uuid4().bytes * 2).decode()


def _short(address: str) -> str:
    return f"{address[:4]}…{address[-4:]}"


@pytest.fixture
def stack_db(stack: Stack) -> Iterator[Database]:
    """The stack's embedded Postgres, reached on its Unix socket (postmaster.pid's lines 4-5:
    port and socket directory) without attaching to (and so keeping alive) its server."""
    lines = (stack.data_dir / "postgres" / "postmaster.pid").read_text().splitlines()
    port, socket_dir = lines[3].strip(), lines[4].strip()
    db = Database(create_pool(f"postgresql://postgres@/postgres?host={socket_dir}&port={port}"))
    yield db
    db.close()


def _business_now(stack: Stack) -> datetime:
    body = httpx.get(f"{stack.base_url}/signals", headers=stack.auth, timeout=30).json()
    return datetime.fromisoformat(body["as_of"])


def _seed(db: Database, now: datetime) -> dict[str, str]:
    """A safe young token; three wallets' swaps on it stored and queued for scoring: a buy
    (accepted), a token-for-token swap (rejected) and a sell with no known holding (rejected)."""
    mint = _address()
    tokens = TokenRepository(db)
    tokens.upsert_discovered(
        Token(
            mint=mint,
            dex_id="raydium",
            pair_created_at=now - timedelta(hours=1),
            market=TokenMarket(liquidity_usd=Decimal("250000")),
        ),
        at=now,
    )
    tokens.set_safety(mint, SafetyVerdict(verdict="pass", checks=[], checked_at=now))
    wallets = {"buyer": _address(), "swapper": _address(), "seller": _address()}
    with db.connection() as conn:
        for address in wallets.values():
            conn.execute(
                "insert into public.wallets (address, status, first_seen_at, profiled_at, score,"
                " confidence) values (%s, 'profiled', %s, %s, 0.7, 0.9)",
                (address, now, now),
            )
    sides = {"buyer": "buy", "swapper": "swap", "seller": "sell"}
    swaps = [
        Swap(
            signature=base58.b58encode(uuid.uuid4().bytes * 4).decode(),
            wallet=address,
            side=sides[role],
            token_mint=mint,
            token_amount=Decimal("1000"),
            quote_mint=SOL_MINT if role != "swapper" else _address(),
            quote_amount=Decimal("1.5"),
            source="PUMP_AMM",
            timestamp=now - timedelta(seconds=3),
            slot=1,
        )
        for role, address in wallets.items()
    ]
    WalletRepository(db).add_swaps(swaps)
    messages = [
        SignalScoreRequested.for_swap(
            signature=s.signature, wallet=s.wallet, token_mint=s.token_mint,
            received_at=now - timedelta(seconds=1), via="webhook",
        )
        for s in swaps
    ]  # fmt: skip
    PostgresQueueStore(db).add(
        "SignalScoreQueue",
        [(str(m.message_id), m.model_dump_json()) for m in messages],
        sent_at=now - timedelta(minutes=1),
        visible_at=now - timedelta(minutes=1),
    )
    return wallets


def _rows(page: Any) -> list[list[str]]:
    cells = page.locator("#signals-table [data-testid^='cell-']").all_inner_texts()
    return [cells[i : i + COLUMNS] for i in range(0, len(cells) - COLUMNS + 1, COLUMNS)]


def _wait_for_wallet(page: Any, address: str) -> None:
    page.locator("#signals-table [data-testid^='cell-']").filter(
        has_text=_short(address)
    ).first.wait_for(timeout=APPEAR_WITHIN_MS)


def test_signals_appear_live_filter_and_open_with_their_breakdown(
    page: Any, stack: Stack, stack_db: Database
) -> None:
    # Given the Signals tab open (and buys up to an hour late accepted: the stack's sim runs
    # 60x, so the default max_delay_seconds, 300 s of business time, is 5 s of wall time, which
    # a loaded CI machine's queue and scoring can exceed)
    answer = httpx.put(
        f"{stack.base_url}/config/signals",
        json={"max_delay_seconds": 3600},
        headers=stack.auth,
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    page.goto(f"{stack.base_url}/ui/")
    page.get_by_role("tab", name="Signals").click()
    page.locator("#signals-count").wait_for()
    # When three swaps of watched wallets are stored and queued for scoring
    wallets = _seed(stack_db, _business_now(stack))
    # Then their signals appear in the open tab without a reload (the tab's timer)
    for address in wallets.values():
        _wait_for_wallet(page, address)
    by_wallet = {row[5]: row for row in _rows(page)}
    assert by_wallet[_short(wallets["buyer"])][3] == "yes"
    assert by_wallet[_short(wallets["swapper"])][3] == "no"
    assert by_wallet[_short(wallets["seller"])][2] == "exit"

    # When only the rejected are asked for
    page.locator("#signals-filter").get_by_text("Rejected", exact=True).click()
    # Then the accepted buy leaves the table and every row shown is rejected
    page.locator("#signals-table [data-testid^='cell-']").filter(
        has_text=_short(wallets["buyer"])
    ).first.wait_for(state="detached", timeout=APPEAR_WITHIN_MS)
    rows = _rows(page)
    assert rows
    assert {row[3] for row in rows} == {"no"}
    assert _short(wallets["swapper"]) in {row[5] for row in rows}

    # When all are shown again and the accepted buy's row is clicked
    page.locator("#signals-filter").get_by_text("All", exact=True).click()
    _wait_for_wallet(page, wallets["buyer"])
    page.locator("#signals-table [data-testid^='cell-']").filter(
        has_text=_short(wallets["buyer"])
    ).first.click()
    # Then its summary, the breakdown chart and the seven components show, with the latency
    summary = page.locator("#signal-summary")
    summary.get_by_text(wallets["buyer"]).first.wait_for()
    text = summary.inner_text()
    assert "accepted" in text
    assert "Latency: on-chain" in text
    page.locator("#signal-breakdown .js-plotly-plot .bars").first.wait_for()
    components = page.locator("#signal-components").inner_text()
    for name in ("wallet score", "owner consensus", "token safety", "token youth"):
        assert name in components
