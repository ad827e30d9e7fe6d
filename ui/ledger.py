"""P&L tab (issue 18): the paper ledger — the account's totals and whether its books balance,
the equity curve with its max drawdown, per followed wallet our PnL beside its own on the same
tokens (how much of its edge we keep), and the shadow PnL of rejected signals beside accepted
ones, so the signal thresholds can be judged. Refreshes on its own while the tab is shown.

The formatting helpers and figures are pure functions of the API's JSON, unit-tested without a
browser; `ledger_tab` only wires them to Gradio components.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import gradio as gr
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped]

from ui.api_client import ApiClient
from ui.format import short, utc_time
from ui.settings_form import format_errors

REFRESH_S = 5
"""Four reads computed from positions, fills and swaps: every few seconds while shown."""
LAMPORTS = Decimal(1_000_000_000)
POSITION_HEADERS = [
    "Opened (UTC)", "Status", "Token", "Wallet", "Invested (SOL)", "Held (units)",
    "Realised (SOL)", "Unrealised (SOL)", "Fees (SOL)", "Net (SOL)", "Closed by",
]  # fmt: skip
WALLET_HEADERS = [
    "Wallet", "Owner", "Positions", "Our return %", "Its return %", "Edge kept %",
    "Our PnL (SOL)", "Its PnL (SOL)", "Its unpriced lots",
]  # fmt: skip
SHADOW_HEADERS = [
    "Signal", "Accepted", "Reason", "Token", "Score", "Size (SOL)", "PnL (SOL)", "Return %",
    "Exits", "Note",
]  # fmt: skip
EMPTY = "No fills yet: the ledger starts at the paper starting equity (Settings → Sizing)."


def sol(lamports: Any, *, signed: bool = False) -> str:
    """Lamports as SOL, 4 decimals (exact division; display only)."""
    if lamports is None:
        return "—"
    value = Decimal(int(lamports)) / LAMPORTS
    return f"{value:+,.4f}" if signed else f"{value:,.4f}"


def pct(value: Any) -> str:
    return "—" if value is None else f"{float(value):+.1f} %"


def totals_markdown(ledger: Mapping[str, Any], curve: Mapping[str, Any] | None) -> str:
    t = ledger["totals"]
    lines = [
        f"**Equity {sol(t['equity_lamports'])} SOL** ({pct(t['return_pct'])} on"
        f" {sol(t['starting_lamports'])} SOL) · net PnL **{sol(t['net_pnl_lamports'], signed=True)}"
        " SOL**",
        f"Cash {sol(t['cash_lamports'])} · holdings {sol(t['holdings_value_lamports'])} at their"
        f" marks ({sol(t['holdings_cost_lamports'])} at cost) · realised"
        f" {sol(t['realised_lamports'], signed=True)} · unrealised"
        f" {sol(t['unrealised_lamports'], signed=True)} · fees {sol(t['fees_lamports'])} (SOL)",
        f"Positions: {t['open_positions']} open, {t['closed_positions']} closed,"
        f" {t['failed_positions']} failed · {t['fills']} fill(s)"
        + (
            f" · {t['unpriced_positions']} without a mark (at cost)"
            if t["unpriced_positions"]
            else ""
        ),
    ]
    if curve is not None:
        lines.append(
            f"Max drawdown {sol(curve['max_drawdown_lamports'])} SOL"
            f" ({float(curve['max_drawdown_pct']):.1f} % from its peak)"
        )
    if t["balanced"]:
        lines.append("✅ Books balance: cash + holdings at cost = start + realised − fees.")
    else:
        lines.append(
            f"⚠️ **Books out of balance by {t['imbalance_lamports']} lamports** (cash from the"
            " fills vs the positions' realised, fees and cost)."
        )
    if not t["fills"]:
        lines.append(EMPTY)
    return "\n\n".join(lines)


def position_rows(ledger: Mapping[str, Any]) -> list[list[Any]]:
    return [
        [
            utc_time(p["opened_at"]),
            p["status"],
            short(p["token_mint"]),
            short(p["wallet"]),
            sol(p["invested_lamports"]),
            p["held_units"],
            sol(p["realised_lamports"], signed=True),
            sol(p["unrealised_lamports"], signed=True),
            sol(p["fees_lamports"]),
            sol(p["net_pnl_lamports"], signed=True),
            p.get("close_reason") or "",
        ]
        for p in ledger.get("positions") or []
    ]


def equity_figure(curve: Mapping[str, Any]) -> go.Figure:
    """Equity (at marks) and cash after each fill, in SOL."""
    points = list(curve.get("points") or [])
    at = [p["at"] for p in points]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=at,
            y=[float(Decimal(p["equity_lamports"]) / LAMPORTS) for p in points],
            mode="lines+markers",
            name="equity",
            line={"shape": "hv"},
            hovertext=[p["event"] for p in points],
        )
    )
    figure.add_trace(
        go.Scatter(
            x=at,
            y=[float(Decimal(p["cash_lamports"]) / LAMPORTS) for p in points],
            mode="lines",
            name="cash",
            line={"shape": "hv", "dash": "dot"},
        )
    )
    figure.update_layout(
        title=f"Equity (max drawdown {float(curve.get('max_drawdown_pct') or 0):.1f} %)",
        yaxis_title="SOL",
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
    )
    return figure


def wallet_rows(body: Mapping[str, Any]) -> list[list[Any]]:
    return [
        [
            short(w["wallet"]),
            short(w["owner_id"]),
            w["positions"],
            pct(w["our_return_pct"]),
            pct(w["their_return_pct"]),
            "—" if w["edge_kept_pct"] is None else f"{float(w['edge_kept_pct']):.0f} %",
            sol(w["our_net_pnl_lamports"], signed=True),
            f"{Decimal(str(w['their_pnl_sol'])):+,.4f}",
            w["their_unpriced_lots"],
        ]
        for w in body.get("wallets") or []
    ]


def wallets_markdown(body: Mapping[str, Any]) -> str:
    if not body.get("wallets"):
        return "No followed wallet copied yet."
    kept = body.get("edge_kept_pct")
    return (
        f"Over every followed wallet: our return {pct(body.get('our_return_pct'))}, theirs"
        f" {pct(body.get('their_return_pct'))} on the same tokens since the buys we copied"
        + (f" — **{float(kept):.0f} % of their edge kept**." if kept is not None else ".")
    )


def wallets_figure(body: Mapping[str, Any]) -> go.Figure:
    """Grouped bars per followed wallet: our return beside its own (%)."""
    rows = list(body.get("wallets") or [])
    names = [short(w["wallet"]) for w in rows]
    figure = go.Figure(
        [
            go.Bar(name="ours", x=names, y=[w["our_return_pct"] or 0 for w in rows]),
            go.Bar(name="theirs", x=names, y=[w["their_return_pct"] or 0 for w in rows]),
        ]
    )
    figure.update_layout(
        barmode="group",
        title="Return on what was put in: our copies vs the wallet",
        yaxis_title="%",
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
    )
    return figure


def shadow_markdown(body: Mapping[str, Any]) -> str:
    def side(name: str, s: Mapping[str, Any]) -> str:
        win = s.get("win_rate_pct")
        return (
            f"| {name} | {s['signals']} | {s['replayed']} | {sol(s['pnl_lamports'], signed=True)}"
            f" | {pct(s['return_pct'])} | {'—' if win is None else f'{float(win):.0f} %'} |"
        )

    spots = "\n".join(f"- {b}" for b in body.get("blind_spots") or [])
    return "\n".join(
        [
            "| Entry signals | count | replayed | shadow PnL (SOL) | return | win rate |",
            "|---|---|---|---|---|---|",
            side("accepted", body["accepted"]),
            side("rejected", body["rejected"]),
            "",
            f"What our real positions earned: **{sol(body['actual_net_pnl_lamports'], signed=True)}"
            " SOL** (fills, fees and marks as they really went).",
            "",
            "The replay cannot see:",
            spots,
        ]
    )


def shadow_rows(body: Mapping[str, Any]) -> list[list[Any]]:
    return [
        [
            t["signal_id"],
            "yes" if t["accepted"] else "no",
            t["reason"],
            short(t["token_mint"]),
            "—" if t["score"] is None else f"{float(t['score']):.3f}",
            sol(t["size_lamports"]),
            sol(t["pnl_lamports"], signed=True),
            pct(t["return_pct"]),
            ", ".join(t["exits"]) + (" (still held)" if t["open_at_end"] else ""),
            t.get("note") or "",
        ]
        for t in body.get("trades") or []
    ]


def _problem(what: str, result: Any) -> str:
    return f"**Could not read {what} ({result.status})**: {format_errors(result.body)}"


def ledger_tab(client: ApiClient) -> list[gr.Timer]:
    """The tab; returns its timer (the app ticks it only while the tab is shown)."""
    with gr.Tab("P&L", id="ledger") as tab:
        gr.Markdown(
            "The paper account: cash moved by every fill, holdings at their last marks, realised"
            " and unrealised PnL and fees; our copies beside the followed wallets' own trades on"
            " the same tokens; and every entry signal replayed as if taken, rejected beside"
            " accepted, to judge the thresholds. Amounts in SOL."
        )
        refresh = gr.Button("Refresh", elem_id="ledger-refresh", scale=0)
        totals = gr.Markdown(elem_id="ledger-totals")
        equity = gr.Plot(label="Equity curve", elem_id="ledger-equity")
        positions = gr.Dataframe(
            value=pd.DataFrame(columns=POSITION_HEADERS),
            label="Positions (newest first)",
            interactive=False,
            elem_id="ledger-positions",
            wrap=True,
        )
        gr.Markdown("### Our PnL vs theirs (per followed wallet)")
        versus_text = gr.Markdown(elem_id="ledger-versus")
        versus_chart = gr.Plot(label="Ours vs theirs", elem_id="ledger-versus-chart")
        versus = gr.Dataframe(
            value=pd.DataFrame(columns=WALLET_HEADERS),
            interactive=False,
            elem_id="ledger-wallets",
            wrap=True,
        )
        gr.Markdown("### Shadow PnL: rejected vs accepted signals, replayed")
        shadow_text = gr.Markdown(elem_id="ledger-shadow")
        shadow = gr.Dataframe(
            value=pd.DataFrame(columns=SHADOW_HEADERS),
            interactive=False,
            elem_id="ledger-shadow-table",
            wrap=True,
        )

        def load() -> tuple[Any, ...]:
            book, curve = client.ledger(), client.ledger_equity()
            wallets, replay = client.ledger_wallets(), client.ledger_shadow()
            if not book.ok:
                text = _problem("the ledger", book)
            else:
                text = totals_markdown(book.body, curve.body if curve.ok else None)
            return (
                text,
                equity_figure(curve.body) if curve.ok else None,
                pd.DataFrame(position_rows(book.body) if book.ok else [], columns=POSITION_HEADERS),
                wallets_markdown(wallets.body) if wallets.ok else _problem("wallets", wallets),
                wallets_figure(wallets.body) if wallets.ok else None,
                pd.DataFrame(
                    wallet_rows(wallets.body) if wallets.ok else [], columns=WALLET_HEADERS
                ),
                shadow_markdown(replay.body) if replay.ok else _problem("shadow PnL", replay),
                pd.DataFrame(shadow_rows(replay.body) if replay.ok else [], columns=SHADOW_HEADERS),
            )

        outputs = [
            totals,
            equity,
            positions,
            versus_text,
            versus_chart,
            versus,
            shadow_text,
            shadow,
        ]
        refresh.click(load, outputs=outputs)
        # read when the tab is opened, not on every page load: the shadow replay is the
        # heaviest read of the dashboard, and nobody sees it on another tab
        tab.select(load, outputs=outputs)
        timer = gr.Timer(REFRESH_S, active=False)  # started while the tab is shown
        timer.tick(load, outputs=outputs, show_progress="hidden")
    return [timer]
