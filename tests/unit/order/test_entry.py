"""A paper fill from a Jupiter quote, or the order's rejection with the reason."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.unit.order.helpers import AT, MINT, order, quote
from walltrack.core.order.entry import Fill, NoRoute, Rejection, paper_fill
from walltrack.data.models.solana import SOL_MINT
from walltrack.data.models.trading_settings import OrderSettings

SETTINGS = OrderSettings(
    max_quote_age_seconds=10,
    max_price_impact_pct=Decimal("5"),
    network_fee_lamports=5_000,
    priority_fee_lamports=10_000,
    tip_lamports=1_000,
)


def test_an_entry_fills_at_the_quote_with_its_route_fees_and_the_quote_kept() -> None:
    # Given a fresh two-hop quote of 1 SOL for 990,000 units at 1 % impact
    fresh = quote(hops=2)
    # When the entry is filled from it
    fill = paper_fill(order(), fresh, quoted_at=AT, now=AT, settings=SETTINGS)
    # Then it fills in/out as quoted, with the settings' fees and the route's venue fees
    assert isinstance(fill, Fill)
    assert (fill.filled_in, fill.filled_out) == (1_000_000_000, 990_000)
    assert fill.price_impact_pct == Decimal("0.01")
    assert fill.route == "Pump.fun Amm > Raydium CPMM"
    assert fill.fees_lamports == 16_000
    assert fill.venue_fees == {SOL_MINT: 5_000_000}
    assert fill.quote is not None
    assert fill.quote["outAmount"] == 990_000
    assert fill.quote["routePlan"][0]["swapInfo"]["ammKey"] == "amm0"


def test_no_route_rejects_with_jupiters_reason() -> None:
    got = paper_fill(
        order(), NoRoute("The token X is not tradable"), quoted_at=AT, now=AT, settings=SETTINGS
    )
    assert got == Rejection("no route: The token X is not tradable")


def test_a_quote_older_than_the_setting_is_rejected_at_its_boundary() -> None:
    # Given a quote received 10 s before the fill: still fresh
    assert isinstance(
        paper_fill(
            order(), quote(), quoted_at=AT, now=AT + timedelta(seconds=10), settings=SETTINGS
        ),
        Fill,
    )
    # When it is 10.5 s old, then it is rejected with its age
    stale = paper_fill(
        order(), quote(), quoted_at=AT, now=AT + timedelta(seconds=10.5), settings=SETTINGS
    )
    assert isinstance(stale, Rejection)
    assert stale.reason == "quote is 10.5 s old (max 10 s)"


def test_an_entry_over_the_impact_cap_is_rejected_an_exit_is_not() -> None:
    # Given quotes at exactly the 5 % cap and just over it
    at_cap, over = quote(impact="0.05"), quote(impact="0.0501")
    # Then the entry at the cap fills and the one over is rejected with the figures
    assert isinstance(paper_fill(order(), at_cap, quoted_at=AT, now=AT, settings=SETTINGS), Fill)
    rejected = paper_fill(order(), over, quoted_at=AT, now=AT, settings=SETTINGS)
    assert isinstance(rejected, Rejection)
    assert rejected.reason == "price impact 5.01 % over the 5 % cap"
    # And an exit always sells, whatever the impact
    sell = quote(
        in_mint=MINT, out_mint=SOL_MINT, in_amount=1_000_000, out_amount=10**8, impact="0.6"
    )
    assert isinstance(
        paper_fill(order("exit"), sell, quoted_at=AT, now=AT, settings=SETTINGS), Fill
    )


def test_a_quote_for_another_amount_or_pair_is_rejected() -> None:
    got = paper_fill(order(), quote(in_amount=5), quoted_at=AT, now=AT, settings=SETTINGS)
    assert isinstance(got, Rejection)
    assert got.reason.startswith("quote does not match")


def test_an_exit_nothing_routes_is_written_off_at_zero_without_fees() -> None:
    # Given an exit of 1,000,000 units of a token Jupiter says is not tradable (a pulled pool)
    got = paper_fill(
        order("exit"),
        NoRoute("The token X is not tradable"),
        quoted_at=AT,
        now=AT,
        settings=SETTINGS,
    )
    # Then its units are sold for nothing, no fee counted, the reason kept as its route
    assert isinstance(got, Fill)
    assert (got.filled_in, got.filled_out, got.fees_lamports) == (1_000_000, 0, 0)
    assert got.route == "written off: no route: The token X is not tradable"
    assert got.quote is None
