"""Step 2 rules: dead and rugged from snapshot history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from walltrack.core.discovery.surveillance import classify_health
from walltrack.data.models.step_settings import TokenRefreshSettings
from walltrack.data.models.token import TokenMarket, TokenSnapshot

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
SETTINGS = TokenRefreshSettings()  # rug: -80 % in 30 min; dead: < $1000 or idle for 120 min


def _snap(minute: int, liquidity: str | None, txns: int = 10) -> TokenSnapshot:
    return TokenSnapshot(
        mint="m",
        taken_at=T0 + timedelta(minutes=minute),
        market=TokenMarket(
            liquidity_usd=None if liquidity is None else Decimal(liquidity),
            txns_h1_buys=txns,
            txns_h1_sells=0,
        ),
    )


def test_a_steady_token_stays_active() -> None:
    history = [_snap(i * 5, "50000") for i in range(10)]
    assert classify_health(history, SETTINGS, now=T0 + timedelta(minutes=45)) is None


def test_liquidity_pulled_within_the_window_is_a_rug() -> None:
    # Given liquidity 50k then 2k ten minutes later
    history = [_snap(0, "50000"), _snap(5, "49000"), _snap(10, "2000")]
    # When classified / Then rugged, with the drop and threshold in the reason
    change = classify_health(history, SETTINGS, now=T0 + timedelta(minutes=10))
    assert change is not None
    assert change.status == "rugged"
    assert "96.0%" in change.reason
    assert "threshold 80" in change.reason


def test_a_slow_bleed_outside_the_window_is_not_a_rug() -> None:
    history = [_snap(i * 20, str(50000 - i * 5000)) for i in range(9)]
    change = classify_health(history, SETTINGS, now=T0 + timedelta(minutes=160))
    assert change is None or change.status != "rugged"


def test_thin_or_idle_for_long_enough_is_dead() -> None:
    history = [_snap(0, "50000"), *[_snap(10 + i * 30, "500") for i in range(6)]]
    change = classify_health(history, SETTINGS, now=T0 + timedelta(minutes=170))
    assert change is not None
    assert change.status == "dead"


def test_thin_but_not_for_long_enough_is_still_active() -> None:
    history = [_snap(0, "50000"), _snap(100, "500")]
    assert classify_health(history, SETTINGS, now=T0 + timedelta(minutes=110)) is None


def test_no_trades_for_long_enough_is_dead_even_with_liquidity() -> None:
    history = [_snap(i * 30, "50000", txns=0) for i in range(6)]
    change = classify_health(history, SETTINGS, now=T0 + timedelta(minutes=150))
    assert change is not None
    assert change.status == "dead"


@given(st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=20))
def test_never_rising_liquidity_never_rugs_below_the_threshold(values: list[int]) -> None:
    # Given liquidity that never drops more than 10 % from one snapshot to the peak
    peak = max(values)
    floor = [max(v, int(peak * 0.9) + 1) for v in values]
    history = [_snap(i, str(v)) for i, v in enumerate(floor)]
    change = classify_health(history, SETTINGS, now=T0 + timedelta(minutes=len(floor)))
    assert change is None or change.status != "rugged"


def test_a_token_on_its_bonding_curve_is_not_dead_for_showing_no_liquidity() -> None:
    # Given a curve token trading all along, whose pair shows no liquidity (DexScreener shows
    # none for a pump.fun curve: there is no pool)
    history = [_snap(i * 30, None) for i in range(6)] + [_snap(170, "0")]
    now = T0 + timedelta(minutes=170)
    # When classified as a curve token / Then it lives; judged as a pool, it would be dead
    assert classify_health(history, SETTINGS, now=now, bonding_curve=True) is None
    pool = classify_health(history, SETTINGS, now=now)
    assert pool is not None
    assert pool.status == "dead"


def test_an_idle_bonding_curve_is_dead_and_says_why() -> None:
    # Given a curve token with no trade in the last hour for two and a half hours
    history = [_snap(i * 30, None, txns=0) for i in range(6)]
    # When classified / Then dead, the reason naming the curve's idleness
    change = classify_health(history, SETTINGS, now=T0 + timedelta(minutes=150), bonding_curve=True)
    assert change is not None
    assert change.status == "dead"
    assert "bonding curve" in change.reason
