"""The paper ledger on the real embedded Postgres, through the API: positions and their filled
orders (written with the orders' fill arithmetic), the followed wallets' stored swaps and the
signals become GET /ledger's totals, /ledger/equity's curve, /ledger/wallets' "ours vs theirs"
and /ledger/shadow's replay of a rejected signal — each figure checked against a hand count."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import base58
import pytest
from fastapi.testclient import TestClient

from walltrack.api.app import create_app
from walltrack.app.container import Container, build_container
from walltrack.clock import ManualClock
from walltrack.config.settings import EnvSettings
from walltrack.core.order.fills import apply_entry_fill, apply_exit_fill
from walltrack.data.models.signals import Signal
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.trading import Order, Position
from walltrack.data.postgres.database import Database

AT = datetime(2026, 12, 18, 12, tzinfo=UTC)
NOW = AT + timedelta(hours=1)
SOL = 1_000_000_000
START = 10 * SOL  # SizingSettings.paper_starting_sol's default
FEE = 15_000


def _address(i: int) -> str:
    return base58.b58encode(bytes([i]) * 32).decode()


LEADER, OTHER, RETAIL = _address(1), _address(2), _address(3)
MINT, RUGGED = _address(40), _address(41)


def _swap(n: int, wallet: str, side: str, mint: str, tokens: str, sol: str, minutes: int) -> Swap:
    return Swap(
        signature=base58.b58encode(bytes([n]) * 64).decode(),
        wallet=wallet,
        side=side,
        token_mint=mint,
        token_amount=Decimal(tokens),
        quote_mint=SOL_MINT,
        quote_amount=Decimal(sol),
        source="PUMP_AMM",
        timestamp=AT + timedelta(minutes=minutes),
        slot=1000 + n,
    )


def _signal(swap: Swap, *, accepted: bool, score: float) -> Signal:
    return Signal(
        kind="entry",
        signature=swap.signature,
        wallet=swap.wallet,
        owner_id="own-" + swap.wallet[:4],
        token_mint=swap.token_mint,
        side="buy",
        token_amount=swap.token_amount,
        quote_mint=SOL_MINT,
        quote_amount=swap.quote_amount,
        onchain_at=swap.timestamp,
        received_at=swap.timestamp,
        scored_at=swap.timestamp,
        via="webhook",
        score=score,
        accepted=accepted,
        reason="accepted" if accepted else "score 0.40 < 0.50",
    )


def _insert(conn: Any, table: str, row: dict[str, Any]) -> None:
    values = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in row.items()}
    columns = ", ".join(values)
    marks = ", ".join(f"%({k})s" for k in values)
    conn.execute(f"insert into public.{table} ({columns}) values ({marks})", values)


def _order(
    position: Position, n: int, side: str, *, filled_in: int, filled_out: int, minutes: int
) -> Order:
    at = AT + timedelta(minutes=minutes)
    return Order(
        order_id=UUID(int=n),
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


@pytest.fixture
def container(base_env: EnvSettings, clean_db: Database) -> Iterator[Container]:
    built = build_container(base_env, clock=ManualClock(NOW))
    yield built
    built.close()


@pytest.fixture
def seeded(container: Container) -> Container:
    """LEADER bought 1,000 MINT for 1 SOL (accepted: we copied it with 0.5 SOL), sold half for
    0.6 SOL 10 min later (we mirrored: 250,000,000 units for 0.3 SOL); RETAIL then bought at
    0.0015 SOL/token. OTHER bought RUGGED (rejected), which then lost half its price."""
    buy = _swap(1, LEADER, "buy", MINT, "1000", "1", 0)
    swaps = [
        buy,
        _swap(2, LEADER, "sell", MINT, "500", "0.6", 10),
        _swap(3, RETAIL, "buy", MINT, "100", "0.15", 20),
        rugged := _swap(4, OTHER, "buy", RUGGED, "1000", "1", 0),
        _swap(5, RETAIL, "buy", RUGGED, "1000", "1", 1),
        _swap(6, RETAIL, "sell", RUGGED, "1000", "0.5", 2),
    ]
    container.wallets.add_swaps(swaps)
    container.signals.add(_signal(buy, accepted=True, score=0.8))
    container.signals.add(_signal(rugged, accepted=False, score=0.4))
    with container.db.connection() as conn:
        ids = {
            r["signature"]: r["id"]
            for r in conn.execute("select id, signature from public.signals")
        }
        # 6 decimals: 0.001 SOL/token = 1 lamport per base unit
        opening = Position(
            position_id=UUID(int=77),
            signal_id=ids[buy.signature],
            token_mint=MINT,
            wallet=LEADER,
            owner_id="own-" + LEADER[:4],
            status="opening",
            opened_at=AT,
            size_lamports=SOL // 2,
            token_decimals=6,
        )
        held = apply_entry_fill(
            opening, filled_in=SOL // 2, filled_out=500_000_000, fees_lamports=FEE, at=AT
        )
        entry = _order(opening, 1, "entry", filled_in=SOL // 2, filled_out=500_000_000, minutes=0)
        exit_ = _order(held, 2, "exit", filled_in=250_000_000, filled_out=300_000_000, minutes=10)
        after = apply_exit_fill(
            held,
            sold_units=250_000_000,
            filled_out=300_000_000,
            fees_lamports=FEE,
            reason="mirror_sell",
            at=AT + timedelta(minutes=10),
        )
        marked = after.model_copy(update={"last_price": Decimal("1.5"), "last_priced_at": NOW})
        _insert(conn, "positions", marked.model_dump())
        for order in (entry, exit_):
            _insert(conn, "orders", order.model_dump(exclude={"fees_lamports"}))
    return container


@pytest.fixture
def api(seeded: Container, auth_headers: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(seeded), headers=auth_headers) as client:
        yield client


CASH = START - SOL // 2 - FEE + 300_000_000 - FEE


def test_ledger_totals_and_positions(api: TestClient) -> None:
    # Given: the seeded position (250,000,000 units left at a cost of 0.25 SOL, marked at 1.5
    # lamports/unit) and its two fills
    # When: GET /ledger
    body = api.get("/ledger").json()
    totals = body["totals"]
    # Then: cash from the fills, holdings at cost and at the mark, and the book balances
    assert totals["cash_lamports"] == CASH
    assert totals["holdings_cost_lamports"] == 250_000_000
    assert totals["holdings_value_lamports"] == 375_000_000
    assert totals["realised_lamports"] == 50_000_000
    assert totals["fees_lamports"] == 2 * FEE
    assert totals["unrealised_lamports"] == 125_000_000
    assert totals["equity_lamports"] == CASH + 375_000_000
    assert totals["net_pnl_lamports"] == 175_000_000 - 2 * FEE
    assert totals["balanced"] is True
    assert (totals["open_positions"], totals["fills"]) == (1, 2)
    [position] = body["positions"]
    assert position["invested_lamports"] == SOL // 2
    assert position["net_pnl_lamports"] == 175_000_000 - 2 * FEE


def test_a_book_out_of_balance_shows(api: TestClient, seeded: Container) -> None:
    # Given: a writer that lost a fee on the position (the orders still say two fees were paid)
    with seeded.db.connection() as conn:
        conn.execute("update public.positions set fees_lamports = fees_lamports - 1")
    # When: GET /ledger  Then: the imbalance is reported, by how much
    totals = api.get("/ledger").json()["totals"]
    assert totals["balanced"] is False
    assert totals["imbalance_lamports"] == -1


def test_equity_curve(api: TestClient) -> None:
    # When: GET /ledger/equity
    curve = api.get("/ledger/equity").json()
    # Then: start, the entry (held at its fill price), the exit (the rest at the exit's price,
    # 1.2 lamports/unit), and now at the mark (1.5)
    points = curve["points"]
    assert [p["event"] for p in points] == ["start", "entry", "exit", "now"]
    assert [p["equity_lamports"] for p in points] == [
        START,
        START - FEE,
        CASH + 300_000_000,
        CASH + 375_000_000,
    ]
    assert curve["max_drawdown_lamports"] == FEE
    assert curve["peak_lamports"] == CASH + 375_000_000


def test_our_pnl_vs_the_leaders(api: TestClient) -> None:
    # When: GET /ledger/wallets
    body = api.get("/ledger/wallets").json()
    [row] = body["wallets"]
    # Then: the leader made 0.1 SOL realised + 500 × 0.0015 − 0.5 = 0.25 unrealised on 1 SOL
    # (+35 %); we made 0.175 SOL − fees on 0.5 SOL (+34.99 %): almost all of its edge kept
    assert row["wallet"] == LEADER
    assert Decimal(row["their_realised_sol"]) == Decimal("0.1")
    assert Decimal(row["their_unrealised_sol"]) == Decimal("0.25")
    assert row["their_return_pct"] == pytest.approx(35.0)
    assert row["our_return_pct"] == pytest.approx((175_000_000 - 2 * FEE) / (SOL // 2) * 100)
    assert row["edge_kept_pct"] == pytest.approx(row["our_return_pct"] / 35.0 * 100)
    assert body["edge_kept_pct"] == pytest.approx(row["edge_kept_pct"])


def test_shadow_pnl_of_the_rejected_signal(api: TestClient) -> None:
    # When: GET /ledger/shadow
    body = api.get("/ledger/shadow").json()
    rejected = next(t for t in body["trades"] if not t["accepted"])
    # Then: the rejected buy of RUGGED, sized 0.5 SOL × 0.4 = 0.2 SOL, filled at the next stored
    # trade (0.001 SOL/token), is stopped out at -50 %: -0.1 SOL and two fees; the two sides are
    # summed apart, with what the replay cannot see
    assert rejected["token_mint"] == RUGGED
    assert rejected["exits"] == ["stop_loss"]
    assert rejected["pnl_lamports"] == -100_000_000 - 2 * FEE
    assert body["rejected"]["pnl_lamports"] == rejected["pnl_lamports"]
    assert (body["accepted"]["signals"], body["rejected"]["signals"]) == (1, 1)
    assert body["actual_net_pnl_lamports"] == 175_000_000 - 2 * FEE
    assert body["blind_spots"]


def test_an_empty_ledger(container: Container, auth_headers: dict[str, str]) -> None:
    # Given: no position yet  When: each route is read  Then: the starting equity, nothing else
    with TestClient(create_app(container), headers=auth_headers) as client:
        totals = client.get("/ledger").json()["totals"]
        assert (totals["equity_lamports"], totals["balanced"]) == (START, True)
        assert [p["equity_lamports"] for p in client.get("/ledger/equity").json()["points"]] == [
            START,
            START,
        ]
        assert client.get("/ledger/wallets").json()["wallets"] == []
        assert client.get("/ledger/shadow").json()["trades"] == []
        assert client.get("/ledger/shadow", params={"limit": 0}).status_code == 422
