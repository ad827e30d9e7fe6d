"""Signals tab (step 6): the signals signal_score stored, newest first, refreshing on its own
while the tab is shown; a filter for accepted or rejected; and for a clicked signal its score
breakdown (a bar per component's contribution, and the table of raw and normalised values),
its reason and its latency from the on-chain time to scored.

The formatting helpers and the figure are pure functions of the API's JSON, unit-tested without
a browser; `signals_tab` only wires them to Gradio components.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import gradio as gr
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped]

from ui.api_client import ApiClient
from ui.format import short, utc_time
from ui.settings_form import format_errors

REFRESH_S = 3
"""The table re-reads one page of signals (one indexed query) every few seconds while shown."""
PAGE_SIZE = 50
FILTERS = {"All": None, "Accepted": "accepted", "Rejected": "rejected"}
SIGNAL_HEADERS = [
    "Id", "Scored (UTC)", "Kind", "Accepted", "Score", "Wallet", "Owner", "Token", "Side",
    "Amount", "Latency (s)", "Reason",
]  # fmt: skip
COMPONENT_HEADERS = ["Component", "Raw", "Normalised", "Weight", "Contribution", "Detail"]
COMPONENT_LABELS = {
    "wallet_score": "wallet score",
    "confidence": "confidence",
    "owner_consensus": "owner consensus",
    "token_safety": "token safety",
    "liquidity": "liquidity",
    "size": "size vs usual",
    "age": "token youth",
}
EMPTY = "No signals yet: they appear as the watched wallets trade."


def _number(value: Any, digits: int) -> str:
    if value is None:
        return "—"
    return f"{float(value):.{digits}f}"


def amount(signal: Mapping[str, Any]) -> str:
    """The trade's quote amount with its symbol (SOL, USDC), exact as the API sent it."""
    try:
        value = Decimal(str(signal.get("quote_amount")))
    except InvalidOperation:
        return ""
    symbol = {"So11111111111111111111111111111111111111112": "SOL",
              "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v": "USDC"}.get(
        str(signal.get("quote_mint")), "tokens")  # fmt: skip
    return f"{value.normalize():f} {symbol}"


def signal_rows(body: Mapping[str, Any]) -> list[list[Any]]:
    """One row per signal of a `GET /signals` page, in its order (newest first)."""
    return [
        [
            s["id"],
            utc_time(s.get("scored_at")),
            s["kind"],
            "yes" if s["accepted"] else "no",
            _number(s.get("score"), 3),
            short(s["wallet"]),
            short(s["owner_id"]),
            short(s["token_mint"]),
            s["side"],
            amount(s),
            _number(s.get("latency_seconds"), 1),
            s["reason"],
        ]
        for s in body.get("items") or []
    ]


def count_text(body: Mapping[str, Any]) -> str:
    total = int(body.get("total") or 0)
    if not total:
        return EMPTY
    shown = len(body.get("items") or [])
    return f"**{total}** signal(s); the newest {shown} shown (as of {utc_time(body.get('as_of'))})."


