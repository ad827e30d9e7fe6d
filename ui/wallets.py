"""Wallets tab (step 3): discover a token's wallets with progress (the discovery run, then the
profiles still pending), the ranked wallet table with filters, and a wallet's detail (score
breakdown, bot flags with reasons, partial-history warning, trades, cumulative PnL chart).

The formatting helpers are pure functions of the API's JSON so they are unit-tested without a
browser; the layout at the bottom only wires them to Gradio components. One manual discovery at
a time: while one runs (from this page or elsewhere) the Discover button is disabled and says
so, and the progress line follows that run.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import gradio as gr
import pandas as pd

from ui.api_client import ApiClient
from ui.settings_form import format_errors

JOB = "wallet_discovery"
ALL_TOKENS = "__all__"
ALL_TOKENS_LABEL = "All active tokens"
ANY = "any"
WALLET_HEADERS = [
    "#",
    "wallet",
    "score",
    "qualified",
    "confidence",
    "realised PnL (SOL)",
    "win rate",
    "median hold",
    "trades",
    "edge in score (typical buy, capped)",
    "pooled edge (uncapped)",
    "flags",
    "history",
    "status",
    "owner",
]
"""The score reads the capped typical-buy edge; the pooled one (every copied buy, uncapped)
sits beside it, labelled, because one lucky unsold 10x can make it large while the score is
negative."""
TRADE_HEADERS = ["time", "side", "token", "token amount", "quote", "source", "signature"]
SORTS = {
    "rank (followed first)": ("rank", "desc"),
    "score": ("score", "desc"),
    "score (lowest first)": ("score", "asc"),
    "confidence": ("confidence", "desc"),
    "realised PnL": ("realised_pnl_sol", "desc"),
    "win rate": ("win_rate", "desc"),
    "trades": ("trades", "desc"),
    "edge in score": ("score_edge", "desc"),
    "pooled edge": ("copy_edge", "desc"),
    "newest first": ("first_seen_at", "desc"),
}
SCOPES = {"selected token": "token", "all tokens": "all"}
FLAG_FILTERS = {"any": "any", "clean (no bot flag)": "clean", "bot flagged": "bot"}
STATUSES = [ANY, "candidate", "profiled", "failed"]
QUALIFIED = {"any": "any", "qualified": "true", "not qualified": "false"}
DEFAULT_SORT = "rank (followed first)"
DEFAULT_FLAGS = "clean (no bot flag)"
DEFAULT_QUALIFIED = "qualified"
"""The default view: the wallets the product would follow (qualified, no bot flag), ranked.
"any" in both filters shows every wallet, still those first."""
TABLE_LIMIT = 100
RUN_LABEL = "Discover wallets"
RUNNING_LABEL = "Discovery running…"
PARTIAL_WARNING = (
    "⚠️ **Partial history**: this wallet's history reached the read cap, so only its most "
    "recent transactions were profiled. PnL, win rate and score describe that part only."
)


# ---- formatting (pure) ---------------------------------------------------------------------


def short_address(address: str | None, *, keep: int = 4) -> str:
    """`AbCd…WxYz`: enough to tell wallets apart in a table, the full address is in the detail."""
    if not address:
        return ""
    if len(address) <= 2 * keep + 1:
        return address
    return f"{address[:keep]}…{address[-keep:]}"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def sol(value: Any, *, places: int = 4) -> str:
    """A signed SOL amount from the API's decimal string (never through a float)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return f"{amount:+,.{places}f}"


def percent(value: Any, *, signed: bool = False, places: int = 0) -> str:
    """A ratio (0.62 or "0.62") as a percentage ("62 %")."""
    ratio = _decimal(value)
    if ratio is None:
        return ""
    sign = "+" if signed else ""
    return f"{ratio * 100:{sign}.{places}f} %"


def score_text(value: float | None) -> str:
    return "" if value is None else f"{value:+.3f}"


