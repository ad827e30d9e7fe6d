"""A followed wallet buys a token step 1 has never seen (minutes after its launch, before any
scan): signal_score discovers it and checks its safety on the spot, as the Discovery tab's
"add token" does, instead of rejecting the buy as "never checked"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sim.world import World
from tests.support.stack import Stack
from walltrack.data.models.messages import SignalScoreRequested
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.swap import Swap

WALLET = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"


def _young_token(world: World) -> str:
    """A token the market lists (launched in the world's history), not the SOL/USDC pair."""
    return world.tokens[len(world.tokens) - 1].mint


def test_a_buy_of_a_token_never_scanned_is_judged_on_its_checked_safety(
    stack: Stack, world: World
) -> None:
    # Given a profiled, followed wallet and its stored buy of a token WallTrack has never seen
    app = stack.container
    mint = _young_token(world)
    assert app.tokens.get(mint) is None
    now = app.clock.now()
    with app.db.connection() as conn:
        conn.execute(
            "insert into public.wallets (address, status, first_seen_at, profiled_at, score,"
            " confidence) values (%s, 'profiled', %s, %s, 0.6, 0.8)",
            (WALLET, now, now),
        )
    swap = Swap(
        signature="5" * 87,
        wallet=WALLET,
        side="buy",
        token_mint=mint,
        token_amount=Decimal("1000"),
        quote_mint=SOL_MINT,
        quote_amount=Decimal("0.5"),
        source="PUMP_AMM",
        timestamp=now - timedelta(seconds=3),
        slot=1,
    )
    app.wallets.add_swaps([swap])
    message = SignalScoreRequested.for_swap(
        signature=swap.signature,
        wallet=WALLET,
        token_mint=mint,
        received_at=now - timedelta(seconds=1),
        via="webhook",
    )

    # When signal_score judges the buy
    signal = app.signal_jobs.judge(message)

    # Then the token was discovered and checked on the spot, and the signal weighed its verdict
    token = app.tokens.get(mint)
    assert token is not None
    assert token.safety is not None
    # stored as the signal's find, not the user's (a user's add is never flagged by filters)
    assert "signal" in token.sources
    assert "manual" not in token.sources
    safety = next(c for c in signal.components if c.name == "token_safety")
    assert safety.detail == token.safety.verdict
    assert "never checked" not in signal.reason
