"""Clusters tab (step 4): run a clustering with progress, the owners table (sorted, paged),
and for a selected owner a graph picture of its wallets and the evidence between them, with its
members and its history of splits and merges.

The formatting helpers and the figure are pure functions of the API's JSON, unit-tested without
a browser; the layout at the end only wires them to Gradio components.

The graph picture (`owner_figure`, from `GET /clusters/{owner_id}`'s body): nodes are the
owner's wallets, sized by score and coloured by what the product thinks of them (bot-flagged,
qualified, neither); wallets an edge reaches that are not members (a hop wallet, an unprofiled
funder) are drawn small and grey. Edges are one
trace per kind, each in its own colour with a legend entry; plotly shows hover text only on
points, so each edge also has an invisible point at its middle that carries its evidence.

Positions come from igraph's Kamada-Kawai layout (igraph is already a runtime dependency for
the grouping), started from a circle so the same owner is drawn the same way every time.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import gradio as gr
import igraph
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped]

from ui.api_client import ApiClient
from ui.settings_form import format_errors

EDGE_COLOURS = {
    "FUNDED_BY": "#1f77b4",
    "FEE_PAID_BY": "#ff7f0e",
    "TRANSFERRED": "#2ca02c",
    "CO_ENTERED": "#9467bd",
}
"""One colour per evidence kind (plotly's default palette, told apart by colour-blind readers
by their legend order and hover text too)."""
EDGE_LABELS = {
    "FUNDED_BY": "funded by",
    "FEE_PAID_BY": "fee paid by",
    "TRANSFERRED": "transferred to",
    "CO_ENTERED": "co-entered with",
}
NODE_GROUPS = {
    "bot": ("bot-flagged", "#d62728"),
    "qualified": ("qualified", "#2ca02c"),
    "member": ("not qualified", "#7f7f7f"),
    "linking": ("linking wallet (funder, fee payer; not profiled)", "#bcbd22"),
}
OUTSIDE = ("outside the owner (hop wallet, funder)", "#c7c7c7")
WALLETS_META = "wallets"
"""`meta` of the node traces: how a browser test tells wallet points from the edges' hover
points in the rendered figure."""
MIN_NODE, MAX_NODE, OUTSIDE_NODE = 12.0, 36.0, 8.0


def short(address: str, *, keep: int = 4) -> str:
    return address if len(address) <= 2 * keep + 1 else f"{address[:keep]}…{address[-keep:]}"


def node_group(member: Mapping[str, Any]) -> str:
    """bot (any bot flag) before qualified (a flagged wallet is never followed); a wallet that
    only links the others (a funder, a fee payer) was never profiled."""
    if member.get("bot_flags") or member.get("is_bot"):
        return "bot"
    if member.get("qualified"):
        return "qualified"
    return "member" if member.get("profiled", True) else "linking"


def node_size(score: float | None) -> float:
    """A score in [-1, 1] as a marker diameter; no score yet is the smallest member size."""
    if score is None:
        return MIN_NODE
    clamped = max(-1.0, min(1.0, float(score)))
    return MIN_NODE + (MAX_NODE - MIN_NODE) * (clamped + 1) / 2


def _amount(proof: Mapping[str, Any]) -> str:
    lamports = proof.get("lamports")
    if lamports is not None:
        return f"{Decimal(int(lamports)) / Decimal(1_000_000_000):f} SOL"
    if proof.get("amount") is not None:
        try:
            amount = f"{Decimal(str(proof['amount'])):f}"
        except InvalidOperation:
            amount = str(proof["amount"])
        return f"{amount} of {short(str(proof.get('mint') or '?'))}"
    if proof.get("mint"):
        return f"token {short(str(proof['mint']))}"
    return ""


def edge_hover(edge: Mapping[str, Any]) -> str:
    """What an edge's hover says: kind, ends, count, weight, then its first proof."""
    kind = str(edge.get("kind", "?"))
    lines = [
        f"<b>{html.escape(kind)}</b>: {short(str(edge['source']))} "
        f"{EDGE_LABELS.get(kind, '→')} {short(str(edge['target']))}",
        f"count {edge.get('count', 0)} · weight {float(edge.get('weight') or 0):.3g}",
    ]
    proofs = edge.get("proofs") or []
    if proofs:
        proof = proofs[0]
        lines.append(f"proof: {html.escape(short(str(proof.get('signature', '')), keep=8))}")
        detail = [
            part
            for part in (_amount(proof), str(proof.get("time") or proof.get("timestamp") or ""))
            if part
        ]
        if detail:
            lines.append(html.escape(" · ".join(detail)))
        if len(proofs) > 1 or int(edge.get("count") or 0) > 1:
            lines.append(f"(+{max(int(edge.get('count') or 0), len(proofs)) - 1} more)")
    return "<br>".join(lines)


