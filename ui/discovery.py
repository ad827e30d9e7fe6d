"""Discovery tab (steps 1-2): run a scan with progress, the token table with filters, manual add,
a token's detail (safety reasons, price and liquidity charts from its snapshots), and blocking or
unblocking it.

One scan at a time: while a scan runs (started here, in another tab, through the API or by the
schedule) the Run button is disabled and says so, and the progress line follows that scan. A
scan whose safety checks could not all run is shown degraded, with the upstream that failed and
the tokens left pending."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import gradio as gr
import pandas as pd

from ui.api_client import ApiClient
from ui.settings_form import format_errors

TOKEN_HEADERS = [
    "symbol",
    "mint",
    "age",
    "price (USD)",
    "liquidity (USD)",
    "volume 24h (USD)",
    "FDV (USD)",
    "safety",
    "status",
]
SORTS = {
    "newest first": ("first_seen_at", "desc"),
    "liquidity": ("liquidity_usd", "desc"),
    "volume 24h": ("volume_h24_usd", "desc"),
    "FDV": ("fdv_usd", "desc"),
    "price": ("price_usd", "desc"),
}
ANY = "any"
PASSING = {
    "passing": "passed",
    "safety pending": "pending",
    "rejected by filters": "rejected",
    "any": "any",
}
VERDICTS = [ANY, "pass", "warn", "fail", "pending"]
TOKEN_COLUMN_WIDTHS: list[str | int] = ["8%", "22%", "8%", "10%", "11%", "11%", "11%", "9%", "10%"]
"""Wide enough that no header breaks inside a word ("safet y" at 1400 px, issue 14 item 9)."""
REJECTED_HEADERS = [
    "symbol",
    "mint",
    "age",
    "liquidity (USD)",
    "volume 24h (USD)",
    "FDV (USD)",
    "rejected because",
    "status",
]
REJECTED_COLUMN_WIDTHS: list[str | int] = ["7%", "20%", "7%", "10%", "10%", "10%", "28%", "8%"]
CHART_TIME_FORMAT = "%H:%M"
"""A 24-hour clock on the charts' time axis: Vega-Lite's default reads 14:02 as "02:02"."""
RUN_LABEL = "Run scan"
RUNNING_LABEL = "Scan running…"


def _money(value: Any, *, places: int = 0) -> str:
    if value is None:
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if places == 0:
        return f"{amount:,.0f}"
    return f"{amount:.{places}g}" if abs(amount) < 1 else f"{amount:,.4f}"


def _age(created: str | None, as_of: str) -> str:
    if not created:
        return ""
    seconds = (datetime.fromisoformat(as_of) - datetime.fromisoformat(created)).total_seconds()
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // 1440} d"


def token_rows(body: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for token in body.get("items", []):
        market = token.get("market") or {}
        safety = token.get("safety") or {}
        rows.append(
            [
                token.get("symbol") or "?",
                token["mint"],
                _age(token.get("pair_created_at"), body["as_of"]),
                _money(market.get("price_usd"), places=6),
                _money(market.get("liquidity_usd")),
                _money(market.get("volume_h24_usd")),
                _money(market.get("fdv_usd")),
                safety.get("verdict", "unchecked"),
                token.get("status", ""),
            ]
        )
    return rows


def rejected_rows(body: dict[str, Any]) -> list[list[Any]]:
    """The "rejected by filters" view: the figures the filters judge and each token's reasons
    (a rejected token has no safety check: that column would only say "unchecked")."""
    rows = []
    for token in body.get("items", []):
        market = token.get("market") or {}
        rows.append(
            [
                token.get("symbol") or "?",
                token["mint"],
                _age(token.get("pair_created_at"), body["as_of"]),
                _money(market.get("liquidity_usd")),
                _money(market.get("volume_h24_usd")),
                _money(market.get("fdv_usd")),
                "; ".join(token.get("filter_reasons") or []) or "(none recorded)",
                token.get("status", ""),
            ]
        )
    return rows


def token_table(body: dict[str, Any], *, rejected: bool) -> pd.DataFrame:
    """The table's content; its columns are the headers (the rejected view has its own)."""
    if rejected:
        return pd.DataFrame(rejected_rows(body), columns=REJECTED_HEADERS)
    return pd.DataFrame(token_rows(body), columns=TOKEN_HEADERS)