def component_rows(components: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    return [
        [
            COMPONENT_LABELS.get(c["name"], c["name"]),
            "—" if c.get("raw") is None else f"{float(c['raw']):.4g}",
            _number(c["normalised"], 3),
            _number(c["weight"], 2),
            _number(c["contribution"], 3),
            c.get("detail") or "",
        ]
        for c in components
    ]


def breakdown_figure(signal: Mapping[str, Any]) -> go.Figure:
    """A horizontal bar per component: the score points it brought (they add up to the score)."""
    components = list(signal.get("components") or [])
    labels = [COMPONENT_LABELS.get(c["name"], c["name"]) for c in components]
    figure = go.Figure(
        go.Bar(
            x=[c["contribution"] for c in components],
            y=labels,
            orientation="h",
            text=[f"{c['contribution']:.3f}" for c in components],
            hovertext=[
                f"normalised {c['normalised']:.3f} × weight {c['weight']:.2f}" for c in components
            ],
            marker_color="#2ca02c" if signal.get("accepted") else "#d62728",
        )
    )
    figure.update_layout(
        title=f"Score {_number(signal.get('score'), 3)} = sum of the contributions",
        xaxis_title="score points",
        yaxis={"autorange": "reversed"},
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
    )
    return figure


def latency_text(signal: Mapping[str, Any]) -> str:
    delivery = float(signal.get("delivery_seconds") or 0)
    total = float(signal.get("latency_seconds") or 0)
    onchain, received = utc_time(signal.get("onchain_at")), utc_time(signal.get("received_at"))
    scored = utc_time(signal.get("scored_at"))
    return (
        f"on-chain {onchain} → received {received} (**{delivery:.1f} s**, via"
        f" {signal.get('via')}) → scored {scored} (**{total:.1f} s** from on-chain)"
    )


def signal_markdown(signal: Mapping[str, Any]) -> str:
    verdict = "✅ accepted" if signal.get("accepted") else "❌ rejected"
    lines = [
        f"**Signal {signal['id']}** — {signal['kind']} ({signal['side']}) — {verdict}: "
        f"{signal['reason']}",
        f"Wallet `{signal['wallet']}` (owner `{signal['owner_id']}`) · token "
        f"`{signal['token_mint']}` · {amount(signal)}",
        f"Latency: {latency_text(signal)}",
    ]
    if signal.get("kind") == "entry" and signal.get("score") is not None:
        owners = signal.get("consensus_owners") or []
        lines.append(f"Owners buying within the window: {len(owners)} ({', '.join(owners)})")
    if signal.get("fraction_sold") is not None:
        sold = Decimal(str(signal["fraction_sold"]))
        lines.append(f"Sold **{sold:.1%}** of its holding")
    return "\n\n".join(lines)


def signals_tab(client: ApiClient, blocks: gr.Blocks) -> list[gr.Timer]:
    """The tab; returns its timer (the app ticks it only while the tab is shown)."""
    with gr.Tab("Signals", id="signals"):
        gr.Markdown(
            "Every swap of a watched wallet becomes a signal: a buy is scored (wallet score,"
            " confidence, how many distinct **owners** bought the token within the window, the"
            " token's safety, liquidity and age, and the buy's size against the wallet's usual)"
            " and accepted or rejected with the reason; a sell is an exit signal with the share"
            " of the holding sold. The table refreshes on its own while this tab is shown."
        )
        with gr.Row():
            show = gr.Radio(
                list(FILTERS), value="All", label="Show", elem_id="signals-filter", scale=2
            )
            refresh = gr.Button("Refresh", elem_id="signals-refresh", scale=0)
        count = gr.Markdown(EMPTY, elem_id="signals-count")
        table = gr.Dataframe(
            value=pd.DataFrame(columns=SIGNAL_HEADERS),
            interactive=False,
            elem_id="signals-table",
            wrap=True,
        )
        gr.Markdown("### Signal (click a row)")
        summary = gr.Markdown(elem_id="signal-summary")
        chart = gr.Plot(label="Score breakdown", elem_id="signal-breakdown", visible=False)
        components = gr.Dataframe(
            value=pd.DataFrame(columns=COMPONENT_HEADERS),
            label="Components",
            interactive=False,
            elem_id="signal-components",
            wrap=True,
        )

        def load(choice: str) -> tuple[str, pd.DataFrame]:
            result = client.signals(status=FILTERS.get(choice), limit=PAGE_SIZE)
            if not result.ok:
                text = f"**Could not list signals ({result.status})**: {format_errors(result.body)}"
                return text, pd.DataFrame(columns=SIGNAL_HEADERS)
            frame = pd.DataFrame(signal_rows(result.body), columns=SIGNAL_HEADERS)
            return count_text(result.body), frame

        listing = [count, table]
        show.change(load, inputs=[show], outputs=listing)
        refresh.click(load, inputs=[show], outputs=listing)
        blocks.load(load, inputs=[show], outputs=listing)
        timer = gr.Timer(REFRESH_S, active=False)  # started while the tab is shown
        timer.tick(load, inputs=[show], outputs=listing, show_progress="hidden")

        def pick(evt: gr.SelectData) -> tuple[Any, ...]:
            row = evt.row_value or []
            empty = pd.DataFrame(columns=COMPONENT_HEADERS)
            if not row:
                return "", gr.Plot(visible=False), empty
            result = client.signal(int(row[0]))
            if not result.ok:
                text = f"**Signal not shown ({result.status})**: {format_errors(result.body)}"
                return text, gr.Plot(visible=False), empty
            body = result.body
            has_score = bool(body.get("components"))
            return (
                signal_markdown(body),
                gr.Plot(value=breakdown_figure(body) if has_score else None, visible=has_score),
                pd.DataFrame(
                    component_rows(body.get("components") or []), columns=COMPONENT_HEADERS
                ),
            )

        table.select(pick, outputs=[summary, chart, components])
    return [timer]