def node_hover(member: Mapping[str, Any]) -> str:
    score = member.get("score")
    flags = ", ".join(str(f) for f in member.get("bot_flags") or []) or "none"
    pnl = member.get("realised_pnl_sol")
    lines = [
        f"<b>{html.escape(str(member['address']))}</b>",
        f"role {html.escape(str(member.get('role') or 'member'))}",
        "score —" if score is None else f"score {float(score):+.3f}",
        f"qualified {'yes' if member.get('qualified') else 'no'} · bot flags {flags}",
    ]
    if pnl is not None:
        lines.append(f"realised PnL {Decimal(str(pnl)):+.4f} SOL")
    return "<br>".join(lines)


def layout(
    addresses: Sequence[str], edges: Iterable[Mapping[str, Any]]
) -> dict[str, tuple[float, float]]:
    """address → (x, y): Kamada-Kawai on the undirected evidence graph, seeded by a circle."""
    index = {a: i for i, a in enumerate(addresses)}
    pairs = {
        tuple(sorted((index[e["source"]], index[e["target"]])))
        for e in edges
        if e["source"] in index and e["target"] in index and e["source"] != e["target"]
    }
    graph = igraph.Graph(n=len(addresses), edges=sorted(pairs))
    if len(addresses) < 2:
        return dict.fromkeys(addresses, (0.0, 0.0))
    coords = graph.layout_kamada_kawai(seed=graph.layout_circle().coords).coords
    return {a: (float(coords[i][0]), float(coords[i][1])) for a, i in index.items()}


def owner_figure(detail: Mapping[str, Any]) -> go.Figure:
    """The graph picture of one owner (`GET /clusters/{owner_id}`'s body)."""
    members = list(detail.get("members") or [])
    edges = [e for e in detail.get("edges") or [] if e.get("source") and e.get("target")]
    member_of = {m["address"]: m for m in members}
    outside = sorted({a for e in edges for a in (e["source"], e["target"]) if a not in member_of})
    positions = layout([*member_of, *outside], edges)
    figure = go.Figure()
    for kind, colour in EDGE_COLOURS.items():
        of_kind = [e for e in edges if e.get("kind") == kind]
        if not of_kind:
            continue
        xs: list[float | None] = []
        ys: list[float | None] = []
        mid_x, mid_y, hover = [], [], []
        for edge in of_kind:
            (x0, y0), (x1, y1) = positions[edge["source"]], positions[edge["target"]]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
            mid_x.append((x0 + x1) / 2)
            mid_y.append((y0 + y1) / 2)
            hover.append(edge_hover(edge))
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": colour, "width": 2},
                name=f"{kind} ({len(of_kind)})",
                legendgroup=kind,
                hoverinfo="skip",
                meta=f"edges:{kind}",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=mid_x,
                y=mid_y,
                mode="markers",
                marker={"color": colour, "size": 10, "opacity": 0.01},
                hovertext=hover,
                hoverinfo="text",
                legendgroup=kind,
                showlegend=False,
                meta=f"evidence:{kind}",
            )
        )
    for group, (label, colour) in NODE_GROUPS.items():
        shown = [m for m in members if node_group(m) == group]
        if not shown:
            continue
        figure.add_trace(
            go.Scatter(
                x=[positions[m["address"]][0] for m in shown],
                y=[positions[m["address"]][1] for m in shown],
                mode="markers+text",
                text=[short(m["address"]) for m in shown],
                textposition="top center",
                marker={
                    "color": colour,
                    "size": [node_size(m.get("score")) for m in shown],
                    "line": {"color": "#333333", "width": 1},
                },
                hovertext=[node_hover(m) for m in shown],
                hoverinfo="text",
                name=f"{label} ({len(shown)})",
                meta=WALLETS_META,
            )
        )
    if outside:
        label, colour = OUTSIDE
        figure.add_trace(
            go.Scatter(
                x=[positions[a][0] for a in outside],
                y=[positions[a][1] for a in outside],
                mode="markers",
                marker={"color": colour, "size": OUTSIDE_NODE},
                hovertext=[f"{html.escape(a)}<br>not a member" for a in outside],
                hoverinfo="text",
                name=f"{label} ({len(outside)})",
                meta="outside",
            )
        )
    hidden = {"showgrid": False, "zeroline": False, "showticklabels": False, "visible": False}
    figure.update_layout(
        xaxis=hidden,
        yaxis={**hidden, "scaleanchor": "x"},
        hovermode="closest",
        legend={"title": {"text": "wallets (size = score) and evidence"}},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=520,
        plot_bgcolor="white",
    )
    return figure


