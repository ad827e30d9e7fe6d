"""Orders tab (step 8): the paper orders, entries (SOL → token) and exits (token → SOL), newest
first, refreshing on its own while the tab is shown: what was asked and why (the signal, or the
exit rule that fired), what the Jupiter quote promised and the fill got, price impact, fees,
and why an order was rejected; a clicked order shows the whole quote it was judged on.

The formatting helpers are pure functions of the API's JSON, unit-tested without a browser;
`orders_tab` only wires them to Gradio components.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import gradio as gr
import pandas as pd

from ui.api_client import ApiClient
from ui.format import short, sol, utc_time
from ui.settings_form import format_errors

REFRESH_S = 3
"""One indexed page query every few seconds, only while the tab is shown."""
PAGE_SIZE = 50
SIDES = {"All": None, "Entries": "entry", "Exits": "exit"}
STATUSES = {"All": None, "Pending": "pending", "Filled": "filled", "Rejected": "rejected"}
ORDER_HEADERS = [
    "Order", "Requested (UTC)", "Side", "Reason", "Status", "Token", "Amount in", "Filled",
    "Quoted out", "Min out", "Impact %", "Slippage bps", "Route", "Fees (SOL)", "Venue fees",
    "Rejected because", "Attempts",
]  # fmt: skip
EMPTY = "No orders yet: an accepted signal opens a position with its entry order."


def units(value: Any) -> str:
    return "—" if value is None else f"{int(value):,} units"


def _in(order: Mapping[str, Any], value: Any) -> str:
    return sol(value) if order["side"] == "entry" else units(value)


def _out(order: Mapping[str, Any], value: Any) -> str:
    return units(value) if order["side"] == "entry" else sol(value)


def impact(order: Mapping[str, Any]) -> str:
    value = order.get("price_impact_pct")
    return "—" if value is None else f"{Decimal(str(value)) * 100:.2f}"


def venue_fees(fees: Mapping[str, Any] | None) -> str:
    return ", ".join(f"{int(v):,} of {short(mint)}" for mint, v in (fees or {}).items())


def order_rows(body: Mapping[str, Any]) -> list[list[Any]]:
    """One row per order of a `GET /orders` page, in its order (newest first)."""
    rows = []
    for o in body.get("items") or []:
        filled = ""
        if o.get("filled_in") is not None:
            filled = f"{_in(o, o['filled_in'])} → {_out(o, o.get('filled_out'))}"
        reason = o["reason"]
        if o.get("fraction") is not None and o["side"] == "exit":
            reason = f"{reason} ({Decimal(str(o['fraction'])):.1%} of the holding)"
        rows.append(
            [
                o["order_id"],
                utc_time(o.get("requested_at")),
                o["side"],
                reason,
                o["status"],
                short(o.get("token_mint")),
                _in(o, o.get("amount_in")),
                filled,
                "" if o.get("quoted_out") is None else _out(o, o["quoted_out"]),
                "" if o.get("min_out") is None else _out(o, o["min_out"]),
                impact(o),
                "" if o.get("slippage_bps") is None else o["slippage_bps"],
                o.get("route") or "",
                sol(o.get("fees_lamports")) if o["status"] == "filled" else "",
                venue_fees(o.get("venue_fees")),
                o.get("reject_reason") or "",
                o.get("attempts", 0),
            ]
        )
    return rows


def count_text(body: Mapping[str, Any]) -> str:
    total = int(body.get("total") or 0)
    if not total:
        return EMPTY
    shown = len(body.get("items") or [])
    return f"**{total}** order(s); the newest {shown} shown (as of {utc_time(body.get('as_of'))})."


def order_markdown(order: Mapping[str, Any]) -> str:
    lines = [
        f"**{order['side']} order** `{order['order_id']}` — {order['reason']} — "
        f"**{order['status']}**"
        + (f": {order['reject_reason']}" if order.get("reject_reason") else ""),
        f"Position `{order['position_id']}` · {short(order['input_mint'])} → "
        f"{short(order['output_mint'])} · attempts {order.get('attempts', 0)}",
    ]
    if order.get("quote") is None:
        lines.append("No quote recorded.")
    return "\n\n".join(lines)


def orders_tab(client: ApiClient, blocks: gr.Blocks) -> list[gr.Timer]:
    """The tab; returns its timer (the app ticks it only while the tab is shown)."""
    with gr.Tab("Orders", id="orders"):
        gr.Markdown(
            "Paper orders: each **entry** spends SOL on the token an accepted signal bought;"
            " each **exit** sells what an exit rule decided (stop loss, take profit, trailing"
            " stop, time stop, mirror-sell, manual). Each is filled from a Jupiter quote taken"
            " when it is processed, or rejected with the reason. The table refreshes on its own"
            " while this tab is shown."
        )
        with gr.Row():
            side = gr.Radio(list(SIDES), value="All", label="Side", elem_id="orders-side")
            status = gr.Radio(list(STATUSES), value="All", label="Status", elem_id="orders-status")
            refresh = gr.Button("Refresh", elem_id="orders-refresh", scale=0)
        count = gr.Markdown(EMPTY, elem_id="orders-count")
        table = gr.Dataframe(
            value=pd.DataFrame(columns=ORDER_HEADERS),
            interactive=False,
            elem_id="orders-table",
            wrap=True,
        )
        gr.Markdown("### Order (click a row): the quote it was judged on")
        summary = gr.Markdown(elem_id="order-summary")
        quote = gr.JSON(label="Jupiter quote", elem_id="order-quote")

        def load(side_choice: str, status_choice: str) -> tuple[str, pd.DataFrame]:
            result = client.orders(
                side=SIDES.get(side_choice), status=STATUSES.get(status_choice), limit=PAGE_SIZE
            )
            if not result.ok:
                text = f"**Could not list orders ({result.status})**: {format_errors(result.body)}"
                return text, pd.DataFrame(columns=ORDER_HEADERS)
            return count_text(result.body), pd.DataFrame(
                order_rows(result.body), columns=ORDER_HEADERS
            )

        inputs = [side, status]
        listing = [count, table]
        side.change(load, inputs=inputs, outputs=listing)
        status.change(load, inputs=inputs, outputs=listing)
        refresh.click(load, inputs=inputs, outputs=listing)
        blocks.load(load, inputs=inputs, outputs=listing)
        timer = gr.Timer(REFRESH_S, active=False)  # started while the tab is shown
        timer.tick(load, inputs=inputs, outputs=listing, show_progress="hidden")

        def pick(evt: gr.SelectData) -> tuple[str, Any]:
            row = evt.row_value or []
            if not row:
                return "", None
            result = client.order(str(row[0]))
            if not result.ok:
                return f"**Order not shown ({result.status})**: {format_errors(result.body)}", None
            return order_markdown(result.body), result.body.get("quote")

        table.select(pick, outputs=[summary, quote])
    return [timer]
