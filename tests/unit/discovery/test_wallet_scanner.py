"""Which of a token's traders become candidates, and what its trades say about its market."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.profiling.builders import at, swap
from walltrack.core.discovery.wallet_scanner import market_events, select_candidates
from walltrack.data.models.wallet_discovery_settings import WalletDiscoverySettings

MINT = "Mint111111111111111111111111111111111111111"
POOL = "Pool111111111111111111111111111111111111111"
SETTINGS = WalletDiscoverySettings(early_buyers=3, top_traders=2, early_window_minutes=10)


def test_early_buyers_are_the_first_distinct_buyers_in_the_window() -> None:
    # Given five wallets buying at 0, 60, 120, 180 s and one after the 10-minute window
    swaps = [swap(f"w{i}", "buy", MINT, "100", "1", 60 * i) for i in range(4)]
    swaps.append(swap("late", "buy", MINT, "100", "1", 700))
    # When candidates are selected (3 early buyers, nobody has sold so no top trader)
    chosen = select_candidates(swaps, mint=MINT, settings=SETTINGS, launch_at=at(0))
    # Then the first three buyers are kept as early buyers, in order
    assert [c.wallet for c in chosen.candidates] == ["w0", "w1", "w2"]
    assert all(c.reasons == ("early_buyer",) for c in chosen.candidates)


def test_dust_buys_do_not_make_an_early_buyer() -> None:
    # Given an early dust buy below min_buy_sol (0.05 SOL) and a proper one later
    swaps = [swap("dust", "buy", MINT, "1", "0.001", 1), swap("real", "buy", MINT, "100", "1", 2)]
    chosen = select_candidates(swaps, mint=MINT, settings=SETTINGS, launch_at=at(0))
    # Then only the proper buyer is an early buyer
    assert [c.wallet for c in chosen.candidates] == ["real"]


def test_top_traders_are_ranked_by_realised_pnl_and_losers_are_not_kept() -> None:
    settings = SETTINGS.model_copy(update={"early_buyers": 0})
    # Given three round trips after the early window: +2 SOL, +1 SOL and -0.5 SOL
    swaps = [
        trade
        for wallet, proceeds in (("big", "3"), ("small", "2"), ("loser", "0.5"))
        for trade in (
            swap(wallet, "buy", MINT, "100", "1", 1000),
            swap(wallet, "sell", MINT, "100", proceeds, 1100),
        )
    ]
    chosen = select_candidates(swaps, mint=MINT, settings=settings, launch_at=at(0))
    # Then the two profitable traders are kept, best first, with their PnL on the token
    assert [(c.wallet, c.reasons) for c in chosen.candidates] == [
        ("big", ("top_trader",)),
        ("small", ("top_trader",)),
    ]
    assert chosen.candidates[0].realised_pnl_sol == Decimal(2)


def test_denylisted_pool_and_infrastructure_are_dropped() -> None:
    # Given a denylisted router, the token's pool, and a market maker in most of the swaps
    settings = SETTINGS.model_copy(
        update={"infra_min_swaps": 10, "denylist": ["JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4"]}
    )
    swaps = [swap("mm", "buy", MINT, "1", "1", i) for i in range(20)]
    swaps += [swap("JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4", "buy", MINT, "1", "1", 30)]
    swaps += [swap(POOL, "buy", MINT, "1", "1", 31), swap("person", "buy", MINT, "1", "1", 32)]
    chosen = select_candidates(swaps, mint=MINT, settings=settings, launch_at=at(0), exclude=[POOL])
    # Then only the person is a candidate and each drop is counted by reason
    assert [c.wallet for c in chosen.candidates] == ["person"]
    assert chosen.counts() == {
        "traders": 4,
        "candidates": 1,
        "excluded_denylist": 2,
        "excluded_infrastructure": 1,
    }


def test_low_volume_wallets_are_not_candidates() -> None:
    settings = SETTINGS.model_copy(update={"min_wallet_volume_sol": Decimal(5)})
    swaps = [swap("small", "buy", MINT, "100", "1", 1)]
    chosen = select_candidates(swaps, mint=MINT, settings=settings, launch_at=at(0))
    assert chosen.candidates == []
    assert chosen.excluded["low_volume"] == 1


def test_market_events_launch_only_with_the_whole_history_and_new_venues_as_pool_events() -> None:
    # Given a curve token that graduates to an AMM, with an aggregator route in between
    trades = [
        swap("a", "buy", MINT, "1", "1", 0).model_copy(update={"source": "PUMP_FUN"}),
        swap("b", "buy", MINT, "1", "1", 10).model_copy(update={"source": "JUPITER"}),
        swap("c", "buy", MINT, "1", "1", 20).model_copy(update={"source": "PUMP_AMM"}),
        swap("d", "buy", MINT, "1", "1", 30).model_copy(update={"source": "PUMP_AMM"}),
    ]
    complete = market_events(trades, complete=True)
    # Then the launch is the first trade, and the pool event is the AMM's first trade only
    assert complete.launch_slot == trades[0].slot
    assert complete.pool_event_slots == (trades[2].slot,)
    # And with a capped history the launch is unknown (never guessed)
    assert market_events(trades, complete=False).launch_slot is None