# ---- the Clusters tab: formatting (pure) ---------------------------------------------------

JOB = "clustering"
RUN_LABEL = "Run clustering"
RUNNING_LABEL = "Clustering running…"
PAGE_SIZE = 50
OWNER_HEADERS = [
    "#",
    "owner",
    "wallets",
    "linked",
    "combined realised PnL (SOL)",
    "combined copy edge",
    "median copy edge",
    "best score",
    "shared tokens",
    "evidence",
    "updated",
]
MEMBER_HEADERS = [
    "wallet",
    "role",
    "score",
    "qualified",
    "bot flags",
    "realised PnL (SOL)",
    "copy edge",
]
HISTORY_HEADERS = ["time", "change", "from", "to", "run"]
SORTS = {
    "size (largest first)": ("size", "desc"),
    "size (smallest first)": ("size", "asc"),
    "combined realised PnL": ("combined_pnl", "desc"),
    "combined realised PnL (lowest first)": ("combined_pnl", "asc"),
    "best score": ("score", "desc"),
    "best score (lowest first)": ("score", "asc"),
}
DEFAULT_SORT = "size (largest first)"
EMPTY = (
    "No clustering run yet — press **Run clustering** to group the profiled wallets into owners."
)
STAGES = {"collecting": "collecting evidence", "grouping": "grouping", "done": "writing"}
CHANGES = {"new": "new", "split": "split", "merge": "merged", "dissolved": "dissolved"}
EVIDENCE_SHORT = {
    "FUNDED_BY": "funded",
    "FEE_PAID_BY": "fee",
    "TRANSFERRED": "transfer",
    "CO_ENTERED": "co-entry",
}


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def sol(value: Any) -> str:
    amount = _decimal(value)
    return "" if amount is None else f"{amount:+,.4f}"


def edge_percent(value: Any) -> str:
    ratio = _decimal(value)
    return "" if ratio is None else f"{ratio * 100:+.1f} %"


def score_text(value: Any) -> str:
    return "" if value is None else f"{float(value):+.3f}"


def evidence_text(evidence: Mapping[str, Any] | None) -> str:
    """`funded 3, co-entry 12`: the owner's edges counted by kind, in a fixed order."""
    counts = evidence or {}
    return ", ".join(
        f"{EVIDENCE_SHORT[kind]} {counts[kind]}" for kind in EDGE_COLOURS if counts.get(kind)
    )