def duration(seconds: float | None) -> str:
    """A holding time as people read it: 4.0 s, 3 min 05 s, 2 h 07 min, 3 d 04 h."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 3_600:
        return f"{whole // 60} min {whole % 60:02d} s"
    if whole < 86_400:
        return f"{whole // 3_600} h {whole % 3_600 // 60:02d} min"
    return f"{whole // 86_400} d {whole % 86_400 // 3_600:02d} h"


def flags_text(wallet: dict[str, Any]) -> str:
    """The bot flag kinds, or "clean" once profiled without any; blank while unprofiled."""
    kinds = wallet.get("bot_flags") or []
    if kinds:
        return ", ".join(str(k) for k in kinds)
    return "clean" if wallet.get("is_bot") is False else ""


def qualified_text(wallet: dict[str, Any]) -> str:
    """ "yes", or "no: " and why (the checks it failed); blank while unprofiled."""
    if wallet.get("qualified") is None:
        return ""
    if wallet["qualified"]:
        return "yes"
    reasons = wallet.get("qualification") or []
    return "no: " + "; ".join(reasons) if reasons else "no"


def owner_text(ref: dict[str, Any] | None) -> str:
    """A wallet's owner as `own-… (3 wallets)`; blank before a clustering run grouped it."""
    if not ref:
        return ""
    size = int(ref.get("size", 1))
    return f"{ref['owner_id']} ({size} wallet{'s' if size != 1 else ''})"


def wallet_rows(body: dict[str, Any], *, offset: int = 0) -> list[list[Any]]:
    """One table row per WalletSummary, ranked in the order the API returned them, with its
    owner from the page's `owners` map."""
    owners = body.get("owners") or {}
    rows = []
    for rank, wallet in enumerate(body.get("items", []), start=offset + 1):
        trades = wallet.get("trades")
        rows.append(
            [
                rank,
                short_address(wallet["address"]),
                score_text(wallet.get("score")),
                qualified_text(wallet),
                "" if wallet.get("confidence") is None else f"{wallet['confidence']:.2f}",
                sol(wallet.get("realised_pnl_sol")),
                percent(wallet.get("win_rate")),
                duration(wallet.get("median_hold_seconds")),
                "" if trades is None else trades,
                percent(wallet.get("score_edge"), signed=True, places=1),
                percent(wallet.get("copy_edge"), signed=True, places=1),
                flags_text(wallet),
                "⚠ partial" if wallet.get("partial") else "",
                wallet.get("status", ""),
                owner_text(owners.get(wallet["address"])),
            ]
        )
    return rows


def address_index(body: dict[str, Any]) -> dict[str, str]:
    """Short address (as shown in the table) → full address, to open a clicked row."""
    return {short_address(w["address"]): w["address"] for w in body.get("items", [])}


def count_text(body: dict[str, Any]) -> str:
    shown = len(body.get("items", []))
    total = body.get("total", shown)
    more = f" (showing the first {shown})" if shown < total else ""
    return f"**{total} wallets**{more}"


def token_choices(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The token dropdown: each listed token as `SYMBOL — AbCd…WxYz`, then all active tokens."""
    choices = [
        (f"{t.get('symbol') or '?'} — {short_address(t['mint'])}", t["mint"])
        for t in body.get("items", [])
    ]
    return [*choices, (ALL_TOKENS_LABEL, ALL_TOKENS)]


def error_text(body: Any) -> str:
    """An API error body as one readable line per problem."""
    return format_errors(body, default_loc="request")


def pending_text(pending: int, *, finished: bool) -> str:
    """How many wallets still wait for their profile; "all profiled" only once the run is over
    (while it runs, more candidates may still be queued)."""
    if pending == 0 and finished:
        return "profiles pending: **0** (all profiled)"
    return f"profiles pending: **{pending}**"


def discovery_progress(run: dict[str, Any], pending: int | None) -> str:
    """The discovery run's counts, then how many of its wallets still wait for a profile."""
    counts = run.get("counts") or {}
    status = run.get("status", "?")
    finished = status != "running"
    tail = f" · {pending_text(pending, finished=finished)}" if pending is not None else ""
    if status == "running":
        done, total = counts.get("tokens_done", 0), counts.get("tokens")
        figure = f"{done}/{total} tokens" if total else "starting"
        found = counts.get("candidates", 0)
        swaps = counts.get("swaps", 0)
        return f"Discovery **running**: {figure}, {swaps} swaps, {found} candidates{tail}"
    if status == "failed":
        return f"Discovery **failed**: {run.get('error') or 'unknown error'}{tail}"
    return (
        f"Discovery **finished**: {counts.get('tokens', 0)} tokens, "
        f"{counts.get('transactions', 0)} transactions, {counts.get('swaps', 0)} swaps "
        f"({counts.get('malformed', 0)} malformed skipped), "
        f"{counts.get('candidates', 0)} candidates, {counts.get('new_wallets', 0)} new wallets, "
        f"{counts.get('queued_profiles', 0)} profiles queued{tail}"
    )


def button_state(running: bool) -> dict[str, Any]:
    """The Discover button's label and whether it can be clicked (not while a run runs)."""
    return {"value": RUNNING_LABEL if running else RUN_LABEL, "interactive": not running}


def still_watching(run: dict[str, Any], pending: int | None) -> bool:
    """Keep polling while the run works or any of its wallets waits for its profile."""
    return run.get("status") == "running" or bool(pending)


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "no")


