"""Positions tab (step 7): the paper positions, open or closed, newest first, refreshing on its
own while the tab is shown: token, followed wallet, size, held, cost, PnL realised and
unrealised, fees, the exit plan and the rule that closed it; a clicked position's orders and a
"Close" button (a manual exit of the whole holding); the kill switch and its state; the latest
entries the risk rules refused.

The formatting helpers are pure functions of the API's JSON, unit-tested without a browser;
`positions_tab` only wires them to Gradio components.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gradio as gr
import pandas as pd

from ui.api_client import ApiClient
from ui.format import short, sol, utc_time
from ui.settings_form import format_errors

REFRESH_S = 3
"""Three indexed queries every few seconds, only while the tab is shown."""
PAGE_SIZE = 50
STATUSES = {"Open": "open", "Closed": "closed", "All": "all"}
POSITION_HEADERS = [
    "Position", "Opened (UTC)", "Status", "Token", "Followed wallet", "Size", "Held",
    "Cost", "Realised", "Unrealised", "Fees", "Net PnL", "Exit plan", "Closed by",
]  # fmt: skip
ORDER_HEADERS = ["Requested (UTC)", "Side", "Reason", "Status", "Amount in", "Filled out",
                 "Rejected because"]  # fmt: skip
REFUSAL_HEADERS = ["At (UTC)", "Signal", "Token", "Wallet", "Rule", "Why"]
EMPTY = "No positions yet: an accepted entry signal opens one (unless a risk rule refuses it)."


def exit_plan(plan: Mapping[str, Any] | None) -> str:
    """The exit rules a position was opened with, each that is on, in a few words."""
    if not plan:
        return ""
    parts = []
    if plan.get("stop_loss"):
        parts.append(f"SL -{plan.get('stop_loss_pct')}%")
    if plan.get("take_profit") and plan.get("take_profit_ladder"):
        rungs = "/".join(f"+{r['gain_pct']}%:{r['sell_pct']}%" for r in plan["take_profit_ladder"])
        parts.append(f"TP {rungs}")
    if plan.get("trailing_stop"):
        distance, activation = (
            plan.get("trailing_distance_pct"),
            plan.get("trailing_activation_pct"),
        )
        parts.append(f"trail {distance}% from +{activation}%")
    if plan.get("time_stop"):
        parts.append(f"time {plan.get('time_stop_hours')}h")
    if plan.get("mirror_sell"):
        parts.append("mirror")
    return ", ".join(parts)


def position_rows(body: Mapping[str, Any]) -> list[list[Any]]:
    """One row per position of a `GET /positions` page, in its order (newest first)."""
    rows = []
    for p in body.get("items") or []:
        rows.append(
            [
                p["position_id"],
                utc_time(p.get("opened_at")),
                p["status"],
                short(p.get("token_mint")),
                short(p.get("wallet")),
                sol(p.get("size_lamports")),
                f"{int(p.get('held_units') or 0):,} units",
                sol(p.get("cost_lamports")),
                sol(p.get("realised_lamports"), signed=True),
                sol(p.get("unrealised_lamports"), signed=True),
                sol(p.get("fees_lamports")),
                sol(p.get("net_pnl_lamports"), signed=True),
                exit_plan(p.get("exit_plan")),
                p.get("close_reason") or "",
            ]
        )
    return rows


def count_text(body: Mapping[str, Any]) -> str:
    total = int(body.get("total") or 0)
    if not total:
        return EMPTY
    shown = len(body.get("items") or [])
    return (
        f"**{total}** position(s); the newest {shown} shown (as of {utc_time(body.get('as_of'))})."
    )


def order_rows(orders: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """A position's orders, oldest first: entries spend lamports, exits sell units."""
    rows = []
    for o in orders:
        entry = o["side"] == "entry"
        amount = sol(o.get("amount_in")) if entry else f"{int(o.get('amount_in') or 0):,} units"
        out = o.get("filled_out")
        filled = "" if out is None else (f"{int(out):,} units" if entry else sol(out))
        rows.append(
            [
                utc_time(o.get("requested_at")),
                o["side"],
                o["reason"],
                o["status"],
                amount,
                filled,
                o.get("reject_reason") or "",
            ]
        )
    return rows


def refusal_rows(body: Mapping[str, Any]) -> list[list[Any]]:
    return [
        [
            utc_time(r.get("at")),
            r["signal_id"],
            short(r.get("token_mint")),
            short(r.get("wallet")),
            r["rule"],
            r["detail"],
        ]
        for r in body.get("items") or []
    ]


def kill_switch_text(result_ok: bool, body: Mapping[str, Any], status: int) -> str:
    if not result_ok:
        return f"**Kill switch state unknown ({status})**: {format_errors(body)}"
    if body.get("on"):
        return "🛑 **Kill switch ON**: no new entries are opened; exits keep running."
    return "Kill switch off: accepted entries open positions (within the risk rules)."


