"""Profiler rules: copy replay after latency and costs, bot flags, confidence-shrunk score."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.unit.profiling.builders import (
    NOW,
    at,
    market_of,
    prints,
    step_path,
    swap,
)
from walltrack.core.discovery.profiler import (
    MarketContext,
    PriceTape,
    profile_wallet,
    recent_history,
    score_copyability,
)
from walltrack.data.models.steps import STEP_SETTINGS
from walltrack.data.models.swap import Swap
from walltrack.data.models.wallet import BotFlag, CopyStats, WalletProfile
from walltrack.data.models.wallet_settings import WalletProfileSettings

D = Decimal
SETTINGS = WalletProfileSettings()
FREE_AND_INSTANT = WalletProfileSettings(
    copy_latency_seconds=0, copy_slippage_bps=0, copy_fee_bps=0, copy_fee_sol=D(0)
)
HOUR = 3_600


def _profile(
    wallet: str,
    swaps: list[Swap],
    market: MarketContext,
    settings: WalletProfileSettings = SETTINGS,
) -> WalletProfile:
    return profile_wallet(
        wallet=wallet, swaps=swaps, market=market, settings=settings, now=NOW, partial=False
    )


def _runner(
    wallet: str, n: int, *, gain: Decimal, size: str = "1", first: int = 0
) -> tuple[list[Swap], MarketContext]:
    """`n` tokens, each bought 60 s after its start and sold 10 min later after a step of ×gain."""
    swaps: list[Swap] = []
    tapes = []
    for i in range(first, first + n):
        mint, start = f"Runner{i}", i * HOUR
        before = D("0.000001")
        after = before * gain
        tape = prints(mint, step_path(start, start + 300, start + 1_200, before, after))
        tokens = D(size) / before
        swaps += [
            swap(wallet, "buy", mint, tokens, size, start + 60),
            swap(wallet, "sell", mint, tokens, tokens * after, start + 660),
        ]
        tapes.append((mint, tape))
    return swaps, market_of(tapes)


def _sniper(wallet: str, n: int) -> tuple[list[Swap], MarketContext]:
    """`n` launches: the wallet buys in the launch slot at 1e-6 and sells 5 s later at 1.5e-6,
    after a rush of others (1.5e-6 for 2-6 s) that dumps to 1.2e-6, then a slow climb."""
    swaps: list[Swap] = []
    tapes = []
    launches = {}
    for i in range(n):
        mint, start = f"Launch{i}", i * HOUR
        path = [(start + s / 2, D("0.0000015")) for s in range(4, 12)]
        path += [(start + s, D("0.0000012")) for s in range(6, 60)]
        path += step_path(start + 60, start + 3_000, start + 3_500, D("0.0000013"), D("0.000003"))
        swaps += [
            swap(wallet, "buy", mint, "1000000", "1", start),
            swap(wallet, "sell", mint, "1000000", "1.5", start + 5),
        ]
        tapes.append((mint, prints(mint, path)))
        launches[mint] = start
    return swaps, market_of(tapes, launches=launches)


def test_a_sniper_is_flagged_and_ranks_below_a_patient_wallet() -> None:
    # Given a sniper that buys in the launch slot and sells 5 s later, ten times, +50 % each
    sniper_swaps, sniper_market = _sniper("Sniper", 10)
    # And a patient wallet that buys a minute in and holds ten minutes, ten times, +30 % each
    patient_swaps, patient_market = _runner("Patient", 10, gain=D("1.3"))
    # When both are profiled with the default latency, slippage and fees
    sniper = _profile("Sniper", sniper_swaps, sniper_market)
    patient = _profile("Patient", patient_swaps, patient_market)
    # Then the sniper made more on paper but is flagged, with the value and the threshold
    assert sniper.roi is not None
    assert patient.roi is not None
    assert sniper.roi > patient.roi
    kinds = {flag.kind: flag for flag in sniper.bot_flags}
    assert set(kinds) == {"launch_sniper", "fast_flipper"}
    assert kinds["fast_flipper"].reason == "median hold 5.0 s < 30 s"
    assert kinds["launch_sniper"].reason.startswith("10 of 10 buys (100%) within 8 slot(s)")
    # And copying it loses money while copying the patient wallet does not
    assert sniper.copyability.edge is not None
    assert sniper.copyability.edge < 0
    assert patient.copyability.edge is not None
    assert patient.copyability.edge > 0
    # And the patient wallet ranks above it
    assert not patient.is_bot
    assert patient.score > 0 > sniper.score


def test_an_edge_that_needs_zero_latency_does_not_survive_three_seconds() -> None:
    # Given a wallet whose every buy is followed within a second by a rush (+10 %), and which
    # sells into the rush just before it fades (-7 % three seconds later)
    swaps: list[Swap] = []
    tapes = []
    for i in range(12):
        mint, start = f"Rush{i}", i * HOUR
        path = [(start + 1 + s, D("0.0000011")) for s in range(10)]
        path += [(start + 12 + s, D("0.000001")) for s in range(30)]
        swaps += [
            swap("Fast", "buy", mint, "1000000", "1", start),
            swap("Fast", "sell", mint, "1000000", "1.08", start + 10),
        ]
        tapes.append((mint, prints(mint, path) + [s for s in swaps if s.token_mint == mint]))
    market = market_of(tapes)
    # When replayed with no latency and no costs, the copy keeps the edge
    instant = _profile("Fast", swaps, market, FREE_AND_INSTANT)
    assert instant.copyability.edge is not None
    assert instant.copyability.edge > 0
    # When replayed with our 3 s latency, 5 % slippage and fees
    copied = _profile("Fast", swaps, market)
    # Then there is no edge left, though the wallet itself made 8 % a trade
    assert copied.roi == D("0.08")
    assert copied.copyability.edge is not None
    assert copied.copyability.edge <= 0
    assert copied.score <= 0


def test_confidence_grows_with_the_number_of_copied_buys() -> None:
    # Given wallets with the same +30 % trade repeated 1, 5, 15 and 40 times
    profiles = []
    for n in (1, 5, 15, 40):
        swaps, market = _runner(f"W{n}", n, gain=D("1.3"))
        profiles.append(_profile(f"W{n}", swaps, market))
    # Then confidence n/(n+k) and the score both grow with the sample
    confidences = [p.breakdown.confidence for p in profiles]
    assert confidences == sorted(confidences)
    assert confidences[0] == 1 / 11
    assert confidences[-1] == 40 / 50
    scores = [p.score for p in profiles]
    assert scores == sorted(scores)
    # (one winning buy lifts the score above the prior, not yet above zero)
    assert SETTINGS.score_prior < scores[0] < 0 < scores[1]


def test_a_small_sample_big_winner_ranks_below_a_large_sample_steady_winner() -> None:
    # Given a wallet with two ×4 trades of 5 SOL
    lucky_swaps, lucky_market = _runner("Lucky", 2, gain=D("4"), size="5")
    # And a wallet with 30 trades of +35 % and 10 of -10 %, 0.5 SOL each
    wins, win_market = _runner("Steady", 30, gain=D("1.35"), size="0.5")
    losses, loss_market = _runner("Steady", 10, gain=D("0.9"), size="0.5", first=30)
    steady_market = MarketContext(tokens={**win_market.tokens, **loss_market.tokens})
    # When both are profiled
    lucky = _profile("Lucky", lucky_swaps, lucky_market)
    steady = _profile("Steady", wins + losses, steady_market)
    # Then ranking by PnL would pick the lucky one, the score picks the steady one
    assert lucky.realised_pnl_sol > steady.realised_pnl_sol
    assert lucky.copyability.edge is not None
    assert steady.copyability.edge is not None
    assert lucky.copyability.edge > steady.copyability.edge > 0
    assert steady.score > lucky.score > SETTINGS.score_prior
    assert lucky.breakdown.confidence < steady.breakdown.confidence


def test_one_lucky_buy_counts_only_up_to_the_gain_cap() -> None:
    # Given two wallets with 12 buys each: one with a single x10 and eleven -20 % trades,
    # one with twelve +25 % trades
    ten_x, ten_x_market = _runner("Lucky", 1, gain=D("10"))
    losers, loser_market = _runner("Lucky", 11, gain=D("0.8"), first=1)
    lucky_market = MarketContext(tokens={**ten_x_market.tokens, **loser_market.tokens})
    steady_swaps, steady_market = _runner("Steady", 12, gain=D("1.25"))
    # When both are profiled with the same sample size
    lucky = _profile("Lucky", ten_x + losers, lucky_market)
    steady = _profile("Steady", steady_swaps, steady_market)
    # Then the lucky wallet has the larger pooled copy edge, yet the smaller capped edge
    # (its x10 counts as +40 %) and the lower score
    assert lucky.breakdown.confidence == steady.breakdown.confidence
    lucky_edge, steady_edge = lucky.copyability.edge, steady.copyability.edge
    assert lucky_edge is not None
    assert steady_edge is not None
    assert lucky_edge > steady_edge > 0
    lucky_capped, steady_capped = lucky.copyability.capped_edge, steady.copyability.capped_edge
    assert lucky_capped is not None
    assert steady_capped is not None
    assert lucky_capped < 0 < steady_capped < D(str(SETTINGS.copy_gain_cap))
    assert steady.score > 0 > lucky.score
    # And the breakdown shows the capped edge the score used
    component = {c.name: c for c in lucky.breakdown.components}["copy_edge"]
    assert component.value == float(lucky_capped)


def test_the_gain_cap_is_what_the_score_reads() -> None:
    # Given one wallet with a single x10 and eleven -20 % trades
    ten_x, ten_x_market = _runner("Lucky", 1, gain=D("10"))
    losers, loser_market = _runner("Lucky", 11, gain=D("0.8"), first=1)
    market = MarketContext(tokens={**ten_x_market.tokens, **loser_market.tokens})
    # When it is profiled with the default cap and with a cap above its x10
    capped = _profile("Lucky", ten_x + losers, market)
    uncapped = _profile(
        "Lucky", ten_x + losers, market, SETTINGS.model_copy(update={"copy_gain_cap": 20.0})
    )
    # Then only the cap differs, and raising it turns the score's raw edge positive
    assert capped.copyability.edge == uncapped.copyability.edge
    assert uncapped.copyability.capped_edge == uncapped.copyability.edge
    assert uncapped.breakdown.raw > 0 > capped.breakdown.raw
    assert uncapped.score > capped.score


def _stats(n: int, *, edge: str, win_rate: float, without_best: str) -> CopyStats:
    """Copy stats of `n` copied buys of 0.5 SOL with the given capped edges and win rate."""
    cost = D("0.5") * n
    return CopyStats(
        copied_buys=n,
        skipped_no_market=0,
        cost_sol=cost,
        realised_pnl_sol=D(edge) * cost,
        marked_pnl_sol=D(0),
        pnl_sol=D(edge) * cost,
        edge=D(edge),
        win_rate=win_rate,
        edge_without_best=D(without_best),
        capped_edge=D(edge),
        capped_edge_without_best=D(without_best),
    )


def test_a_few_slightly_losing_copies_do_not_outrank_a_long_record_of_the_same() -> None:
    # Given two wallets whose copies lose a little (-2 % a buy, 45 % won, -6 % without the
    # best), one over 3 copied buys (a retail wallet's half day), one over 12 (a smart one's)
    short = _stats(3, edge="-0.02", win_rate=0.45, without_best="-0.06")
    long = _stats(12, edge="-0.02", win_rate=0.45, without_best="-0.06")
    # When both are scored
    few = score_copyability(short, [], SETTINGS)
    many = score_copyability(long, [], SETTINGS)
    # Then their raw scores are equal and above the prior, and the longer record ranks higher:
    # shrinking toward 0 ranked the 3-buy wallet first (-0.027 against -0.063)
    assert few.raw == many.raw
    assert SETTINGS.score_prior < many.raw < 0
    assert many.score > few.score
    toward_zero = SETTINGS.model_copy(update={"score_prior": 0.0})
    assert (
        score_copyability(short, [], toward_zero).score
        > score_copyability(long, [], toward_zero).score
    )


def test_a_record_worse_than_the_prior_sinks_further_with_more_buys() -> None:
    # Given two wallets whose copies lose hard (-30 % a buy, none won), over 3 and 12 buys
    short = _stats(3, edge="-0.3", win_rate=0.0, without_best="-0.3")
    long = _stats(12, edge="-0.3", win_rate=0.0, without_best="-0.3")
    # When both are scored
    few = score_copyability(short, [], SETTINGS)
    many = score_copyability(long, [], SETTINGS)
    # Then both sit below the prior, and the longer losing record lower
    assert many.raw < SETTINGS.score_prior
    assert many.score < few.score < SETTINGS.score_prior


def test_the_score_prior_is_a_setting_between_minus_one_and_zero() -> None:
    # Given the profiling settings
    # When the prior is set outside [-1, 0]
    # Then it is refused with a clear error; inside, it is kept
    for bad in (-1.5, 0.1):
        with pytest.raises(ValidationError, match="score_prior"):
            WalletProfileSettings(score_prior=bad)
    assert WalletProfileSettings(score_prior=-1.0).score_prior == -1.0
    assert SETTINGS.score_prior < 0


def test_a_flagged_wallet_ranks_below_any_unflagged_one() -> None:
    # Given copy stats with a large positive edge, and the same with a bot flag
    stats = CopyStats(
        copied_buys=100,
        skipped_no_market=0,
        cost_sol=D(50),
        realised_pnl_sol=D(50),
        marked_pnl_sol=D(0),
        pnl_sol=D(50),
        edge=D(1),
        win_rate=1.0,
        edge_without_best=D(1),
        capped_edge=D("0.4"),
        capped_edge_without_best=D("0.4"),
    )
    flag = BotFlag(kind="fast_flipper", observed=1, threshold=30, reason="median hold 1 s < 30 s")
    # When scored
    bot = score_copyability(stats, [flag], SETTINGS)
    clean = score_copyability(stats, [], SETTINGS)
    # Then the flag pushes the score below -1, under every unflagged score
    assert clean.score > 0.5
    assert bot.score == -SETTINGS.bot_penalty
    assert bot.score < -1 <= clean.score
    assert bot.bot_penalty == SETTINGS.bot_penalty


@given(
    n=st.integers(min_value=0, max_value=500),
    edge=st.decimals(min_value=-1, max_value=100, places=4),
    win=st.floats(min_value=0, max_value=1),
    flagged=st.booleans(),
)
def test_unflagged_scores_stay_in_minus_one_one_and_flagged_below(
    n: int, edge: Decimal, win: float, flagged: bool
) -> None:
    stats = CopyStats(
        copied_buys=n,
        skipped_no_market=0,
        cost_sol=D(n),
        realised_pnl_sol=edge * n,
        marked_pnl_sol=D(0),
        pnl_sol=edge * n,
        edge=edge if n else None,
        win_rate=win if n else None,
        edge_without_best=edge if n > 1 else None,
        capped_edge=min(edge, D("0.4")) if n else None,
        capped_edge_without_best=min(edge, D("0.4")) if n > 1 else None,
    )
    flags = [BotFlag(kind="high_frequency", observed=900, threshold=500, reason="x")]
    breakdown = score_copyability(stats, flags if flagged else [], SETTINGS)
    if flagged:
        assert breakdown.score < -1
    else:
        assert -1 <= breakdown.score <= 1
    assert breakdown.confidence == n / (n + SETTINGS.confidence_k)


def test_the_breakdown_names_each_component_with_its_weight() -> None:
    swaps, market = _runner("Patient", 8, gain=D("1.3"))
    breakdown = _profile("Patient", swaps, market).breakdown
    assert [(c.name, c.weight) for c in breakdown.components] == [
        ("copy_edge", SETTINGS.weight_copy_edge),
        ("win_rate", SETTINGS.weight_win_rate),
        ("consistency", SETTINGS.weight_consistency),
    ]
    assert breakdown.raw == sum(c.contribution for c in breakdown.components)
    c = breakdown.confidence
    assert breakdown.shrunk == breakdown.raw * c + SETTINGS.score_prior * (1 - c)
    assert breakdown.prior == SETTINGS.score_prior  # shown on the wallet's detail
    assert breakdown.shrunk == breakdown.score


def test_metrics_of_a_simple_history() -> None:
    # Given two runners (+30 %) of 1 SOL and one position still open
    swaps, market = _runner("Patient", 2, gain=D("1.3"))
    open_tape = prints("Open", step_path(10 * HOUR, 10 * HOUR, 10 * HOUR + 60, D(1), D(1)))
    swaps.append(swap("Patient", "buy", "Open", "2", "2", 10 * HOUR))
    market = MarketContext(
        tokens={
            **market.tokens,
            "Open": PriceTape.from_swaps("Open", open_tape, current_price_sol=D("1.5")),
        }
    )
    # When profiled
    p = _profile("Patient", swaps, market)
    # Then the FIFO metrics are exact
    assert (p.trades, p.buys, p.sells, p.tokens) == (5, 3, 2, 3)
    assert p.realised_pnl_sol == D("0.6")
    assert p.roi == D("0.3")
    assert p.win_rate == 1.0
    assert p.median_hold_seconds == 600
    assert p.average_buy_sol == D("1.333333333333333333")
    assert p.unrealised_pnl_sol == D(1)
    assert p.unpriced_open_lots == 0
    assert len(p.round_trips) == 2
    # And the rates are over the span since the first trade
    days = (NOW - at(60)).total_seconds() / 86_400
    assert p.trades_per_day == 5 / days


def test_a_wallet_below_min_trades_is_profiled_but_not_qualified() -> None:
    swaps, market = _runner("Few", 2, gain=D("1.3"))
    profile = _profile("Few", swaps, market)
    assert profile.trades == 4
    assert not profile.qualified
    assert profile.qualification == ("4 trades < 10 minimum",)


def test_a_steady_wallet_is_qualified_with_the_checks_it_passed() -> None:
    # Given ten buys, each sold ten minutes later at +30 %
    swaps, market = _runner("Steady", 10, gain=D("1.3"))
    # When profiled / Then it is qualified, and says on what grounds
    profile = _profile("Steady", swaps, market)
    assert profile.qualified
    assert profile.qualification == (
        "20 trades ≥ 10 minimum",
        "10 closed round trips",
        "10 buys copied",
        "no bot flag",
    )


def test_a_bot_with_enough_trades_is_not_qualified_and_each_flag_says_why() -> None:
    # Given a sniper with 20 trades (over the 10 minimum)
    swaps, market = _sniper("Sniper", 10)
    # When profiled
    profile = _profile("Sniper", swaps, market)
    # Then it is not qualified, for each of its flags, named with the flag's own reason
    assert profile.trades == 20
    assert not profile.qualified
    assert profile.qualification == tuple(
        f"bot: {flag.kind} ({flag.reason})" for flag in profile.bot_flags
    )
    assert profile.qualification[0].startswith("bot: launch_sniper (10 of 10 buys")


def test_buys_never_sold_or_never_copyable_do_not_qualify() -> None:
    # Given twelve buys of one runner never sold (an edge only from marks), and a wallet whose
    # buys have no market to copy them at
    swaps, market = _runner("Holder", 12, gain=D("8"))
    held = [s for s in swaps if s.side == "buy"]
    lonely = [swap("Lonely", "buy", f"Nowhere{i}", "1000", "1", 60 + i * HOUR) for i in range(12)]
    settings = WalletProfileSettings(min_trades=12)
    # When profiled
    holder = _profile("Holder", held, market, settings)
    unpriced = _profile("Lonely", lonely, market_of([]), settings)
    # Then neither is qualified, each saying which check it failed
    assert holder.copyability.edge is not None
    assert holder.copyability.edge > 1  # +700 % on paper: the trap item 6 describes
    assert not holder.qualified
    assert holder.qualification == ("no closed round trip (no sell matched a buy)",)
    assert not unpriced.qualified
    assert unpriced.qualification == (
        "no closed round trip (no sell matched a buy)",
        "no buy could be copied (no market at our fill time)",
    )


def test_history_keeps_the_lookback_and_the_newest_capped_trades() -> None:
    # Given 30 trades over 30 hours and a swap older than the lookback
    settings = WalletProfileSettings(lookback_days=2, history_max_transactions=20, min_trades=5)
    old = swap("W", "buy", "Old", "1", "1", -10 * 86_400)
    recent = [swap("W", "buy", "T", "1", "1", h * HOUR) for h in range(30)]
    other = swap("Someone", "buy", "T", "1", "1", 5)
    # When windowed
    window, capped = recent_history([old, *recent, other], wallet="W", settings=settings, now=NOW)
    # Then the old swap and the other wallet's are gone, and the oldest recent ones are cut
    assert window == recent[-20:]
    assert capped
    # And the profile says it is partial
    profile = profile_wallet(
        wallet="W",
        swaps=[old, *recent],
        market=MarketContext(),
        settings=settings,
        now=NOW,
        partial=False,
    )
    assert profile.partial
    assert profile.trades == 20


def test_the_price_for_a_copy_is_the_first_print_after_the_latency_unless_stale() -> None:
    tape = PriceTape.from_swaps("T", prints("T", [(0, D(1)), (10, D(2)), (1_000, D(3))]))
    # A print 7 s after the target time is fresh enough
    assert tape.price_at(at(3), max_gap_seconds=300) == D(2)
    # An exact hit counts as "at"
    assert tape.price_at(at(10), max_gap_seconds=300) == D(2)
    # A print 900 s later is stale: the last one before is used
    assert tape.price_at(at(100), max_gap_seconds=300) == D(2)
    # After the last print, the last print
    assert tape.price_at(at(5_000), max_gap_seconds=300) == D(3)
    # Before the first print, the first print however late
    assert tape.price_at(at(-5_000), max_gap_seconds=300) == D(1)
    assert PriceTape(mint="T").price_at(at(0), max_gap_seconds=300) is None


def test_buys_without_any_market_are_counted_not_copied() -> None:
    swaps, _ = _runner("W", 3, gain=D("1.3"))
    profile = _profile("W", swaps, MarketContext())
    assert profile.copyability.copied_buys == 0
    assert profile.copyability.skipped_no_market == 3
    assert profile.copyability.edge is None
    assert profile.score == SETTINGS.score_prior  # no copied buy: nothing but the prior


def test_a_copy_still_open_is_marked_at_the_current_price() -> None:
    # Given a wallet that bought and still holds; the token is now worth 2x with no new print
    mint = "Held"
    tape = prints(mint, step_path(0, 0, 600, D("0.000001"), D("0.000001")))
    swaps = [swap("W", "buy", mint, "1000000", "1", 60)]
    market = market_of([(mint, tape)], current={mint: D("0.000002")})
    # When profiled without costs
    profile = _profile("W", swaps, market, FREE_AND_INSTANT)
    # Then the copy's open position counts at the current price (+100 %)
    assert profile.copyability.realised_pnl_sol == 0
    assert profile.copyability.marked_pnl_sol == D("0.5")
    assert profile.copyability.edge == D(1)
    assert profile.unrealised_pnl_sol == D(1)


def test_a_partial_sell_is_copied_as_the_same_fraction() -> None:
    # Given a wallet selling half at +100 % and the rest at +200 %
    mint = "Half"
    path = step_path(0, 300, 1_200, D("0.000001"), D("0.000002"))
    path += step_path(1_205, 1_205, 2_000, D("0.000003"), D("0.000003"))
    swaps = [
        swap("W", "buy", mint, "1000000", "1", 60),
        swap("W", "sell", mint, "500000", "1", 600),
        swap("W", "sell", mint, "500000", "1.5", 1_500),
    ]
    # When replayed without costs
    copy = _profile("W", swaps, market_of([(mint, prints(mint, path))]), FREE_AND_INSTANT)
    # Then the copy's 0.5 SOL comes back as 0.5 + 0.75
    assert copy.copyability.realised_pnl_sol == D("0.75")
    assert copy.copyability.copied_buys == 1
    assert copy.copyability.win_rate == 1.0


def test_sells_of_tokens_held_before_the_window_are_not_copied() -> None:
    swaps = [swap("W", "sell", "Pre", "100", "5", 60)]
    market = market_of([("Pre", prints("Pre", step_path(0, 0, 600, D(1), D(1))))])
    profile = _profile("W", swaps, market)
    assert profile.unmatched_sells == 1
    assert profile.unmatched_proceeds_sol == D(5)
    assert profile.realised_pnl_sol == 0
    assert profile.copyability.copied_buys == 0


def test_high_frequency_and_token_churn_are_flagged_with_their_reasons() -> None:
    # Given 60 one-hour holds in 60 tokens within the hour before now
    settings = WalletProfileSettings(max_trades_per_day=100, max_tokens_per_day=50)
    start = (NOW - at(0)).total_seconds() - HOUR
    swaps = []
    for i in range(60):
        mint = f"Churn{i}"
        swaps += [
            swap("W", "buy", mint, "1", "1", start + i),
            swap("W", "sell", mint, "1", "1", start + i + 3_000),
        ]
    # When profiled
    profile = _profile("W", swaps, MarketContext(), settings)
    # Then the rates, taken over at least an hour, are above their thresholds
    reasons = {flag.kind: flag.reason for flag in profile.bot_flags}
    assert reasons == {
        "high_frequency": "2880 trades/day > 100",
        "token_churn": "1440 tokens/day > 50",
    }
    assert profile.trades_per_day == 120 * 24


def test_a_buy_in_the_slot_after_a_pool_event_is_a_snipe() -> None:
    history = PriceTape(mint="T", launch_slot=None, pool_event_slots=(1_000,))
    assert history.is_launch_buy(1_001, 1)
    assert not history.is_launch_buy(1_002, 1)
    assert not history.is_launch_buy(999, 1)
    launched = PriceTape(mint="T", launch_slot=500)
    assert launched.is_launch_buy(500, 0)
    assert not launched.is_launch_buy(501, 0)


def test_usdc_swaps_count_as_skipped_when_no_price_is_known() -> None:
    swaps = [
        swap(
            "W",
            "buy",
            "U",
            "10",
            "150",
            0,
            quote_mint="EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
        )
    ]
    assert _profile("W", swaps, MarketContext()).skipped_usdc_unpriced == 1
    priced = _profile("W", swaps, MarketContext(sol_per_usdc=D("0.01")))
    assert priced.skipped_usdc_unpriced == 0
    assert priced.average_buy_sol == D("1.5")


def test_the_profile_is_a_frozen_model_that_serialises() -> None:
    swaps, market = _runner("W", 3, gain=D("1.3"))
    profile = _profile("W", swaps, market)
    data = profile.model_dump(mode="json")
    assert data["is_bot"] is False
    assert data["round_trips"][0]["pnl_sol"] == "0.3"
    assert (
        WalletProfile.model_validate({k: v for k, v in data.items() if k != "is_bot"}).score
        == profile.score
    )
    assert profile.window_end - profile.window_start == timedelta(days=SETTINGS.lookback_days)


def test_the_profiling_settings_are_a_step_the_settings_tab_can_edit() -> None:
    # Given the registry the API and the Settings tab read

    # Then step 3's settings are in it, and their defaults validate
    model = STEP_SETTINGS["wallet_profile"]
    assert model.model_validate({}).step == "wallet_profile"


def _followed(
    leaders: list[str],
    follower: str,
    *,
    lag_seconds: float,
    sell_at: float | list[float] = 661,
    passerby_sells_at: float | None = None,
) -> tuple[list[Swap], MarketContext]:
    """One token per leader: the leader buys 60 s after the token's start and sells 10 min
    later (660 s); `follower` buys `lag_seconds` after each leader's buy and sells `sell_at`
    seconds after the token's start (by default 1 s after the leader: with it; a list: per
    token). `passerby_sells_at`: a stranger, who never bought with it, sells then."""
    swaps: list[Swap] = []
    tapes = []
    sells = sell_at if isinstance(sell_at, list) else [sell_at] * len(leaders)
    for i, leader in enumerate(leaders):
        mint, start = f"Followed{i}", i * HOUR
        before, after = D("0.000001"), D("0.0000013")
        tokens = D(1) / before
        theirs = [
            swap(leader, "buy", mint, tokens, "1", start + 60),
            swap(leader, "sell", mint, tokens, tokens * after, start + 660),
        ]
        mine = [
            swap(follower, "buy", mint, tokens / 10, "0.1", start + 60 + lag_seconds),
            swap(follower, "sell", mint, tokens / 10, tokens * after / 10, start + sells[i]),
        ]
        if passerby_sells_at is not None:
            theirs.append(
                swap("Passerby", "sell", mint, "10", "0.00001", start + passerby_sells_at)
            )
        swaps += mine
        path = step_path(start + 300, start + 301, start + 1_200, before, after)
        tapes.append((mint, [*prints(mint, path), *theirs, *mine]))
    return swaps, market_of(tapes)


def test_a_wallet_that_trails_the_same_leader_is_flagged_as_a_copy_follower() -> None:
    # Given a wallet that buys 2 slots (0.8 s, often the same block second) after the same
    # leader's buy on each of five tokens, and sells with it
    swaps, market = _followed(["Leader"] * 5, "Follower", lag_seconds=0.8)
    # When it is profiled
    profile = _profile("Follower", swaps, market)
    # Then it is flagged as a copy follower, with the value and the threshold
    flags = {flag.kind: flag for flag in profile.bot_flags}
    assert set(flags) == {"copy_follower"}
    assert flags["copy_follower"].observed == 1.0
    assert flags["copy_follower"].threshold == SETTINGS.max_followed_share
    assert flags["copy_follower"].reason.startswith(
        "5 of 5 buys (100%) within 10 slot(s) after a repeat leader's buy ≥ 50%, and its "
        "sells trailed the same leader's on 5 token(s)"
    )
    # And it ranks below every unflagged wallet
    assert profile.score < -1


def test_a_wallet_buying_after_the_same_crowd_but_exiting_alone_is_not_a_copy_follower() -> None:
    # Given a wallet whose buys each come 2 slots after the same wallet's, on five tokens (a
    # smart wallet in crowded launches, where another leader's copy bots bought just ahead),
    # but which sells on its own: 5 min after that wallet on every token (1 s after some
    # passer-by's sell, in a busy market)
    swaps, market = _followed(
        ["Crowd"] * 5, "Smart", lag_seconds=0.8, sell_at=960, passerby_sells_at=959
    )
    # When it is profiled
    profile = _profile("Smart", swaps, market)
    # Then it is not a copy follower: its exits do not trail the wallet it bought after
    assert profile.bot_flags == ()
    # And when it trails that wallet's exit on one token only, it is still not flagged
    # (`follow_min_mirrored_tokens`, 2): one shared exit can be chance
    once, once_market = _followed(
        ["Crowd"] * 5, "Smart", lag_seconds=0.8, sell_at=[661, 960, 960, 960, 960]
    )
    assert _profile("Smart", once, once_market).bot_flags == ()
    # But on two tokens it is (the same settings flag the copy bot above)
    twice, twice_market = _followed(
        ["Crowd"] * 5, "Smart", lag_seconds=0.8, sell_at=[661, 661, 960, 960, 960]
    )
    flags = _profile("Smart", twice, twice_market).bot_flags
    assert [flag.kind for flag in flags] == ["copy_follower"]


def test_a_wallet_bought_just_after_by_strangers_is_not_a_copy_follower() -> None:
    # Given a wallet whose every buy came 2 slots after some other wallet's buy, a different
    # one each time (a busy market), and one whose leader is 20 slots (8 s) ahead each time
    strangers, strangers_market = _followed(
        [f"Stranger{i}" for i in range(5)], "Busy", lag_seconds=0.8
    )
    slow, slow_market = _followed(["Leader"] * 5, "Slow", lag_seconds=8)
    # When both are profiled
    busy = _profile("Busy", strangers, strangers_market)
    late = _profile("Slow", slow, slow_market)
    # Then neither is flagged: no repeat leader, or no leader within the window
    assert busy.bot_flags == ()
    assert late.bot_flags == ()
