"""P&L tab texts, tables and figures from the API's JSON (real ledger models dumped as the API
does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from ui.ledger import (
    EMPTY,
    POSITION_HEADERS,
    SHADOW_HEADERS,
    WALLET_HEADERS,
    equity_figure,
    position_rows,
    shadow_markdown,
    shadow_rows,
    sol,
    totals_markdown,
    wallet_rows,
    wallets_figure,
    wallets_markdown,
)
from walltrack.core.ledger.book import Fill, ledger_of
from walltrack.core.ledger.equity import equity_curve
from walltrack.core.ledger.shadow import BLIND_SPOTS, side_of
from walltrack.data.models.ledger import ShadowReport, ShadowTrade, WalletsVersus, WalletVersus
from walltrack.data.models.trading import Position

AT = datetime(2026, 12, 18, 12, tzinfo=UTC)
SOL = 1_000_000_000
P1 = UUID(int=1)
POSITION = Position(
    position_id=P1,
    signal_id=1,
    token_mint="Mint" + "1" * 40,
    wallet="W" * 43,
    owner_id="own",
    status="open",
    opened_at=AT,
    size_lamports=SOL,
    held_units=500_000,
    cost_lamports=SOL // 2,
    realised_lamports=300_000_000,
    fees_lamports=30_000,
    last_price=Decimal(1200),
)
FILLS = [
    Fill(UUID(int=10), P1, "entry", AT, SOL, 1_000_000, 15_000),
    Fill(UUID(int=11), P1, "exit", AT + timedelta(minutes=5), 500_000, 800_000_000, 15_000),
]


def _json(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(mode="json")
    return dumped


def test_sol_formatting() -> None:
    # Given lamports  When shown  Then SOL with 4 decimals, signed where asked, — when unknown
    assert sol(1_234_567_890) == "1.2346"
    assert sol(-50_000_000, signed=True) == "-0.0500"
    assert sol(None) == "—"


def test_totals_say_equity_drawdown_and_balance() -> None:
    # Given the ledger and curve of one position with two fills
    ledger = _json(ledger_of([POSITION], FILLS, starting_lamports=10 * SOL, as_of=AT))
    curve = _json(equity_curve(FILLS, starting_lamports=10 * SOL, started_at=AT, as_of=AT))
    # When the totals are written
    text = totals_markdown(ledger, curve)
    # Then equity, net PnL, positions, drawdown and the balance check are there
    assert "**Equity 10.4000 SOL**" in text
    assert "net PnL **+0.4000 SOL**" in text
    assert "1 open, 0 closed, 0 failed · 2 fill(s)" in text
    assert "Max drawdown 0.0000 SOL" in text
    assert "✅ Books balance" in text
    # and an out-of-balance book is shouted
    ledger["totals"] |= {"balanced": False, "imbalance_lamports": -1}
    assert "out of balance by -1 lamports" in totals_markdown(ledger, None)
    empty = _json(ledger_of([], [], starting_lamports=10 * SOL, as_of=AT))
    assert EMPTY in totals_markdown(empty, None)


def test_position_rows_and_equity_figure() -> None:
    ledger = _json(ledger_of([POSITION], FILLS, starting_lamports=10 * SOL, as_of=AT))
    curve = _json(equity_curve(FILLS, starting_lamports=10 * SOL, started_at=AT, as_of=AT))
    [row] = position_rows(ledger)
    assert len(row) == len(POSITION_HEADERS)
    assert row[4] == "1.0000"  # invested
    assert row[7] == "+0.1000"  # unrealised at 1,200 lamports/unit
    figure = equity_figure(curve)
    assert [t.name for t in figure.data] == ["equity", "cash"]
    assert figure.data[0].y[0] == 10.0
    assert len(figure.data[0].x) == len(curve["points"])


def _versus(kept: float | None) -> dict[str, Any]:
    row = WalletVersus(
        wallet="W" * 43,
        owner_id="own",
        positions=2,
        tokens=1,
        our_invested_lamports=SOL,
        our_net_pnl_lamports=370_000_000,
        our_return_pct=37.0,
        their_bought_sol=Decimal(2),
        their_realised_sol=Decimal(1),
        their_unrealised_sol=Decimal("0.5"),
        their_pnl_sol=Decimal("1.5"),
        their_return_pct=75.0,
        their_unpriced_lots=0,
        their_unmatched_sells=0,
        edge_kept_pct=kept,
    )
    return _json(
        WalletsVersus(
            wallets=[row], our_return_pct=37.0, their_return_pct=75.0, edge_kept_pct=kept, as_of=AT
        )
    )


def test_ours_vs_theirs() -> None:
    body = _versus(49.3)
    [row] = wallet_rows(body)
    assert len(row) == len(WALLET_HEADERS)
    assert row[3:6] == ["+37.0 %", "+75.0 %", "49 %"]
    assert row[7] == "+1.5000"
    assert "**49 % of their edge kept**" in wallets_markdown(body)
    assert "kept" not in wallets_markdown(_versus(None))
    figure = wallets_figure(body)
    assert [t.name for t in figure.data] == ["ours", "theirs"]
    assert list(figure.data[1].y) == [75.0]
    assert wallets_markdown({"wallets": []}) == "No followed wallet copied yet."


def test_shadow_side_by_side() -> None:
    def trade(n: int, accepted: bool, pnl: int | None) -> ShadowTrade:
        return ShadowTrade(
            signal_id=n,
            accepted=accepted,
            reason="r",
            wallet="W" * 43,
            token_mint="M" * 43,
            score=0.5,
            onchain_at=AT,
            size_lamports=SOL // 4,
            entry_price=Decimal("0.001"),
            exits=["stop_loss"] if pnl and pnl < 0 else [],
            pnl_lamports=pnl,
            return_pct=None if pnl is None else pnl / (SOL // 4) * 100,
            open_at_end=pnl == 0,
        )

    trades = [trade(1, True, 50_000_000), trade(2, False, -100_000_000), trade(3, False, None)]
    body = _json(
        ShadowReport(
            accepted=side_of(trades[:1]),
            rejected=side_of(trades[1:]),
            actual_net_pnl_lamports=40_000_000,
            trades=trades,
            blind_spots=list(BLIND_SPOTS),
            as_of=AT,
        )
    )
    text = shadow_markdown(body)
    assert "| accepted | 1 | 1 | +0.0500 | +20.0 % | 100 % |" in text
    assert "| rejected | 2 | 1 | -0.1000 | -40.0 % | 0 % |" in text
    assert "**+0.0400 SOL**" in text
    assert BLIND_SPOTS[0] in text
    rows = shadow_rows(body)
    assert all(len(r) == len(SHADOW_HEADERS) for r in rows)
    assert rows[1][8] == "stop_loss"
    assert rows[2][6] == "—"