class _Handlers:
    """What the tab's events do, each through the API alone."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def load(self, choice: str) -> tuple[str, pd.DataFrame, str, pd.DataFrame]:
        client = self.client
        result = client.positions(status=STATUSES.get(choice, "open"), limit=PAGE_SIZE)
        if result.ok:
            text = count_text(result.body)
            frame = pd.DataFrame(position_rows(result.body), columns=POSITION_HEADERS)
        else:
            text = f"**Could not list positions ({result.status})**: {format_errors(result.body)}"
            frame = pd.DataFrame(columns=POSITION_HEADERS)
        state = client.kill_switch()
        refused = client.risk_refusals()
        refused_frame = pd.DataFrame(
            refusal_rows(refused.body) if refused.ok else [], columns=REFUSAL_HEADERS
        )
        return (
            text,
            frame,
            kill_switch_text(state.ok, state.body, state.status),
            refused_frame,
        )

    def show(self, position_id: str) -> pd.DataFrame:
        if not position_id:
            return pd.DataFrame(columns=ORDER_HEADERS)
        result = self.client.position(position_id)
        rows = order_rows(result.body.get("orders") or []) if result.ok else []
        return pd.DataFrame(rows, columns=ORDER_HEADERS)

    def pick(self, evt: gr.SelectData) -> tuple[str, pd.DataFrame, str]:
        row = evt.row_value or []
        position_id = str(row[0]) if row else ""
        return position_id, self.show(position_id), ""

    def close(self, position_id: str) -> tuple[str, pd.DataFrame]:
        if not position_id:
            return "Pick a position first (click its row).", pd.DataFrame(columns=ORDER_HEADERS)
        result = self.client.close_position(position_id)
        if result.ok:
            text = "Exit requested: the whole holding is being sold (reason manual)."
        else:
            text = f"**Not closed ({result.status})**: {format_errors(result.body)}"
        return text, self.show(position_id)

    def switch(self, on: bool) -> str:
        result = self.client.set_kill_switch(on)
        return kill_switch_text(result.ok, result.body, result.status)

    def switch_on(self) -> str:
        return self.switch(True)

    def switch_off(self) -> str:
        return self.switch(False)


def positions_tab(client: ApiClient, blocks: gr.Blocks) -> list[gr.Timer]:
    """The tab; returns its timer (the app ticks it only while the tab is shown)."""
    with gr.Tab("Positions", id="positions"):
        gr.Markdown(
            "Paper positions: each accepted entry signal opens one (sized by the Sizing"
            " settings, within the Risk rules), one per token at a time. PnL in SOL: realised"
            " from the exits, unrealised at the last mark, fees apart. Refreshes on its own"
            " while this tab is shown."
        )
        with gr.Row():
            switch_state = gr.Markdown(elem_id="kill-switch-state")
            switch_on = gr.Button("Kill switch ON", elem_id="kill-switch-on", scale=0)
            switch_off = gr.Button("Kill switch OFF", elem_id="kill-switch-off", scale=0)
        with gr.Row():
            status = gr.Radio(
                list(STATUSES), value="Open", label="Show", elem_id="positions-status"
            )
            refresh = gr.Button("Refresh", elem_id="positions-refresh", scale=0)
        count = gr.Markdown(EMPTY, elem_id="positions-count")
        table = gr.Dataframe(
            value=pd.DataFrame(columns=POSITION_HEADERS),
            interactive=False,
            elem_id="positions-table",
            wrap=True,
        )
        gr.Markdown("### Position (click a row): its orders")
        selected = gr.Textbox(label="Selected position", interactive=False, elem_id="position-id")
        with gr.Row():
            close = gr.Button("Close (sell everything)", elem_id="position-close", scale=0)
            outcome = gr.Markdown(elem_id="position-outcome")
        orders = gr.Dataframe(
            value=pd.DataFrame(columns=ORDER_HEADERS), interactive=False, elem_id="position-orders"
        )
        gr.Markdown("### Entries the risk rules refused (newest first)")
        refusals = gr.Dataframe(
            value=pd.DataFrame(columns=REFUSAL_HEADERS),
            interactive=False,
            elem_id="risk-refusals",
            wrap=True,
        )

        handlers = _Handlers(client)
        listing = [count, table, switch_state, refusals]
        status.change(handlers.load, inputs=[status], outputs=listing)
        refresh.click(handlers.load, inputs=[status], outputs=listing)
        blocks.load(handlers.load, inputs=[status], outputs=listing)
        timer = gr.Timer(REFRESH_S, active=False)  # started while the tab is shown
        timer.tick(handlers.load, inputs=[status], outputs=listing, show_progress="hidden")

        table.select(handlers.pick, outputs=[selected, orders, outcome])

        close.click(handlers.close, inputs=[selected], outputs=[outcome, orders])

        switch_on.click(handlers.switch_on, outputs=[switch_state])
        switch_off.click(handlers.switch_off, outputs=[switch_state])
    return [timer]