def _reasons(discovered_from: list[dict[str, Any]]) -> str:
    parts = [
        f"{short_address(d['mint'])} ({', '.join(r.replace('_', ' ') for r in d['reasons'])})"
        for d in discovered_from
    ]
    return "; ".join(parts) or "—"


SCORE_INPUTS = (
    "What the score reads: **copy edge** = the return of a typical copied buy after our"
    " latency, slippage and fees, each buy's gain capped (a rare 10x does not repeat);"
    " **win rate** = share of copied buys that made money; **consistency** = the capped edge"
    " without the single best buy. Each is mapped to [−1, 1], weighted, then multiplied by"
    " **confidence** n / (n + k) over the n copied buys; a bot-flagged wallet then drops below"
    " every unflagged one."
)


def qualification_markdown(wallet: dict[str, Any], profile: dict[str, Any]) -> str:
    """Whether the product would follow the wallet, and why (each check)."""
    reasons = profile.get("qualification") or wallet.get("qualification") or []
    qualified = profile.get("qualified", wallet.get("qualified"))
    verdict = "**qualified**: the product would follow it" if qualified else "**not qualified**"
    lines = ["#### Qualification", "", verdict]
    if reasons:
        lines += ["", *[f"- {r}" for r in reasons]]
    else:
        lines += ["", "(profiled before the reasons were recorded: the next profile has them)"]
    return "\n".join(lines)


def breakdown_markdown(breakdown: dict[str, Any]) -> str:
    """How the score was made: each component, then raw → shrunk toward the prior → penalty →
    score."""
    lines = [
        "#### Score breakdown",
        "",
        SCORE_INPUTS,
        "",
        "| component | value | normalised | weight | contribution |",
        "|---|---|---|---|---|",
    ]
    for c in breakdown.get("components", []):
        value = "—" if c.get("value") is None else f"{c['value']:.4g}"
        lines.append(
            f"| {c['name'].replace('_', ' ')} | {value} | {c['normalised']:+.3f} "
            f"| {c['weight']:.2f} | {c['contribution']:+.3f} |"
        )
    lines += [
        "",
        f"raw **{breakdown['raw']:+.3f}** × confidence **{breakdown['confidence']:.2f}** "
        f"(from {breakdown['sample_size']} copied buys) + prior "
        f"**{breakdown.get('prior', 0.0):+.2f}** × (1 − confidence) "
        f"→ **{breakdown['shrunk']:+.3f}**"
        f"; bot penalty {breakdown['bot_penalty']:.2f} → score **{breakdown['score']:+.3f}**",
    ]
    return "\n".join(lines)


