"""`PositionRepository.risk_state` on real Postgres: the figures step 7's risk rules read (live
exposure, equity and its peak, today's net realised PnL, the latest outcomes) from positions
written as the trading tables hold them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from walltrack.data.models.risk import OpenExposure
from walltrack.data.postgres.database import Database
from walltrack.data.postgres.positions import PositionRepository

DAY = datetime(2026, 12, 7, tzinfo=UTC)
START = 10_000_000_000  # 10 SOL


def _position(db: Database, n: int, status: str, **values: Any) -> None:
    row = {
        "position_id": uuid.uuid4(),
        "signal_id": n,
        "token_mint": f"mint-{n}",
        "wallet": f"wallet-{n}",
        "owner_id": f"own-{n % 2}",
        "status": status,
        "opened_at": DAY - timedelta(days=2),
        "size_lamports": 500_000_000,
        **values,
    }
    columns = ", ".join(row)
    with db.connection() as conn:
        conn.execute(
            f"insert into public.positions ({columns})"
            f" values ({', '.join(f'%({k})s' for k in row)})",
            row,
        )


def test_risk_state_reads_exposure_equity_peak_today_and_the_latest_outcomes(
    clean_db: Database,
) -> None:
    # Given three closed positions: +0.3 SOL two days ago, -0.1 yesterday, -0.05 today
    # (fees included), one open position marked at a gain, one entry still opening
    _position(
        clean_db,
        1,
        "closed",
        closed_at=DAY - timedelta(days=2),
        realised_lamports=310_000_000,
        fees_lamports=10_000_000,
    )
    _position(
        clean_db,
        2,
        "closed",
        closed_at=DAY - timedelta(hours=20),
        realised_lamports=-95_000_000,
        fees_lamports=5_000_000,
    )
    _position(
        clean_db,
        3,
        "closed",
        closed_at=DAY + timedelta(hours=1),
        realised_lamports=-45_000_000,
        fees_lamports=5_000_000,
    )
    _position(
        clean_db,
        4,
        "open",
        held_units=1_000,
        cost_lamports=400_000_000,
        last_price=500_000,
        last_priced_at=DAY,
    )
    _position(clean_db, 5, "opening", size_lamports=250_000_000)
    _position(clean_db, 6, "failed")
    # When the risk rules' figures are read for today, with a streak of 2
    state = PositionRepository(clean_db).risk_state(
        starting_lamports=START, day_start=DAY, streak=2
    )
    # Then the live exposure is the open position's cost and the pending entry's size
    assert sorted(state.open_positions, key=lambda e: e.token_mint) == [
        OpenExposure("mint-4", "own-0", 400_000_000),
        OpenExposure("mint-5", "own-1", 250_000_000),
    ]
    # And equity = start + net realised (0.3 - 0.1 - 0.05) + unrealised (1,000 x 500,000 - cost)
    assert state.equity_lamports == START + 150_000_000 + 100_000_000
    # And the peak is the best running realised total (+0.3 after the first close) or now
    assert state.peak_equity_lamports == START + 300_000_000
    # And today's net realised PnL counts only the position closed today
    assert state.realised_today_lamports == -50_000_000
    # And the latest two outcomes, newest first, are two losses; the last loss is today's
    assert list(state.recent_losses) == [True, True]
    assert state.last_loss_closed_at == DAY + timedelta(hours=1)


def test_risk_state_of_an_empty_book_is_the_starting_equity(clean_db: Database) -> None:
    # Given no position / When read
    state = PositionRepository(clean_db).risk_state(
        starting_lamports=START, day_start=DAY, streak=3
    )
    # Then nothing is exposed, equity and peak are the start, no outcome is known
    assert state.open_positions == []
    assert (state.equity_lamports, state.peak_equity_lamports) == (START, START)
    assert state.realised_today_lamports == 0
    assert list(state.recent_losses) == []
    assert state.last_loss_closed_at is None