def owner_rows(body: Mapping[str, Any]) -> list[list[Any]]:
    """One table row per owner, in the order the API sorted them."""
    rows = []
    for rank, owner in enumerate(body.get("items", []), start=int(body.get("offset", 0)) + 1):
        rows.append(
            [
                rank,
                owner["owner_id"],
                owner["size"],
                owner.get("linked_wallets", 0),
                sol(owner.get("combined_realised_pnl_sol")),
                edge_percent(owner.get("combined_copy_edge")),
                edge_percent(owner.get("median_copy_edge")),
                score_text(owner.get("best_score")),
                owner.get("shared_tokens", 0),
                evidence_text(owner.get("evidence")),
                owner.get("updated_at", ""),
            ]
        )
    return rows


def page_count(total: int, page_size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // page_size))


def count_text(body: Mapping[str, Any], page: int) -> str:
    """`**12 owners** · page 1 of 1`, or the empty state when no run has grouped any."""
    total = int(body.get("total", 0))
    if total == 0:
        return EMPTY
    pages = page_count(total, int(body.get("limit") or PAGE_SIZE))
    return f"**{total} owners** · page {page} of {pages}"


def clamp_page(page: Any, total: int, page_size: int = PAGE_SIZE) -> int:
    try:
        wanted = int(page)
    except (TypeError, ValueError):
        wanted = 1
    return max(1, min(wanted, page_count(total, page_size)))


def run_progress(run: Mapping[str, Any]) -> str:
    """A clustering run's state from its `schedule_runs` row: stage and wallets done while it
    runs, what it grouped when it finished, the reason when it failed."""
    counts = run.get("counts") or {}
    status = run.get("status", "?")
    if status == "running":
        stage = STAGES.get(str(counts.get("stage")), "collecting evidence")
        done, total = counts.get("wallets_done") or 0, counts.get("wallets")
        figure = f": {done}/{total} wallets" if total else ""
        errors = counts.get("wallet_errors")
        tail = f" ({errors} could not be read)" if errors else ""
        return f"Clustering **running**, {stage}{figure}{tail}"
    if status == "failed":
        return f"Clustering **failed**: {run.get('error') or 'unknown error'}"
    if status == "skipped":
        return f"Clustering **skipped**: {run.get('error') or 'another run was running'}"
    owners, several = counts.get("owners", 0), counts.get("multi_wallet_owners", 0)
    changes = ", ".join(
        f"{counts[kind]} {word}" for kind, word in CHANGES.items() if counts.get(kind)
    )
    text = (
        f"Clustering **{status}**: {owners} owners ({several} of several wallets) from "
        f"{counts.get('wallets', 0)} wallets, {counts.get('edges', 0)} evidence edges"
    )
    return text + (f"; {changes}" if changes else "")


def button_state(running: bool) -> dict[str, Any]:
    return {"value": RUNNING_LABEL if running else RUN_LABEL, "interactive": not running}


def owner_markdown(detail: Mapping[str, Any]) -> str:
    """The owner's headline figures above its picture."""
    owner = detail["owner"]
    evidence = evidence_text(owner.get("evidence")) or "none (a wallet alone)"
    return "\n".join(
        [
            f"### Owner {owner['owner_id']}",
            "",
            f"**{owner['size']}** profiled wallets, {owner.get('linked_wallets', 0)} linking"
            f" wallets (funders, fee payers) · combined realised PnL"
            f" **{sol(owner.get('combined_realised_pnl_sol')) or '—'} SOL** · combined copy"
            f" edge {edge_percent(owner.get('combined_copy_edge')) or '—'} (median"
            f" {edge_percent(owner.get('median_copy_edge')) or '—'}) · best score"
            f" {score_text(owner.get('best_score')) or '—'} · {owner.get('shared_tokens', 0)}"
            " tokens shared",
            "",
            f"Evidence: {evidence} · first seen {owner.get('first_seen_at', '—')} · updated"
            f" {owner.get('updated_at', '—')} (run {owner.get('run_id', '—')})",
        ]
    )


def member_rows(members: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    rows = []
    for m in members:
        qualified = m.get("qualified")
        rows.append(
            [
                m["address"],
                m.get("role", "member"),
                score_text(m.get("score")),
                "" if qualified is None else ("yes" if qualified else "no"),
                ", ".join(m.get("bot_flags") or [])
                or ("clean" if m.get("is_bot") is False else ""),
                sol(m.get("realised_pnl_sol")),
                edge_percent(m.get("copy_edge")),
            ]
        )
    return rows


def history_rows(history: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    return [
        [
            h.get("time", ""),
            h.get("kind", ""),
            ", ".join(h.get("from_ids") or []) or "—",
            ", ".join(h.get("to_ids") or []) or "—",
            h.get("run_id", ""),
        ]
        for h in history
    ]


def error_text(body: Any) -> str:
    return format_errors(body, default_loc="request")


# ---- the Clusters tab: layout --------------------------------------------------------------


@dataclass(frozen=True)
class ClustersTab:
    """What another tab needs to open an owner here: the owner id box, and the function and
    outputs that show it."""

    owner_id: Any
    show: Callable[[str], tuple[Any, ...]]
    outputs: list[Any]


def clusters_tab(client: ApiClient, blocks: gr.Blocks) -> ClustersTab:  # noqa: PLR0915
    with gr.Tab("Clusters", id="clusters"):
        gr.Markdown(
            "Many wallets are one owner. Clustering links the profiled wallets by evidence —"
            " who funded them (up a chain of hop wallets), who paid their fees, transfers"
            " between them, and rare tokens bought within a few slots of each other — and"
            " groups them into owners (Leiden communities plus the rules it misses). Owner ids"
            " stay the same across runs; splits and merges are recorded."
        )
        with gr.Row():
            run = gr.Button(RUN_LABEL, variant="primary", elem_id="clusters-run", scale=0)
            progress = gr.Markdown(
                "No clustering started from this page yet.", elem_id="clusters-progress"
            )
        run_id = gr.State(None)
        with gr.Row():
            sort = gr.Dropdown(
                list(SORTS), value=DEFAULT_SORT, label="Sort", elem_id="clusters-sort"
            )
            page = gr.Number(value=1, precision=0, minimum=1, label="Page", elem_id="clusters-page")
            previous = gr.Button("◀ Previous", elem_id="clusters-previous", scale=0)
            following = gr.Button("Next ▶", elem_id="clusters-next", scale=0)
        count = gr.Markdown(EMPTY, elem_id="clusters-count")
        table = gr.Dataframe(
            value=pd.DataFrame(columns=OWNER_HEADERS),
            interactive=False,
            elem_id="clusters-table",
            wrap=True,
        )
        gr.Markdown("### Owner (click a row, or paste an owner id)")
        with gr.Row():
            owner_id = gr.Textbox(label="Owner id", elem_id="cluster-owner-id", scale=3)
            show = gr.Button("Show", elem_id="cluster-show", scale=0)
        summary = gr.Markdown(elem_id="cluster-summary")
        picture = gr.Plot(
            label="Wallets and evidence (hover for the proof)",
            elem_id="cluster-graph",
            visible=False,
        )
        members = gr.Dataframe(
            value=pd.DataFrame(columns=MEMBER_HEADERS),
            label="Members",
            interactive=False,
            elem_id="cluster-members",
            wrap=True,
        )
        history = gr.Dataframe(
            value=pd.DataFrame(columns=HISTORY_HEADERS),
            label="History (splits and merges across runs)",
            interactive=False,
            elem_id="cluster-history",
            wrap=True,
        )

        def load_owners(so: str, pg: Any) -> tuple[str, pd.DataFrame, int]:
            field, order = SORTS.get(so, SORTS[DEFAULT_SORT])
            wanted = clamp_page(pg, total=10**9)
            result = client.owners(
                sort=field, order=order, limit=PAGE_SIZE, offset=(wanted - 1) * PAGE_SIZE
            )
            if not result.ok:
                text = f"**Could not list owners ({result.status})**: {error_text(result.body)}"
                return text, pd.DataFrame(columns=OWNER_HEADERS), wanted
            body = result.body
            total = int(body.get("total", 0))
            if wanted > page_count(total) and total:  # past the end: show the last page
                return load_owners(so, page_count(total))
            frame = pd.DataFrame(owner_rows(body), columns=OWNER_HEADERS)
            return count_text(body, wanted), frame, wanted

        listing = [count, table, page]
        sort.change(lambda so: load_owners(so, 1), inputs=[sort], outputs=listing)
        page.submit(load_owners, inputs=[sort, page], outputs=listing)
        previous.click(
            lambda so, pg: load_owners(so, clamp_page(pg, 10**9) - 1 or 1),
            inputs=[sort, page],
            outputs=listing,
        )
        following.click(
            lambda so, pg: load_owners(so, clamp_page(pg, 10**9) + 1),
            inputs=[sort, page],
            outputs=listing,
        )
        blocks.load(load_owners, inputs=[sort, page], outputs=listing)

        def start_run() -> tuple[str, str | None, Any]:
            result = client.start_clustering()
            if not result.ok:
                text = f"**Clustering not started ({result.status})**: {error_text(result.body)}"
                return text, None, gr.skip()
            queued = (
                "Clustering **queued**…"
                if result.body.get("started", True)
                else "A clustering run is **already running**: following it (one at a time)…"
            )
            return queued, str(result.body["run_id"]), gr.Button(**button_state(running=True))

        def poll(current: str | None, so: str, pg: Any) -> tuple[Any, ...]:
            """Every tick: the Run button follows whether a clustering runs (wherever it was
            started) and the progress line follows it; when it ends, the list is reloaded."""
            running = client.running_run(JOB)
            if not running.ok or not isinstance(running.body, list):
                return gr.skip(), current, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            active = running.body[0] if running.body else None
            if isinstance(active, dict):
                busy = gr.Button(**button_state(running=True))
                return (
                    run_progress(active),
                    str(active["id"]),
                    busy,
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                )
            idle = gr.Button(**button_state(running=False))
            if not current:
                return gr.skip(), None, idle, gr.skip(), gr.skip(), gr.skip()
            result = client.run(current)
            if not result.ok:
                return (
                    f"**Run unknown ({result.status})**",
                    None,
                    idle,
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                )
            text = run_progress(result.body)
            if result.body.get("status") == "running":
                return text, current, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return (text, None, idle, *load_owners(so, pg))  # ended: stop following, reload

        run.click(start_run, outputs=[progress, run_id, run])
        timer = gr.Timer(2)
        timer.tick(poll, inputs=[run_id, sort, page], outputs=[progress, run_id, run, *listing])

        def show_owner(oid: str) -> tuple[Any, ...]:
            empty = (pd.DataFrame(columns=MEMBER_HEADERS), pd.DataFrame(columns=HISTORY_HEADERS))
            wanted = (oid or "").strip()
            if not wanted:
                return "", gr.Plot(visible=False), *empty
            result = client.owner(wanted)
            if not result.ok:
                text = f"**Owner not shown ({result.status})**: {error_text(result.body)}"
                return text, gr.Plot(visible=False), *empty
            body = result.body
            return (
                owner_markdown(body),
                gr.Plot(value=owner_figure(body), visible=True),
                pd.DataFrame(member_rows(body.get("members") or []), columns=MEMBER_HEADERS),
                pd.DataFrame(history_rows(body.get("history") or []), columns=HISTORY_HEADERS),
            )

        detail_outputs = [summary, picture, members, history]
        show.click(show_owner, inputs=[owner_id], outputs=detail_outputs)
        owner_id.submit(show_owner, inputs=[owner_id], outputs=detail_outputs)

        def pick_row(evt: gr.SelectData) -> str:
            row = evt.row_value or []
            return str(row[1]) if len(row) > 1 else ""

        table.select(pick_row, outputs=[owner_id]).then(
            show_owner, inputs=[owner_id], outputs=detail_outputs
        )
    return ClustersTab(owner_id=owner_id, show=show_owner, outputs=detail_outputs)