def profile_markdown(detail: dict[str, Any]) -> str:
    """The wallet's summary: status, headline figures, copy replay and score breakdown."""
    wallet = detail["wallet"]
    profile = detail.get("profile")
    lines = [f"### {wallet['address']}", ""]
    status = f"Status: **{wallet.get('status', '?')}**"
    if wallet.get("status") == "profiled":
        status += f" · qualified: **{_yes_no(wallet.get('qualified'))}**"
    lines.append(status + f" · first seen {wallet.get('first_seen_at') or '—'}")
    lines += ["", f"Discovered from: {_reasons(wallet.get('discovered_from') or [])}"]
    if wallet.get("error"):
        lines += ["", f"**Profile failed**: {wallet['error']}"]
    if not profile:
        if wallet.get("status") == "candidate":
            lines += ["", "Not profiled yet: its profile is queued."]
        return "\n".join(lines)
    copy = profile.get("copyability") or {}
    lines += [
        "",
        f"Profiled at {profile['profiled_at']} over {profile['window_start']} → "
        f"{profile['window_end']}",
        "",
        f"Score **{score_text(profile['score'])}** · confidence "
        f"**{profile['breakdown']['confidence']:.2f}** · realised PnL "
        f"**{sol(profile['realised_pnl_sol'])} SOL** · unrealised "
        f"{sol(profile['unrealised_pnl_sol'])} SOL · ROI "
        f"{percent(profile.get('roi'), signed=True, places=1) or '—'}",
        "",
        f"Win rate {percent(profile.get('win_rate')) or '—'} · median hold "
        f"{duration(profile.get('median_hold_seconds')) or '—'} · {profile['trades']} trades "
        f"({profile['buys']} buys, {profile['sells']} sells) on {profile['tokens']} tokens · "
        f"{profile['trades_per_day']:.1f} trades/day",
        "",
        f"Copy replay (our latency, slippage and fees): {copy.get('copied_buys', 0)} buys copied, "
        f"edge **{percent(copy.get('edge'), signed=True, places=1) or '—'}** per SOL, "
        f"win rate {percent(copy.get('win_rate')) or '—'}, without the best trade "
        f"{percent(copy.get('edge_without_best'), signed=True, places=1) or '—'}, "
        f"PnL {sol(copy.get('pnl_sol'))} SOL; typical buy (each gain capped, what the score "
        f"uses) {percent(copy.get('capped_edge'), signed=True, places=1) or '—'}",
        "",
        qualification_markdown(wallet, profile),
        "",
        breakdown_markdown(profile["breakdown"]),
    ]
    return "\n".join(lines)


def flags_markdown(detail: dict[str, Any]) -> str:
    """Bot flags with the observed value, the threshold and the reason, or why there are none."""
    profile = detail.get("profile")
    if not profile:
        return ""
    flags = profile.get("bot_flags") or []
    if not flags:
        return "#### Bot flags\n\nNo bot flag: copyable timing and activity."
    lines = [
        "#### Bot flags",
        "",
        f"**Flagged as a bot** ({len(flags)} flag{'s' if len(flags) > 1 else ''}): ranked "
        "below every unflagged wallet.",
        "",
        "| flag | observed | threshold | reason |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {f['kind']} | {f['observed']:.4g} | {f['threshold']:.4g} | {f['reason']} |"
        for f in flags
    ]
    return "\n".join(lines)


def partial_markdown(detail: dict[str, Any]) -> str:
    partial = (detail.get("profile") or {}).get("partial", detail["wallet"].get("partial"))
    return PARTIAL_WARNING if partial else ""


