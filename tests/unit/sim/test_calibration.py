"""The calibration report's measurements, each on a tiny hand-built set of records."""

from __future__ import annotations

import math

import pytest

from sim.calibration import (
    Records,
    Row,
    TokenInfo,
    Trade,
    archetype_shares,
    block0_snipe_share,
    bot_trade_share,
    bot_volume_share,
    cluster_size_share,
    fee_values,
    format_table,
    funding_overlap,
    graduated_share,
    graduates_dumped_share,
    label_share,
    mean_return,
    profitable_wallet_share,
    quantile,
    records_of,
    sniper_exit_stats,
    tip_share,
    wash_round_trips_per_day,
    win_rate,
)
from sim.chain import BASE_FEE, T0
from sim.world import SWAP, World

SOL = 10**9
LAUNCH_MS = T0 * 1000  # the start of a slot


def trade(
    wallet: int,
    token: int,
    side: int,
    sol: float,
    *,
    at_ms: int = LAUNCH_MS,
    amount: int = 1_000,
    fee: int = 0,
    tip: int = 0,
) -> Trade:
    return Trade(
        ts_ms=at_ms,
        wallet=wallet,
        token=token,
        side=side,
        sol=int(sol * SOL),
        amount=amount,
        priority_fee=fee,
        tip=tip,
    )


def pump(
    archetype: str = "runner", graduated_ms: int | None = None, *, pulled: bool = False
) -> TokenInfo:
    return TokenInfo(
        created_ms=LAUNCH_MS,
        is_pump=True,
        archetype=archetype,
        graduated_ms=graduated_ms,
        pulled=pulled,
    )


def test_label_and_bot_trade_shares_count_wallets_and_swaps() -> None:
    # Given one smart, one retail, one sniper and one copy bot; 2 of 5 swaps by bots
    labels = {1: "smart", 2: "retail", 3: "sniper", 4: "copy"}
    trades = [
        trade(1, 9, 0, 1),
        trade(2, 9, 0, 1),
        trade(2, 9, 1, 1),
        trade(3, 9, 0, 1),
        trade(4, 9, 0, 1),
    ]
    records = Records(labels=labels, trades=trades, tokens={9: pump()})
    # When / Then
    assert label_share(records, "smart") == 0.25
    assert bot_trade_share(records) == pytest.approx(2 / 5)


def test_bot_volume_share_on_farm_coins_leaves_other_tokens_out() -> None:
    # Given a wash-traded token (bots 3 SOL of 4) and an untouched one with 10 SOL of retail
    labels = {1: "wash", 2: "retail", 3: "sniper"}
    trades = [
        trade(1, 5, 0, 1),
        trade(1, 5, 1, 1),
        trade(3, 5, 0, 1),
        trade(2, 5, 0, 1),
        trade(2, 6, 0, 10),
    ]
    records = Records(labels=labels, trades=trades, tokens={5: pump(), 6: pump()})
    # When / Then: farm-only counts token 5 alone; all tokens dilute it
    assert bot_volume_share(records, farm_only=True) == pytest.approx(0.75)
    assert bot_volume_share(records) == pytest.approx(3 / 14)
    # and without wash trades there is no farm coin to measure
    assert (
        bot_volume_share(
            Records(labels={2: "retail"}, trades=trades[3:], tokens={}), farm_only=True
        )
        is None
    )


def test_graduation_and_archetype_shares_count_launches_only() -> None:
    # Given 4 launches (1 graduated) and an established token that would count otherwise
    tokens = {
        1: pump("runner", graduated_ms=LAUNCH_MS + 1),
        2: pump("no_traction"),
        3: pump("no_traction"),
        4: pump("pump_dump"),
        5: TokenInfo(created_ms=0, is_pump=False, archetype="bleed", graduated_ms=None),
    }
    records = Records(labels={}, trades=[], tokens=tokens)
    # When / Then
    assert graduated_share(records) == 0.25
    assert archetype_shares(records) == {"no_traction": 0.5, "pump_dump": 0.25, "runner": 0.25}


def test_a_graduate_counts_as_dumped_when_down_90_percent_from_its_peak_or_pulled() -> None:
    # Given three graduates: one falls 95 % from its post-graduation peak, one 50 %, one pulled
    grad = LAUNCH_MS + 60_000
    tokens = {
        1: pump(graduated_ms=grad),
        2: pump(graduated_ms=grad),
        3: pump(graduated_ms=grad, pulled=True),
    }
    trades = [
        trade(1, 1, 0, 10, at_ms=grad + 1, amount=1_000),
        trade(1, 1, 1, 0.5, at_ms=grad + 2, amount=1_000),
        trade(1, 2, 0, 50, at_ms=grad - 1, amount=1),  # before graduation: not its peak
        trade(1, 2, 0, 10, at_ms=grad + 1, amount=1_000),
        trade(1, 2, 1, 5, at_ms=grad + 2, amount=1_000),
    ]
    records = Records(labels={1: "retail"}, trades=trades, tokens=tokens)
    # When / Then: tokens 1 and 3 of 3
    assert graduates_dumped_share(records) == pytest.approx(2 / 3)


