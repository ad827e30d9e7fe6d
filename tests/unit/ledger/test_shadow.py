"""The shadow replay of an entry signal: sized like a real entry, filled at the first stored
trade after it, exited by the real exit rules on later trades (stop loss, mirror-sell, time
stop at the end), and the totals of a side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walltrack.core.ledger.shadow import ShadowRules, replay, side_of
from walltrack.data.models.signals import Signal
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap
from walltrack.data.models.trading_settings import ExitSettings, OrderSettings, SizingSettings

AT = datetime(2026, 12, 18, 12, tzinfo=UTC)
MINT = "Mint" + "1" * 40
LEADER, OTHER = "L" * 43, "O" * 43
FEE = 15_000  # the default network + priority fee per paper transaction
RULES = ShadowRules(SizingSettings(), ExitSettings(), OrderSettings(), equity_lamports=10**10)
SIZE = 400_000_000  # 0.5 SOL × score 0.8


def _signal(*, accepted: bool = False, score: float = 0.8) -> Signal:
    return Signal(
        id=7,
        kind="entry",
        signature="sig0",
        wallet=LEADER,
        owner_id="own",
        token_mint=MINT,
        side="buy",
        token_amount=Decimal(1000),
        quote_mint=SOL_MINT,
        quote_amount=Decimal(1),
        onchain_at=AT,
        received_at=AT,
        scored_at=AT,
        via="webhook",
        score=score,
        accepted=accepted,
        reason="ok" if accepted else "score under 0.9",
    )


def _swap(
    n: int,
    price: str,
    *,
    wallet: str = OTHER,
    side: str = "buy",
    tokens: str = "1000",
    minutes: int | None = None,
) -> Swap:
    return Swap(
        signature=f"sig{n}",
        wallet=wallet,
        side=side,
        token_mint=MINT,
        token_amount=Decimal(tokens),
        quote_mint=SOL_MINT,
        quote_amount=Decimal(tokens) * Decimal(price),
        source="PUMP_AMM",
        timestamp=AT + timedelta(minutes=n if minutes is None else minutes),
        slot=n,
    )


def test_a_rug_is_stopped_out() -> None:
    # Given: a rejected signal at 0.001 SOL/token, the next trade at the same price, then -10 %
    # and -40 %
    tape = [
        _swap(0, "0.001", wallet=LEADER),
        _swap(1, "0.001"),
        _swap(2, "0.0009"),
        _swap(3, "0.0006"),
        _swap(4, "0.0001"),
    ]
    # When: replayed
    trade = replay(_signal(), tape, RULES, as_of=AT + timedelta(hours=1))
    # Then: 0.4 SOL bought 400,000,000,000 units (1e-9 token each) at the first trade after the
    # signal (its own swap skipped), all sold by the stop loss at 0.0006: 0.24 SOL back, minus
    # two fees
    assert trade.size_lamports == SIZE
    assert trade.entry_price == Decimal("0.001")
    assert trade.exits == ["stop_loss"]
    assert trade.pnl_lamports == 240_000_000 - SIZE - 2 * FEE
    assert trade.return_pct == pytest.approx(trade.pnl_lamports / SIZE * 100)
    assert not trade.open_at_end


def test_the_leader_selling_half_is_mirrored_and_the_rest_marked() -> None:
    # Given: the leader bought 1,000 tokens (the signal), sells 500 at +20 %, price then +25 %
    tape = [
        _swap(1, "0.001"),
        _swap(2, "0.0012", wallet=LEADER, side="sell", tokens="500"),
        _swap(3, "0.00125"),
    ]
    # When: replayed
    trade = replay(_signal(), tape, RULES, as_of=AT + timedelta(hours=1))
    # Then: half sold at 0.0012 (+0.04 SOL on 0.2), the other half still held, marked at 0.00125
    assert trade.exits == ["mirror_sell"]
    assert trade.open_at_end
    # (400,000,000,000 units: 200e9 sold for 0.24 SOL on a 0.2 SOL cost, 200e9 worth 0.25 SOL)
    assert trade.pnl_lamports == 40_000_000 + 50_000_000 - 2 * FEE


def test_the_time_stop_fires_at_the_end_when_no_trade_came() -> None:
    # Given: an entry and a flat trade an hour later; the replay runs 25 hours after
    tape = [_swap(1, "0.001"), _swap(60, "0.001")]
    # When: replayed
    trade = replay(_signal(), tape, RULES, as_of=AT + timedelta(hours=25))
    # Then: the 24 h time stop sells everything at the last mark: only the fees are lost
    assert trade.exits == ["time_stop"]
    assert trade.pnl_lamports == -2 * FEE


def test_no_trade_after_the_signal_is_unpriced() -> None:
    # Given: only the signal's own swap is stored
    trade = replay(_signal(), [_swap(0, "0.001", wallet=LEADER)], RULES, as_of=AT)
    # Then: no PnL, and why
    assert trade.pnl_lamports is None
    assert "no stored trade" in trade.note


def test_a_size_under_the_minimum_is_not_replayed() -> None:
    # Given: a score of 0.05: 0.025 SOL, under the 0.05 SOL minimum
    trade = replay(_signal(score=0.05), [_swap(1, "0.001")], RULES, as_of=AT)
    # Then: sizing refuses it, as a real entry would be
    assert trade.pnl_lamports is None
    assert trade.note.startswith("sizing refuses it")


def test_a_side_sums_what_was_replayed() -> None:
    # Given: a loser (stop loss), a flat time stop, and an unpriced signal
    loser = replay(
        _signal(), [_swap(1, "0.001"), _swap(2, "0.0006")], RULES, as_of=AT + timedelta(hours=1)
    )
    flat = replay(_signal(), [_swap(1, "0.001")], RULES, as_of=AT + timedelta(hours=25))
    unpriced = replay(_signal(), [], RULES, as_of=AT)
    # When: summed
    side = side_of([loser, flat, unpriced])
    # Then: two replayed, one unpriced; return on the 0.8 SOL put in; no winner
    assert (side.signals, side.replayed, side.unpriced) == (3, 2, 1)
    assert side.invested_lamports == 2 * SIZE
    assert side.pnl_lamports == (loser.pnl_lamports or 0) + (flat.pnl_lamports or 0)
    assert side.return_pct == pytest.approx(side.pnl_lamports / (2 * SIZE) * 100)
    assert side.win_rate_pct == 0.0