def trade_rows(trades: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for t in trades:
        # the API names SOL and USDC quotes; a token-for-token trade shows the token paid
        quote = t.get("quote_symbol") or short_address(t.get("quote_mint"))
        rows.append(
            [
                t["timestamp"],
                t["side"],
                short_address(t["token_mint"]),
                str(t["token_amount"]),
                f"{t['quote_amount']} {quote}",
                t.get("source") or "",
                short_address(t["signature"], keep=6),
            ]
        )
    return rows


def owner_markdown(detail: dict[str, Any]) -> str:
    """The wallet's owner (step 4), or what to do when no clustering run has grouped it."""
    owner = detail.get("owner")
    if not owner:
        return "Owner: none yet — a clustering run (Clusters tab → Run clustering) groups it."
    size = int(owner.get("size", 1))
    alone = " (a wallet alone is its own owner)" if size == 1 else ""
    return f"Owner: **{owner['owner_id']}**, {size} wallet{'s' if size != 1 else ''}{alone}"


def pnl_frame(curve: list[dict[str, Any]]) -> pd.DataFrame:
    """The cumulative realised PnL curve for the chart (floats are fine for drawing only)."""
    rows = [
        {
            "time": pd.Timestamp(p["at"]),
            "cumulative_pnl_sol": float(Decimal(p["cumulative_pnl_sol"])),
        }
        for p in curve
    ]
    return pd.DataFrame(rows, columns=["time", "cumulative_pnl_sol"])


# ---- layout --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenOwner:
    """The shown wallet's owner id (a `gr.State`) and the button that opens it on the Clusters
    tab (wired by the app, which holds both tabs)."""

    owner_id: Any
    button: Any


def wallets_tab(client: ApiClient, blocks: gr.Blocks) -> OpenOwner:  # noqa: PLR0915 - one layout
    with gr.Tab("Wallets", id="wallets") as tab:
        gr.Markdown(
            "A token's early buyers and best traders become candidate wallets; each is then "
            "profiled (PnL, win rate, copy replay after our latency and costs, bot flags) and "
            "ranked by score. By default the list shows the wallets the product would follow: "
            "qualified (enough trades, a closed round trip, a buy we could copy, no bot flag), "
            "best score first; set Qualified and Bot flags to *any* to see every wallet (those "
            "still first). The *edge in score* column is what the score reads: the typical "
            "copied buy, each gain capped; the *pooled edge* counts every copied buy uncapped."
        )
        with gr.Row():
            token = gr.Dropdown(
                choices=[(ALL_TOKENS_LABEL, ALL_TOKENS)],
                value=ALL_TOKENS,
                label="Token (passing, active)",
                elem_id="wallets-token",
                scale=3,
            )
            run = gr.Button(RUN_LABEL, variant="primary", elem_id="wallets-run", scale=0)
        progress = gr.Markdown(
            "No wallet discovery started from this page yet.", elem_id="wallets-progress"
        )
        watch = gr.State(None)  # {"run_id", "mint"} while a run or its profiles are pending
        with gr.Row():
            scope = gr.Dropdown(
                list(SCOPES), value="selected token", label="Wallets of", elem_id="wallets-scope"
            )
            flags = gr.Dropdown(
                list(FLAG_FILTERS),
                value=DEFAULT_FLAGS,
                label="Bot flags",
                elem_id="wallets-filter-flags",
            )
            status = gr.Dropdown(
                STATUSES, value=ANY, label="Status", elem_id="wallets-filter-status"
            )
            qualified = gr.Dropdown(
                list(QUALIFIED),
                value=DEFAULT_QUALIFIED,
                label="Qualified",
                elem_id="wallets-filter-qualified",
            )
            sort = gr.Dropdown(
                list(SORTS), value=DEFAULT_SORT, label="Sort", elem_id="wallets-sort"
            )
        count = gr.Markdown(elem_id="wallets-count")
        table = gr.Dataframe(
            headers=WALLET_HEADERS, interactive=False, elem_id="wallets-table", wrap=True
        )
        addresses = gr.State({})  # short → full address of the rows shown
        gr.Markdown("### Wallet detail (click a row, or paste an address)")
        with gr.Row():
            address = gr.Textbox(label="Wallet address", elem_id="wallet-detail-address", scale=3)
            show = gr.Button("Show", elem_id="wallet-detail-show", scale=0)
        partial = gr.Markdown(elem_id="wallet-partial")
        with gr.Row():
            owner = gr.Markdown(elem_id="wallet-owner")
            open_owner = gr.Button(
                "Open owner in Clusters", elem_id="wallet-open-owner", scale=0, visible=False
            )
        owner_id = gr.State(None)
        detail = gr.Markdown(elem_id="wallet-detail")
        bot_flags = gr.Markdown(elem_id="wallet-flags")
        pnl_plot = gr.LinePlot(
            x="time",
            y="cumulative_pnl_sol",
            title="Cumulative realised PnL (SOL)",
            elem_id="wallet-pnl-chart",
        )
        trades = gr.Dataframe(
            headers=TRADE_HEADERS, interactive=False, label="Trades", elem_id="wallet-trades"
        )

        def load_tokens(current: str | None) -> Any:
            # Fetched when the page opens or the tab is shown: tokens are added all the time.
            result = client.tokens(
                filters="passed", status="active", sort="first_seen_at", order="desc", limit=500
            )
            if not result.ok:
                return gr.Dropdown(choices=[(ALL_TOKENS_LABEL, ALL_TOKENS)], value=ALL_TOKENS)
            choices = token_choices(result.body)
            values = [value for _, value in choices]
            value = current if current in values else values[0]
            return gr.Dropdown(choices=choices, value=value)

        def _token_param(mint: str | None, sc: str) -> str | None:
            if SCOPES.get(sc) == "all" or not mint or mint == ALL_TOKENS:
                return None
            return mint

        def load_wallets(*controls: Any) -> tuple[str, list[list[Any]], dict[str, str]]:
            mint, sc, fl, st, qu, so = controls  # the `filters` components, in order
            field, order = SORTS.get(so, SORTS[DEFAULT_SORT])
            result = client.wallets(
                token=_token_param(mint, sc),
                flags=FLAG_FILTERS.get(fl, ANY),
                status=st or ANY,
                qualified=QUALIFIED.get(qu, ANY),
                sort=field,
                order=order,
                limit=TABLE_LIMIT,
                offset=0,
            )
            if not result.ok:
                return (
                    f"**Could not list wallets ({result.status})**: {error_text(result.body)}",
                    [],
                    {},
                )
            body = result.body
            return count_text(body), wallet_rows(body), address_index(body)

        def pending_of(mint: str | None) -> int | None:
            result = client.wallets(token=mint, limit=1)
            return int(result.body.get("pending", 0)) if result.ok else None

        filters = [token, scope, flags, status, qualified, sort]
        listing = [count, table, addresses]
        for control in filters:
            control.change(load_wallets, inputs=filters, outputs=listing)
        blocks.load(load_tokens, inputs=[token], outputs=[token]).then(
            load_wallets, inputs=filters, outputs=listing
        )
        tab.select(load_tokens, inputs=[token], outputs=[token])

        def start_run(mint: str | None) -> tuple[str, dict[str, Any] | None, Any]:
            chosen = None if not mint or mint == ALL_TOKENS else mint
            result = client.start_wallet_discovery(chosen)
            if not result.ok:
                return (
                    f"**Discovery not started ({result.status})**: {error_text(result.body)}",
                    None,
                    gr.skip(),
                )
            tokens = result.body.get("tokens")
            what = f"{tokens} token{'s' if tokens != 1 else ''}" if tokens is not None else "tokens"
            busy = gr.Button(**button_state(running=True))
            run_id = str(result.body["run_id"])
            if not result.body.get("started", True):
                text = (
                    f"A discovery of {what} is **already running**: following it (one at a"
                    " time; nothing was queued for this request)…"
                )
                return text, {"run_id": run_id, "mint": None}, busy
            return f"Discovery **queued** for {what}…", {"run_id": run_id, "mint": chosen}, busy

        def poll(current: dict[str, Any] | None, *current_filters: Any) -> tuple[Any, ...]:
            """Every tick: the Discover button follows whether a manual discovery runs
            (wherever it was started); the progress line follows it, then its profiles."""
            running = client.running_run(JOB)
            if running.ok and isinstance(running.body, list):
                active = running.body[0] if running.body else None
                button = gr.Button(**button_state(running=active is not None))
                if active is not None and (not current or current["run_id"] != active["id"]):
                    current = {"run_id": str(active["id"]), "mint": None}
            else:
                button = gr.skip()  # the API cannot say: leave the button as it is
            if not current:
                return gr.skip(), current, button, gr.skip(), gr.skip(), gr.skip()
            result = client.run(current["run_id"])
            if not result.ok:
                text = f"**Run unknown ({result.status})**"
                return text, None, button, gr.skip(), gr.skip(), gr.skip()
            pending = pending_of(current["mint"])
            text = discovery_progress(result.body, pending)
            listed, rows, index = load_wallets(*current_filters)
            keep = current if still_watching(result.body, pending) else None
            return text, keep, button, listed, rows, index

        run.click(start_run, inputs=[token], outputs=[progress, watch, run])
        gr.Timer(1.5).tick(poll, inputs=[watch, *filters], outputs=[progress, watch, run, *listing])

        def show_detail(addr: str) -> tuple[Any, ...]:
            empty = pnl_frame([])
            nobody = ("", None, gr.Button(visible=False))
            if not addr.strip():
                return "", *nobody, "", "", empty, []
            result = client.wallet(addr.strip())
            if not result.ok:
                text = f"**Wallet not shown ({result.status})**: {error_text(result.body)}"
                return "", *nobody, text, "", empty, []
            body = result.body
            ref = body.get("owner") or {}
            return (
                partial_markdown(body),
                owner_markdown(body),
                ref.get("owner_id"),
                gr.Button(visible=bool(ref)),
                profile_markdown(body),
                flags_markdown(body),
                pnl_frame(body.get("pnl_curve") or []),
                trade_rows(body.get("trades") or []),
            )

        detail_outputs = [partial, owner, owner_id, open_owner, detail, bot_flags, pnl_plot, trades]
        show.click(show_detail, inputs=[address], outputs=detail_outputs)
        address.submit(show_detail, inputs=[address], outputs=detail_outputs)

        def pick_row(evt: gr.SelectData, index: dict[str, str]) -> str:
            row = evt.row_value or []
            shown = str(row[1]) if len(row) > 1 else ""
            return index.get(shown, shown)

        table.select(pick_row, inputs=[addresses], outputs=[address]).then(
            show_detail, inputs=[address], outputs=detail_outputs
        )
    return OpenOwner(owner_id=owner_id, button=open_owner)