def test_position_returns_include_the_end_mark_and_win_rate_counts_gains() -> None:
    # Given a smart wallet's four positions: +50 % realised, -100 %, +20 % held (marked) and
    # one sold at cost (no win)
    labels = {1: "smart", 2: "retail"}
    trades = [
        trade(1, 1, 0, 1),
        trade(1, 1, 1, 1.5),
        trade(1, 2, 0, 2),
        trade(1, 3, 0, 1),
        trade(1, 4, 0, 1),
        trade(1, 4, 1, 1),
        trade(2, 3, 0, 5),  # another label's trade is no smart position
    ]
    records = Records(labels=labels, trades=trades, tokens={}, marks={(1, 3): int(1.2 * SOL)})
    # When / Then
    assert mean_return(records, "smart") == pytest.approx((0.5 - 1.0 + 0.2 + 0.0) / 4)
    assert win_rate(records, "smart") == pytest.approx(2 / 4)
    assert mean_return(records, "wash") is None


def test_sniper_exits_measure_time_to_flat_sells_and_profit() -> None:
    # Given four sniper positions: out in 60 s (1 sell, profit), out in 400 s (2 sells), out in
    # 3 sells within a minute, and one still held
    labels = {1: "sniper"}
    t = LAUNCH_MS
    trades = [
        trade(1, 1, 0, 1, at_ms=t),
        trade(1, 1, 1, 1.2, at_ms=t + 60_000),
        trade(1, 2, 0, 1, at_ms=t),
        trade(1, 2, 1, 0.5, at_ms=t + 100_000),
        trade(1, 2, 1, 0.4, at_ms=t + 400_000),
        trade(1, 3, 0, 1, at_ms=t),
        trade(1, 3, 1, 0.5, at_ms=t + 10_000),
        trade(1, 3, 1, 0.3, at_ms=t + 20_000),
        trade(1, 3, 1, 0.3, at_ms=t + 30_000),
        trade(1, 4, 0, 1, at_ms=t),
    ]
    records = Records(labels=labels, trades=trades, tokens={}, marks={(1, 4): SOL // 2})
    # When
    quick, few, profitable = sniper_exit_stats(records)
    # Then
    assert quick == pytest.approx(2 / 4)  # tokens 1 and 3
    assert few == pytest.approx(2 / 4)  # tokens 1 and 2
    assert profitable == pytest.approx(2 / 4)  # tokens 1 and 3 (1.1 SOL back)


def test_block0_counts_sniper_buys_in_the_creation_slot_only() -> None:
    # Given three launches: a sniper buys one in its slot, one a slot later, one a retail buyer
    # in its slot
    labels = {1: "sniper", 2: "retail"}
    tokens = {1: pump(), 2: pump(), 3: pump()}
    trades = [
        trade(1, 1, 0, 1, at_ms=LAUNCH_MS + 399),
        trade(1, 2, 0, 1, at_ms=LAUNCH_MS + 400),
        trade(2, 3, 0, 1, at_ms=LAUNCH_MS),
    ]
    records = Records(labels=labels, trades=trades, tokens=tokens)
    # When / Then
    assert block0_snipe_share(records) == pytest.approx(1 / 3)


def test_wash_round_trips_are_sells_closing_buys_per_day_median_over_wallets() -> None:
    # Given over half a day: wallet 1 makes 3 round trips, wallet 2 one (and a sell with no buy),
    # wallet 3 none
    labels = {1: "wash", 2: "wash", 3: "wash"}
    trades = [trade(1, 1, s, 1, at_ms=LAUNCH_MS + i) for i, s in enumerate((0, 1, 0, 1, 0, 1))]
    trades += [trade(2, 1, 1, 1, at_ms=LAUNCH_MS), trade(2, 1, 0, 1, at_ms=LAUNCH_MS + 1)]
    trades += [trade(2, 1, 1, 1, at_ms=LAUNCH_MS + 2)]
    records = Records(labels=labels, trades=trades, tokens={}, days=0.5)
    # When / Then: per day 6, 2, 0 -> median 2
    assert wash_round_trips_per_day(records) == 2


def test_profitable_wallets_pay_their_fees_and_tips() -> None:
    # Given a wallet up 0.001 SOL before costs that pays more than that in fees, one up 1 SOL
    # and one holding a position marked above its cost
    labels = {1: "retail", 2: "retail", 3: "retail", 4: "retail"}
    trades = [
        trade(1, 1, 0, 1, fee=600_000),
        trade(1, 1, 1, 1.001, tip=500_000),
        trade(2, 1, 0, 1),
        trade(2, 1, 1, 2),
        trade(3, 1, 0, 1),
    ]
    records = Records(labels=labels, trades=trades, tokens={}, marks={(3, 1): 2 * SOL})
    # When / Then: wallets 2 and 3 of the 3 that traded (4 never did)
    assert profitable_wallet_share(records) == pytest.approx(2 / 3)
    assert BASE_FEE > 0


def test_fee_and_tip_figures_per_label() -> None:
    # Given retail swaps with priority fees 1..5 (x1e5 lamports), one tipped; a smart swap
    labels = {1: "retail", 2: "smart"}
    trades = [trade(1, 1, 0, 1, fee=i * 100_000, tip=20_000 if i == 5 else 0) for i in range(1, 6)]
    trades.append(trade(2, 1, 0, 1, fee=9_000_000))
    records = Records(labels=labels, trades=trades, tokens={})
    # When / Then
    assert quantile(fee_values(records, "retail", tips=False), 0.5) == pytest.approx(0.0003)
    assert quantile(fee_values(records, "retail", tips=False), 0.95) == pytest.approx(0.00048)
    assert quantile(fee_values(records, None, tips=False), 0.5) == pytest.approx(0.00035)
    assert fee_values(records, "retail", tips=True) == [20_000]
    assert tip_share(records, "retail") == pytest.approx(0.2)
    assert tip_share(records, "smart") == 0.0
    assert quantile([], 0.5) is None


def test_funding_overlap_is_the_share_inside_the_other_labels_p10_p90() -> None:
    # Given retail funded 1..11 SOL and smart wallets funded 5 and 10.5 SOL
    labels = dict.fromkeys(range(1, 12), "retail") | {20: "smart", 21: "smart"}
    funding = {i: i * SOL for i in range(1, 12)} | {20: 5 * SOL, 21: int(10.5 * SOL)}
    records = Records(labels=labels, trades=[], tokens={}, funding=funding)
    # When / Then: retail's p10-p90 is 2-10 SOL: one smart wallet of two inside
    assert funding_overlap(records, "smart") == 0.5
    assert funding_overlap(records, "wash") is None


def test_cluster_sizes_in_band() -> None:
    assert (
        cluster_size_share(Records(labels={}, trades=[], tokens={}, clusters=[3, 5, 25, 26])) == 0.5
    )


def test_rows_render_band_and_verdict() -> None:
    # Given a row in band, one out, one unmeasured, an open-ended one and one on its low edge
    rows = [
        Row("a", 0.01, "≈ 1 %", 0.005, 0.02, "%"),
        Row("b", 0.5, "≈ 1 %", 0.005, 0.02, "%"),
        Row("c", None, "x", 0, 1),
        Row("d", 34, "20+", 20, math.inf),
        Row("e", 0.005, "≈ 1 %", 0.005, 0.02, "%"),
    ]
    # When
    table = format_table(rows)
    # Then
    assert [row.ok for row in rows] == [True, False, False, True, True]
    assert "| a | 1.0 % | ≈ 1 % | 0.5 % – 2.0 % | in |" in table
    assert "| b | 50.0 % | ≈ 1 % | 0.5 % – 2.0 % | OUT |" in table
    assert "| c | n/a |" in table
    assert "| d | 34 | 20+ | 20 – inf | in |" in table
    assert table.endswith("3/5 rows in band, 2 out")


def test_records_of_a_world_hold_its_token_swaps_with_their_sol_legs(small_world: World) -> None:
    # Given the small world / When reduced to records
    records = records_of(small_world)
    w = small_world
    swaps = [tx for tx in range(w.n_tx()) if w.t_kind[tx] == SWAP and w.t_token[tx] > 0]
    # Then every token swap is there, in order, with its wallet, side and SOL leg
    assert len(records.trades) == len(swaps)
    for record, tx in zip(records.trades, swaps, strict=True):
        assert (record.wallet, record.token, record.side) == (
            w.t_wallet[tx],
            w.t_token[tx],
            w.t_side[tx],
        )
        if record.sol:
            assert record.sol == (w.t_in[tx] if record.side == 0 else w.t_out[tx])
    # and every labelled trader is known, with its label
    assert {records.labels[e] for e in w.wallets_by_label["smart"]} == {"smart"}
    assert records.days == pytest.approx(2 / 24)