def run_progress(run: dict[str, Any]) -> str:
    counts = run.get("counts") or {}
    status = run.get("status", "?")
    if status == "running":
        done, total = counts.get("done"), counts.get("total")
        stage = counts.get("stage", "fetching candidates")
        figure = f" {done}/{total}" if total else ""
        return f"Scan **running**: {stage}{figure}"
    if status == "failed":
        return f"Scan **failed**: {run.get('error') or 'unknown error'}"
    word = "degraded" if status == "degraded" else "finished"
    text = (
        f"Scan **{word}**: {counts.get('candidates', 0)} candidates, "
        f"{counts.get('passed_filters', 0)} passed the filters, "
        f"{counts.get('new_tokens', 0)} new, {counts.get('updated_tokens', 0)} updated, "
        f"{counts.get('skipped_malformed', 0)} malformed skipped"
    )
    if counts.get("deferred"):
        text += (
            f"; **{counts['deferred']} left for the next scan** (the run's time limit came"
            " before their safety checks)"
        )
    if status == "degraded":
        pending = (counts.get("safety") or {}).get("pending", 0)
        unavailable = ", ".join(sorted(counts.get("unavailable") or {})) or "an upstream"
        text += (
            f"\n\n⚠️ **{pending} tokens pending**: their safety checks could not run"
            f" ({unavailable} unavailable), so they do not pass until the next scan or refresh"
            f" checks them. {run.get('error') or ''}"
        )
    return text


def button_state(running: bool) -> dict[str, Any]:
    """The Run button's label and whether it can be clicked (not while a scan runs)."""
    return {"value": RUNNING_LABEL if running else RUN_LABEL, "interactive": not running}


def safety_markdown(token: dict[str, Any]) -> str:
    safety = token.get("safety")
    title = f"### {token.get('symbol') or '?'} — {token['mint']}\n"
    status = f"Status: **{token.get('status')}**"
    if token.get("status_reason"):
        status += f" ({token['status_reason']})"
    if not safety:
        return f"{title}{status}\n\nSafety: not checked yet"
    lines = [title, status, "", f"Safety verdict: **{safety['verdict']}**", ""]
    if safety["verdict"] == "pending":
        upstreams = sorted(
            {c["upstream"] for c in safety.get("checks", []) if c.get("upstream")}
        ) or ["an upstream"]
        lines += [
            f"⚠️ Some safety checks could not run ({', '.join(upstreams)} unavailable): this"
            " token does not pass until they do. The next scan or refresh retries them.",
            "",
        ]
    lines.append("| check | outcome | detail | threshold |")
    lines.append("|---|---|---|---|")
    for check in safety.get("checks", []):
        lines.append(
            f"| {check['name']} | {check['outcome']} | {check['detail']} "
            f"| {check.get('threshold') or ''} |"
        )
    return "\n".join(lines)


