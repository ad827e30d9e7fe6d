"""FIFO lots: hand-computed round trips, unmatched sells, quote handling, exact conservation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.profiling.builders import T0, at, swap
from walltrack.core.discovery.fifo import (
    PRECISION,
    SolTrade,
    build_ledger,
    match_fifo,
    unrealised_pnl,
)
from walltrack.data.models.solana import USDC_MINT

W = "WalletA"
TOKEN_A, TOKEN_B = "TokenA", "TokenB"
D = Decimal


def test_a_buy_then_a_full_sell_is_one_round_trip() -> None:
    # Given a buy of 100 tokens for 1 SOL and their sale 90 s later for 1.5 SOL
    swaps = [swap(W, "buy", TOKEN_A, "100", "1", 0), swap(W, "sell", TOKEN_A, "100", "1.5", 90)]
    # When matched
    ledger = build_ledger(swaps)
    # Then one round trip with exact PnL and hold time, nothing left open
    (trip,) = ledger.round_trips
    assert (trip.cost_sol, trip.proceeds_sol, trip.pnl_sol) == (D("1"), D("1.5"), D("0.5"))
    assert trip.hold_seconds == 90
    assert ledger.open_lots == ()
    assert ledger.realised_pnl_sol == D("0.5")


def test_a_partial_sell_spans_lots_oldest_first() -> None:
    # Given lots of 100 @ 1 SOL and 100 @ 3 SOL, then a sale of 150 for 6 SOL
    swaps = [
        swap(W, "buy", TOKEN_A, "100", "1", 0),
        swap(W, "buy", TOKEN_A, "100", "3", 10),
        swap(W, "sell", TOKEN_A, "150", "6", 20),
    ]
    # When matched
    ledger = build_ledger(swaps)
    # Then the first lot closes whole and half of the second closes, proceeds split by quantity
    first, second = ledger.round_trips
    assert (first.quantity, first.cost_sol, first.proceeds_sol) == (D(100), D(1), D(4))
    assert (second.quantity, second.cost_sol, second.proceeds_sol) == (D(50), D("1.5"), D(2))
    assert first.buy_signature != second.buy_signature
    assert ledger.realised_pnl_sol == D("3.5")
    # And the rest of the second lot stays open at its share of the cost
    (lot,) = ledger.open_lots
    assert (lot.quantity, lot.cost_sol) == (D(50), D("1.5"))


def test_a_sell_beyond_holdings_is_counted_not_turned_into_pnl() -> None:
    # Given 10 tokens bought for 1 SOL, then 15 sold for 3 SOL (5 came from before the window)
    swaps = [swap(W, "buy", TOKEN_A, "10", "1", 0), swap(W, "sell", TOKEN_A, "15", "3", 60)]
    # When matched
    ledger = build_ledger(swaps)
    # Then only the 10 held are a round trip (2 SOL of proceeds); the rest is reported apart
    (trip,) = ledger.round_trips
    assert (trip.quantity, trip.proceeds_sol, trip.pnl_sol) == (D(10), D(2), D(1))
    assert ledger.unmatched_sells == 1
    assert ledger.unmatched_quantity == {TOKEN_A: D(5)}
    assert ledger.unmatched_proceeds_sol == D(1)


def test_a_sell_with_no_buy_at_all_is_wholly_unmatched() -> None:
    ledger = build_ledger([swap(W, "sell", TOKEN_A, "7", "0.7", 0)])
    assert ledger.round_trips == ()
    assert ledger.unmatched_sells == 1
    assert ledger.unmatched_proceeds_sol == D("0.7")


def test_tokens_are_matched_independently() -> None:
    # Given interleaved trades in two tokens
    swaps = [
        swap(W, "buy", TOKEN_A, "10", "1", 0),
        swap(W, "buy", TOKEN_B, "20", "2", 1),
        swap(W, "sell", TOKEN_B, "20", "1", 2),
        swap(W, "sell", TOKEN_A, "5", "2", 3),
    ]
    # When matched
    ledger = build_ledger(swaps)
    # Then each sell consumes only its own token's lots
    pnl = {rt.token_mint: rt.pnl_sol for rt in ledger.round_trips}
    assert pnl == {TOKEN_A: D("1.5"), TOKEN_B: D(-1)}
    (lot,) = ledger.open_lots
    assert (lot.token_mint, lot.quantity, lot.cost_sol) == (TOKEN_A, D(5), D("0.5"))


def test_wallets_are_matched_independently() -> None:
    swaps = [swap("W1", "buy", TOKEN_A, "10", "1", 0), swap("W2", "sell", TOKEN_A, "10", "2", 5)]
    ledger = build_ledger(swaps)
    assert ledger.round_trips == ()
    assert ledger.unmatched_sells == 1


def test_thirds_split_exactly_with_the_remainder_on_the_last_portion() -> None:
    # Given 3 tokens for 1 SOL sold one at a time
    swaps = [swap(W, "buy", TOKEN_A, "3", "1", 0)] + [
        swap(W, "sell", TOKEN_A, "1", "0.5", s) for s in (1, 2, 3)
    ]
    # When matched
    ledger = build_ledger(swaps)
    # Then each portion is its share of what is left, rounded half-even to 1e-18
    # (1/3 → …333; 0.666…667/2 → …3335 → …334; the last takes the rest, …333)
    costs = [rt.cost_sol for rt in ledger.round_trips]
    assert costs == [
        D("0.333333333333333333"),
        D("0.333333333333333334"),
        D("0.333333333333333333"),
    ]
    # And they add up to exactly 1 SOL
    assert sum(costs) == D(1)
    assert ledger.realised_pnl_sol == D("0.5")


def test_input_order_does_not_matter_time_does() -> None:
    buy = swap(W, "buy", TOKEN_A, "10", "1", 0)
    sell = swap(W, "sell", TOKEN_A, "10", "2", 30)
    assert build_ledger([sell, buy]).round_trips == build_ledger([buy, sell]).round_trips


def test_usdc_swaps_are_converted_at_the_given_price_or_skipped_and_counted() -> None:
    # Given a buy paid in USDC and a sale in SOL
    swaps = [
        swap(W, "buy", TOKEN_A, "10", "150", 0, quote_mint=USDC_MINT),
        swap(W, "sell", TOKEN_A, "10", "2", 60),
    ]
    # When a SOL/USDC price is known, the USDC leg is valued in SOL
    converted = build_ledger(swaps, sol_per_usdc=D("0.01"))
    assert converted.round_trips[0].cost_sol == D("1.5")
    assert converted.skipped.usdc_unpriced == 0
    # When it is not, the USDC swap is skipped and counted (and the sell is then unmatched)
    skipped = build_ledger(swaps)
    assert skipped.skipped.usdc_unpriced == 1
    assert skipped.unmatched_sells == 1


def test_token_to_token_and_other_quotes_are_skipped_and_counted() -> None:
    swaps = [
        swap(W, "swap", TOKEN_A, "10", "5", 0, quote_mint=TOKEN_B),
        swap(W, "buy", TOKEN_A, "10", "5", 1, quote_mint="SomeOtherQuote"),
    ]
    ledger = build_ledger(swaps)
    assert (ledger.skipped.token_to_token, ledger.skipped.other_quote) == (1, 1)
    assert ledger.skipped.total == 2
    assert ledger.round_trips == ()
    assert ledger.open_lots == ()


def test_open_lots_are_valued_at_current_prices_and_unpriced_ones_counted() -> None:
    # Given 100 A for 1 SOL and 10 B for 1 SOL still held
    ledger = build_ledger(
        [swap(W, "buy", TOKEN_A, "100", "1", 0), swap(W, "buy", TOKEN_B, "10", "1", 1)]
    )
    # When only A has a quote (0.02 SOL per token)
    unrealised = unrealised_pnl(ledger.open_lots, {TOKEN_A: D("0.02")})
    # Then A is worth 2 SOL (+1), and B is counted as unpriced rather than guessed
    assert (unrealised.value_sol, unrealised.pnl_sol) == (D(2), D(1))
    assert (unrealised.priced_lots, unrealised.unpriced_lots) == (1, 1)


# ---------------------------------------------------------------- properties

_amounts = st.decimals(min_value=D("0.000001"), max_value=D("1000000"), places=6)
_events = st.lists(
    st.tuples(
        st.sampled_from(["buy", "sell"]), st.sampled_from([TOKEN_A, TOKEN_B]), _amounts, _amounts
    ),
    max_size=40,
)


def _trades(events: list[tuple[str, str, Decimal, Decimal]]) -> list[SolTrade]:
    return [
        SolTrade(f"s{i}", W, mint, side, qty, sol, T0 + timedelta(seconds=i), i)  # type: ignore[arg-type]
        for i, (side, mint, qty, sol) in enumerate(events)
    ]


@settings(max_examples=200, deadline=None)
@given(_events)
def test_cost_and_proceeds_are_conserved_exactly(
    events: list[tuple[str, str, Decimal, Decimal]],
) -> None:
    # Given any sequence of buys and sells
    trades = _trades(events)
    # When matched
    ledger = match_fifo(trades)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        bought = sum((t.sol for t in trades if t.side == "buy"), D(0))
        sold = sum((t.sol for t in trades if t.side == "sell"), D(0))
        closed_cost = sum((rt.cost_sol for rt in ledger.round_trips), D(0))
        open_cost = sum((lot.cost_sol for lot in ledger.open_lots), D(0))
        matched = sum((rt.proceeds_sol for rt in ledger.round_trips), D(0))
        # Then realised cost + remaining cost basis is what was paid, to the last digit
        assert closed_cost + open_cost == bought == ledger.bought_sol
        # And matched + unmatched proceeds is what was received
        assert matched + ledger.unmatched_proceeds_sol == sold == ledger.sold_sol
        # And realised PnL is matched proceeds minus the cost they closed
        assert ledger.realised_pnl_sol == matched - closed_cost


@settings(max_examples=100, deadline=None)
@given(_events)
def test_lot_quantities_never_go_negative_and_balance_the_flows(
    events: list[tuple[str, str, Decimal, Decimal]],
) -> None:
    # Given any sequence, looked at after every trade
    trades = _trades(events)
    for end in range(len(trades) + 1):
        prefix = trades[:end]
        ledger = match_fifo(prefix)
        # Then every open lot holds a positive quantity and a non-negative cost
        assert all(lot.quantity > 0 and lot.cost_sol >= 0 for lot in ledger.open_lots)
        for mint in (TOKEN_A, TOKEN_B):
            bought = sum(
                (t.quantity for t in prefix if t.token_mint == mint and t.side == "buy"), D(0)
            )
            sold = sum(
                (t.quantity for t in prefix if t.token_mint == mint and t.side == "sell"), D(0)
            )
            held = sum((lot.quantity for lot in ledger.open_lots if lot.token_mint == mint), D(0))
            unmatched = ledger.unmatched_quantity.get(mint, D(0))
            # And what is held is what was bought minus what was sold out of lots
            assert held == bought - (sold - unmatched) >= 0


def test_round_trip_times_come_from_the_buy_and_the_sell() -> None:
    ledger = build_ledger(
        [swap(W, "buy", TOKEN_A, "1", "1", 0), swap(W, "sell", TOKEN_A, "1", "1", 3600)]
    )
    (trip,) = ledger.round_trips
    assert (trip.bought_at, trip.sold_at) == (at(0), at(3600))
