"""The ledger's figures on hand-computed cases: a position's PnL at its mark, the account's
totals, the equity curve and its max drawdown, and our PnL vs a followed wallet's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from walltrack.core.ledger.book import Fill, ledger_of, position_pnl
from walltrack.core.ledger.equity import equity_curve, max_drawdown
from walltrack.core.ledger.versus import wallets_versus
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.trading import Position

AT = datetime(2026, 12, 18, 12, tzinfo=UTC)
SOL = 1_000_000_000
START = 10 * SOL
MINT = "Mint" + "1" * 40
P1, P2 = UUID(int=1), UUID(int=2)


def _position(**changes: object) -> Position:
    fields: dict[str, object] = {
        "position_id": P1,
        "signal_id": 1,
        "token_mint": MINT,
        "wallet": "W" * 43,
        "owner_id": "own",
        "status": "open",
        "opened_at": AT,
        "size_lamports": SOL,
        "held_units": 500_000,
        "cost_lamports": SOL // 2,
        "realised_lamports": 300_000_000,
        "fees_lamports": 30_000,
        "entry_price": Decimal(1000),
        "last_price": Decimal(1200),
    }
    return Position.model_validate(fields | changes)


def _fill(
    n: int, side: str, filled_in: int, filled_out: int, *, position: UUID = P1, fees: int = 15_000
) -> Fill:
    return Fill(
        UUID(int=100 + n), position, side, AT + timedelta(minutes=n), filled_in, filled_out, fees
    )


# 1 SOL for 1,000,000 units (1,000 lamports/unit), then half sold for 0.8 SOL (1,600/unit)
FILLS = [_fill(1, "entry", SOL, 1_000_000), _fill(2, "exit", 500_000, 800_000_000)]


def test_a_position_at_its_mark() -> None:
    # Given: half of 1,000,000 units left at a cost of 0.5 SOL, marked at 1,200 lamports/unit
    # When: its figures are computed
    row = position_pnl(_position(), invested_lamports=SOL)
    # Then: worth 0.6 SOL: 0.1 SOL unrealised; net = 0.3 realised − fees + 0.1
    assert row.value_lamports == 600_000_000
    assert row.unrealised_lamports == 100_000_000
    assert row.net_pnl_lamports == 300_000_000 - 30_000 + 100_000_000


def test_an_unpriced_holding_is_valued_at_cost_and_counted() -> None:
    # Given: a holding never marked  When: computed  Then: at cost, unrealised unknown
    row = position_pnl(_position(last_price=None), invested_lamports=SOL)
    assert row.value_lamports == SOL // 2
    assert row.unrealised_lamports is None
    assert row.net_pnl_lamports == 300_000_000 - 30_000


def test_the_account_totals() -> None:
    # Given: the position above and its two fills
    # When: the ledger is computed
    ledger = ledger_of([_position()], FILLS, starting_lamports=START, as_of=AT)
    t = ledger.totals
    # Then: cash = 10 − 1 − fee + 0.8 − fee; equity = cash + 0.6 SOL at the mark
    assert t.cash_lamports == START - SOL - 15_000 + 800_000_000 - 15_000
    assert t.holdings_value_lamports == 600_000_000
    assert t.equity_lamports == t.cash_lamports + 600_000_000
    assert t.net_pnl_lamports == 400_000_000 - 30_000
    assert t.unrealised_lamports == 100_000_000
    assert t.balanced
    assert (t.open_positions, t.closed_positions, t.fills) == (1, 0, 2)
    assert ledger.positions[0].invested_lamports == SOL


def test_the_equity_curve_moves_at_each_fill_and_ends_at_the_marks() -> None:
    # Given: the two fills, and the position's mark now 800 lamports/unit
    # When: the curve is built
    curve = equity_curve(
        FILLS,
        starting_lamports=START,
        started_at=AT,
        as_of=AT + timedelta(hours=1),
        marks={P1: Decimal(800)},
    )
    # Then: start, entry (held at the fill price: equity falls by the fee), exit (the rest at
    # the exit's price 1,600), now (the rest at 800)
    equities = [p.equity_lamports for p in curve.points]
    assert [p.event for p in curve.points] == ["start", "entry", "exit", "now"]
    assert equities[0] == START
    assert equities[1] == START - 15_000
    cash = START - SOL - 15_000 + 800_000_000 - 15_000
    assert equities[2] == cash + 500_000 * 1600
    assert equities[3] == cash + 500_000 * 800
    assert curve.points[2].holdings_cost_lamports == SOL // 2
    assert curve.peak_lamports == equities[2]
    assert curve.max_drawdown_lamports == equities[2] - equities[3]
    assert curve.max_drawdown_pct == pytest.approx((equities[2] - equities[3]) / equities[2] * 100)


def test_max_drawdown_is_from_the_running_peak() -> None:
    # Given: 100 → 120 → 90 → 130 → 117  When: measured  Then: the 30 fall from 120 (25 %)
    assert max_drawdown([100, 120, 90, 130, 117]) == (30, 25.0, 130)
    assert max_drawdown([]) == (0, 0.0, 0)


def _swap(n: int, side: str, tokens: str, sol: str, wallet: str = "W" * 43) -> Swap:
    return Swap(
        signature=f"sig{n}",
        wallet=wallet,
        side=side,
        token_mint=MINT,
        token_amount=Decimal(tokens),
        quote_mint=SOL_MINT,
        quote_amount=Decimal(sol),
        source="PUMP_AMM",
        timestamp=AT + timedelta(minutes=n),
        slot=n,
    )


def test_our_pnl_vs_theirs() -> None:
    # Given: our copy of W returned +37 % (0.37 SOL on 1 SOL; closed); W itself bought
    # 1,000 tokens for 2 SOL, sold 500 for 2 SOL and still holds 500, last traded at 0.003 SOL
    ours = position_pnl(
        _position(status="closed", held_units=0, cost_lamports=0, realised_lamports=370_030_000),
        invested_lamports=SOL,
    )
    theirs = [_swap(0, "buy", "1000", "2"), _swap(5, "sell", "500", "2")]
    # When: compared
    versus = wallets_versus(
        [ours], {"W" * 43: theirs}, marks_sol={MINT: Decimal("0.003")}, as_of=AT
    )
    row = versus.wallets[0]
    # Then: theirs = realised 1 + unrealised (1.5 − 1) = 1.5 SOL on 2 SOL: +75 %; we kept
    # 37 / 75 of it
    assert row.our_return_pct == pytest.approx(37.0)
    assert row.their_realised_sol == Decimal(1)
    assert row.their_unrealised_sol == Decimal("0.5")
    assert row.their_return_pct == pytest.approx(75.0)
    assert row.edge_kept_pct == pytest.approx(37 / 75 * 100)
    assert versus.edge_kept_pct == pytest.approx(37 / 75 * 100)


def test_no_edge_to_keep_when_the_wallet_lost() -> None:
    # Given: our copy lost 10 %, the wallet lost 50 %
    ours = position_pnl(
        _position(status="closed", held_units=0, cost_lamports=0, realised_lamports=-99_970_000),
        invested_lamports=SOL,
    )
    theirs = [_swap(0, "buy", "1000", "2"), _swap(5, "sell", "1000", "1")]
    # When: compared
    row = wallets_versus([ours], {"W" * 43: theirs}, marks_sol={}, as_of=AT).wallets[0]
    # Then: both returns shown, no share kept (a ratio of two losses is not a kept edge)
    assert row.our_return_pct == pytest.approx(-10.0)
    assert row.their_return_pct == pytest.approx(-50.0)
    assert row.edge_kept_pct is None


def test_a_failed_position_is_no_copy() -> None:
    # Given: a position whose entry was rejected (nothing invested)
    failed = position_pnl(
        _position(
            status="failed", held_units=0, cost_lamports=0, realised_lamports=0, fees_lamports=0
        ),
        invested_lamports=0,
    )
    # When: compared  Then: the wallet has no row
    assert wallets_versus([failed], {}, marks_sol={}, as_of=AT).wallets == []


def test_no_edge_to_keep_when_the_wallet_only_broke_even() -> None:
    # Given: our copy made 10 %, the wallet's own trades returned a rounding remainder
    ours = position_pnl(
        _position(status="closed", held_units=0, cost_lamports=0, realised_lamports=100_030_000),
        invested_lamports=SOL,
    )
    theirs = [_swap(0, "buy", "3", "1"), _swap(5, "sell", "3", "1.000000000000000001")]
    # When: compared
    row = wallets_versus([ours], {"W" * 43: theirs}, marks_sol={}, as_of=AT).wallets[0]
    # Then: its return shows as (almost) nothing, and no share of it is claimed
    assert row.their_return_pct is not None
    assert 0 < row.their_return_pct < 1e-12
    assert row.edge_kept_pct is None