def snapshot_frame(snapshots: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for snap in snapshots:
        market = snap.get("market") or {}
        rows.append(
            {
                "time": pd.Timestamp(snap["taken_at"]),
                "price_usd": float(market.get("price_usd") or 0),  # chart only: floats are fine
                "liquidity_usd": float(market.get("liquidity_usd") or 0),
            }
        )
    return pd.DataFrame(rows, columns=["time", "price_usd", "liquidity_usd"])


def snapshots_text(count: int) -> str:
    """Said instead of drawing empty axes when a token has no snapshot yet."""
    if count == 0:
        return "**0 snapshots**: no data yet to chart (the next refresh takes one)"
    return f"**{count} snapshot{'s' if count != 1 else ''}**"


def discovery_tab(client: ApiClient, blocks: gr.Blocks) -> None:  # noqa: PLR0915 - one layout
    with gr.Tab("Discovery", id="discovery"):
        with gr.Row():
            run = gr.Button(RUN_LABEL, variant="primary", elem_id="discovery-run", scale=0)
            progress = gr.Markdown("No scan started from this page yet.", elem_id="scan-progress")
        run_id = gr.State(None)
        with gr.Row():
            status = gr.Dropdown(
                [ANY, "active", "dead", "rugged", "blocked"],
                value=ANY,
                label="Status",
                elem_id="filter-status",
            )
            verdict = gr.Dropdown(VERDICTS, value=ANY, label="Safety", elem_id="filter-verdict")
            search = gr.Textbox(label="Search (symbol, name or mint)", elem_id="filter-search")
            passing = gr.Dropdown(
                list(PASSING), value="passing", label="Filters", elem_id="filter-passing"
            )
            sort = gr.Dropdown(list(SORTS), value="newest first", label="Sort", elem_id="sort")
        count = gr.Markdown(elem_id="tokens-count")
        table = gr.Dataframe(
            headers=TOKEN_HEADERS,
            interactive=False,
            elem_id="tokens-table",
            wrap=True,
            column_widths=TOKEN_COLUMN_WIDTHS,
        )
        with gr.Row():
            add_mint = gr.Textbox(label="Add a token by mint", elem_id="add-mint", scale=3)
            add = gr.Button("Add", elem_id="add-mint-button", scale=0)
        added = gr.Markdown(elem_id="add-mint-message")
        gr.Markdown("### Token detail (click a row, or type a mint)")
        with gr.Row():
            detail_mint = gr.Textbox(label="Mint", elem_id="detail-mint", scale=3)
            show = gr.Button("Show", elem_id="detail-show", scale=0)
            block = gr.Button("Block token", variant="stop", elem_id="detail-block", scale=0)
            unblock = gr.Button("Unblock token", elem_id="detail-unblock", scale=0)
        detail = gr.Markdown(elem_id="token-detail")
        snapshots_count = gr.Markdown(elem_id="token-snapshots")
        with gr.Row():
            # Hidden until there is something to draw: an empty chart is bare axes.
            price_plot = gr.LinePlot(
                x="time",
                y="price_usd",
                title="Price (USD)",
                elem_id="token-price-chart",
                x_axis_format=CHART_TIME_FORMAT,
                visible=False,
            )
            liquidity_plot = gr.LinePlot(
                x="time",
                y="liquidity_usd",
                title="Liquidity (USD)",
                elem_id="token-liq-chart",
                x_axis_format=CHART_TIME_FORMAT,
                visible=False,
            )

        def load_tokens(st: str, vd: str, q: str, ps: str, so: str) -> tuple[str, Any]:
            field, order = SORTS.get(so, SORTS["newest first"])
            result = client.tokens(
                filters=PASSING.get(ps, "passed"),
                status=None if st == ANY else st,
                verdict=None if vd == ANY else vd,
                q=(q or "").strip() or None,
                sort=field,
                order=order,
                limit=500,
            )
            if not result.ok:
                return (
                    f"**Could not list tokens ({result.status})**: {format_errors(result.body)}",
                    [],
                )
            body = result.body
            shown = len(body["items"])
            more = f" (showing {shown})" if shown < body["total"] else ""
            rejected = PASSING.get(ps) == "rejected"
            widths = REJECTED_COLUMN_WIDTHS if rejected else TOKEN_COLUMN_WIDTHS
            return f"**{body['total']} tokens**{more}", gr.Dataframe(
                value=token_table(body, rejected=rejected), column_widths=widths
            )

        filters = [status, verdict, search, passing, sort]
        for control in (status, verdict, passing, sort):
            control.change(load_tokens, inputs=filters, outputs=[count, table])
        search.submit(load_tokens, inputs=filters, outputs=[count, table])
        blocks.load(load_tokens, inputs=filters, outputs=[count, table])

        def start_run() -> tuple[str, str | None, Any]:
            result = client.start_token_scan()
            if not result.ok:
                return (
                    f"**Scan not started ({result.status})**: {format_errors(result.body)}",
                    None,
                    gr.skip(),
                )
            queued = (
                "Scan **queued**…"
                if result.body.get("started", True)
                else "A scan is **already running**: following it (one scan at a time)…"
            )
            return queued, str(result.body["run_id"]), gr.Button(**button_state(running=True))

        def poll(current: str | None, *current_filters: str) -> tuple[Any, ...]:
            """Every tick: the Run button follows whether a scan runs (wherever it was started)
            and the progress line follows that scan; when it ends, the list is reloaded."""
            running = client.running_run("token_scan")
            if not running.ok or not isinstance(running.body, list):
                return gr.skip(), current, gr.skip(), gr.skip(), gr.skip()  # API can't say
            active = running.body[0] if running.body else None
            if isinstance(active, dict):
                busy = gr.Button(**button_state(running=True))
                return run_progress(active), str(active["id"]), busy, gr.skip(), gr.skip()
            idle = gr.Button(**button_state(running=False))
            if not current:
                return gr.skip(), None, idle, gr.skip(), gr.skip()
            result = client.run(current)
            if not result.ok:
                return f"**Run unknown ({result.status})**", None, idle, gr.skip(), gr.skip()
            text = run_progress(result.body)
            if result.body["status"] == "running":
                return text, current, gr.skip(), gr.skip(), gr.skip()
            listed, rows = load_tokens(*current_filters)
            return text, None, idle, listed, rows  # finished: stop following, show the new list

        run.click(start_run, outputs=[progress, run_id, run])
        gr.Timer(1.5).tick(
            poll, inputs=[run_id, *filters], outputs=[progress, run_id, run, count, table]
        )

        def add_token(mint: str, *current: str) -> tuple[str, str, Any]:
            result = client.add_token(mint.strip())
            listed, rows = load_tokens(*current)
            if result.ok:
                token = result.body
                verdict_text = (token.get("safety") or {}).get("verdict", "unchecked")
                message = (
                    f"Added **{token.get('symbol') or token['mint']}** (safety: {verdict_text})"
                )
                if verdict_text == "pending":
                    message += (
                        " — some safety checks could not run (see its detail); it does not pass"
                        " until the next scan or refresh checks it"
                    )
                return message, listed, rows
            return f"**Not added ({result.status})**: {format_errors(result.body)}", listed, rows

        add.click(add_token, inputs=[add_mint, *filters], outputs=[added, count, table])

        def show_detail(mint: str) -> tuple[Any, ...]:
            hidden = gr.LinePlot(value=snapshot_frame([]), visible=False)
            if not mint.strip():
                return "", "", hidden, hidden
            result = client.token(mint.strip())
            if not result.ok:
                return format_errors(result.body), "", hidden, hidden
            frame = snapshot_frame(result.body["snapshots"])
            text = snapshots_text(len(frame))
            if frame.empty:
                return safety_markdown(result.body["token"]), text, hidden, hidden
            chart = gr.LinePlot(value=frame, visible=True)
            return safety_markdown(result.body["token"]), text, chart, chart

        detail_outputs = [detail, snapshots_count, price_plot, liquidity_plot]
        show.click(show_detail, inputs=[detail_mint], outputs=detail_outputs)

        def pick_row(evt: gr.SelectData, rows: pd.DataFrame) -> str:
            row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
            return str(rows.iloc[row]["mint"])

        table.select(pick_row, inputs=[table], outputs=[detail_mint]).then(
            show_detail, inputs=[detail_mint], outputs=detail_outputs
        )

        def change_block(mint: str, *current: str, blocked: bool) -> tuple[str, str, Any]:
            if not mint.strip():
                listed, rows = load_tokens(*current)
                return "Type or pick a mint first.", listed, rows
            change = client.block_token if blocked else client.unblock_token
            result = change(mint.strip())
            listed, rows = load_tokens(*current)
            if not result.ok:
                return format_errors(result.body), listed, rows
            return safety_markdown(result.body), listed, rows

        def block_token(mint: str, *current: str) -> tuple[str, str, Any]:
            return change_block(mint, *current, blocked=True)

        def unblock_token(mint: str, *current: str) -> tuple[str, str, Any]:
            return change_block(mint, *current, blocked=False)

        block_outputs = [detail, count, table]
        block.click(block_token, inputs=[detail_mint, *filters], outputs=block_outputs)
        unblock.click(unblock_token, inputs=[detail_mint, *filters], outputs=block_outputs)
