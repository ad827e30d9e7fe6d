"""Orders tab rows from the API's JSON (real `OrderSummary`s dumped as the API does)."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.order.helpers import MINT, order, quote
from ui.orders import EMPTY, ORDER_HEADERS, count_text, order_rows
from walltrack.core.order.entry import venue_fees
from walltrack.data.models.orders import OrderSummary
from walltrack.data.models.solana import SOL_MINT


def _page(*orders: OrderSummary) -> dict[str, Any]:
    items = [json.loads(o.model_dump_json()) for o in orders]
    return {"items": items, "total": len(items), "as_of": "2026-12-18T12:00:00Z"}


def test_a_filled_entry_reads_in_sol_and_units_with_its_quote_fees_and_route() -> None:
    # Given a filled entry of 0.1 SOL for 990,000 units at 1.23 % impact, 15,000 lamports fees
    fresh = quote(in_amount=100_000_000, out_amount=990_000, impact="0.0123")
    filled = order(
        amount_in=100_000_000,
        status="filled",
        filled_in=100_000_000,
        filled_out=990_000,
        price_impact_pct=fresh.price_impact_pct,
        slippage_bps=100,
        route="Pump.fun Amm",
        network_fee_lamports=5_000,
        priority_fee_lamports=10_000,
        venue_fees=venue_fees(fresh),
        quote=fresh.model_dump(mode="json", by_alias=True),
    )
    # When the tab formats the API's page
    [row] = order_rows(_page(OrderSummary.of(filled)))
    cells = dict(zip(ORDER_HEADERS, row, strict=True))
    # Then SOL is exact, token amounts are units, the quote's promise and minimum are shown
    assert cells["Side"] == "entry"
    assert cells["Amount in"] == "0.1 SOL"
    assert cells["Filled"] == "0.1 SOL → 990,000 units"
    assert (cells["Quoted out"], cells["Min out"]) == ("990,000 units", "980,100 units")
    assert cells["Impact %"] == "1.23"
    assert cells["Fees (SOL)"] == "0.000015 SOL"
    assert cells["Venue fees"] == "2,500,000 of So11…1112"
    assert cells["Token"] == "Mint…1111"
    assert cells["Rejected because"] == ""


def test_a_rejected_exit_shows_its_rule_share_and_reason() -> None:
    # Given a stop-loss exit of the whole holding rejected after its retries
    rejected = order(
        "exit",
        status="rejected",
        fraction=1,
        attempts=5,
        reject_reason="jupiter unavailable: timeout (after 5 attempts)",
    )
    [row] = order_rows(_page(OrderSummary.of(rejected)))
    cells = dict(zip(ORDER_HEADERS, row, strict=True))
    # Then the rule, the share of the holding, the units asked and the reason are shown
    assert cells["Reason"] == "stop_loss (100.0% of the holding)"
    assert cells["Amount in"] == "1,000,000 units"
    assert (cells["Filled"], cells["Fees (SOL)"], cells["Impact %"]) == ("", "", "—")
    assert cells["Rejected because"].startswith("jupiter unavailable")
    assert cells["Attempts"] == 5
    assert OrderSummary.of(rejected).token_mint == MINT != SOL_MINT


def test_the_count_line() -> None:
    assert count_text({"items": [], "total": 0}) == EMPTY
    assert count_text(_page(OrderSummary.of(order()))).startswith("**1** order(s)")
