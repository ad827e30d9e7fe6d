"""Watchlist tab (step 5): the wallets WallTrack follows and why each is on or off the list,
pin and ban with a reason, the Helius webhooks holding the followed addresses with the last
sync, and "Sync now" with its progress.

The formatting helpers are pure functions of the API's JSON, unit-tested without a browser; the
layout at the end only wires them to Gradio components. The progress timer ticks only while
this tab is shown (`walltrack`'s `ui.app` switches it with the tab).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import gradio as gr
import pandas as pd

from ui.api_client import ApiClient
from ui.settings_form import format_errors

JOB = "watchlist_sync"
SYNC_LABEL = "Sync now"
SYNCING_LABEL = "Sync running…"
PAGE_SIZE = 50
FILTERS = {"all wallets": "all", "followed": "true", "not followed": "false"}
DEFAULT_FILTER = "all wallets"
HEADERS = ["#", "address", "owner", "score", "confidence", "followed", "why", "pin / ban"]
SHARD_HEADERS = ["webhook", "addresses", "synced at", "state", "error"]
STAGES = {
    "queued": "queued",
    "rebuilding": "rebuilding the list",
    "listing webhooks": "reading Helius's webhooks",
    "writing": "writing webhooks",
}


def _figure(value: Any) -> str:
    return "—" if value is None else f"{float(value):+.3f}"


def _share(value: Any) -> str:
    return "—" if value is None else f"{float(value):.2f}"


def override_text(entry: Mapping[str, Any]) -> str:
    """`banned by X` / `pinned by X`, with the reason; empty without one."""
    override = entry.get("override") or {}
    if entry.get("banned") or entry.get("pinned"):
        kind = "banned" if entry.get("banned") else "pinned"
        who = override.get("by") or "?"
        return f"{kind} by {who}: {override.get('reason', '')}".strip()
    return ""


def entry_rows(entries: Iterable[Mapping[str, Any]], *, offset: int = 0) -> list[list[Any]]:
    return [
        [
            offset + i + 1,
            e["address"],
            e.get("owner_id") or "—",
            _figure(e.get("score")),
            _share(e.get("confidence")),
            "yes" if e.get("listed") else "no",
            e.get("reason", ""),
            override_text(e),
        ]
        for i, e in enumerate(entries)
    ]


def count_text(body: Mapping[str, Any], page: int) -> str:
    total = int(body.get("total", 0))
    if not total:
        return "No wallet judged yet: profile wallets (Wallets tab), then **Sync now**."
    pages = max(1, -(-total // PAGE_SIZE))
    return (
        f"**{body.get('listed', 0)}** wallets followed · {total} shown by this filter · page"
        f" {page} of {pages} · watchlist version {body.get('version', 0)}"
    )


def webhooks_markdown(body: Mapping[str, Any] | None) -> str:
    """The last sync in one line: when, its state, what it wrote, and its error if any."""
    if not body:
        return "Webhooks: unknown (the API did not answer)."
    last = body.get("last_sync")
    if not last:
        return "**Never synced**: Helius watches nothing yet."
    wrote = (
        f"{last.get('created', 0)} created, {last.get('replaced', 0)} replaced,"
        f" {last.get('deleted', 0)} deleted, {last.get('kept', 0)} unchanged"
    )
    line = (
        f"Last sync **{last.get('state')}** at {last.get('at')} (version"
        f" {last.get('version')}, {last.get('listed')} wallets followed): {wrote}"
    )
    if last.get("error"):
        line += f"\n\n**Error:** {last['error']}"
    return line


def shard_rows(body: Mapping[str, Any] | None) -> list[list[Any]]:
    return [
        [s["webhook_id"], s["addresses"], s["synced_at"], s["state"], s.get("error") or ""]
        for s in (body or {}).get("shards") or []
    ]


def run_progress(run: Mapping[str, Any]) -> str:
    """A sync run's state from its `schedule_runs` row."""
    counts = run.get("counts") or {}
    status = run.get("status", "?")
    if status == "running":
        stage = STAGES.get(str(counts.get("stage")), "starting")
        writes = counts.get("writes")
        figure = f": {counts.get('writes_done', 0)}/{writes} webhook writes" if writes else ""
        return f"Sync **running**, {stage}{figure}"
    if status == "failed":
        return f"Sync **failed**: {run.get('error') or 'no reason recorded'}"
    figures = ", ".join(
        f"{counts.get(k, 0)} {k}" for k in ("created", "replaced", "deleted", "kept")
    )
    return f"Sync **{status}**: {counts.get('listed', 0)} wallets followed; webhooks {figures}"


def button_state(running: bool) -> dict[str, Any]:
    return {"value": SYNCING_LABEL if running else SYNC_LABEL, "interactive": not running}


def error_text(body: Any) -> str:
    return format_errors(body, default_loc="request")


def override_outcome(kind: str, lift: bool, status: int, body: Any) -> str:
    if not 200 <= status < 300:
        verb = f"un{kind}" if lift else kind
        return f"**Could not {verb} ({status})**: {error_text(body)}"
    return (
        f"`{body['address']}` is now **{'followed' if body.get('listed') else 'not followed'}**:"
        f" {body.get('reason', '')} (Helius follows at the next sync)"
    )


# ---- the Watchlist tab: layout -------------------------------------------------------------


def watchlist_tab(client: ApiClient, blocks: gr.Blocks) -> list[gr.Timer]:  # noqa: PLR0915
    """The tab; returns its timers (ticking only while the tab is shown)."""
    with gr.Tab("Watchlist", id="watchlist"):
        gr.Markdown(
            "The wallets WallTrack follows: copyable, unflagged, above the score and confidence"
            " thresholds, at most a few per owner (Settings → Watchlist), plus your pins; a ban"
            " beats everything, a pin included. Helius delivers the followed wallets' swaps"
            " through webhooks kept in step by each sync."
        )
        with gr.Row():
            sync = gr.Button(SYNC_LABEL, variant="primary", elem_id="watchlist-sync", scale=0)
            progress = gr.Markdown(
                "No sync started from this page yet.", elem_id="watchlist-progress"
            )
        run_id = gr.State(None)
        webhooks = gr.Markdown(elem_id="watchlist-webhooks")
        shards = gr.Dataframe(
            value=pd.DataFrame(columns=SHARD_HEADERS),
            label="Helius webhooks (shards)",
            interactive=False,
            elem_id="watchlist-shards",
        )
        with gr.Row():
            listed = gr.Dropdown(
                list(FILTERS), value=DEFAULT_FILTER, label="Show", elem_id="watchlist-filter"
            )
            page = gr.Number(
                value=1, precision=0, minimum=1, label="Page", elem_id="watchlist-page"
            )
            previous = gr.Button("◀ Previous", elem_id="watchlist-previous", scale=0)
            following = gr.Button("Next ▶", elem_id="watchlist-next", scale=0)
        count = gr.Markdown(elem_id="watchlist-count")
        table = gr.Dataframe(
            value=pd.DataFrame(columns=HEADERS),
            interactive=False,
            elem_id="watchlist-table",
            wrap=True,
        )
        gr.Markdown("### Pin or ban (click a row, or paste an address)")
        with gr.Row():
            address = gr.Textbox(label="Wallet address", elem_id="watchlist-address", scale=3)
            reason = gr.Textbox(label="Reason (required)", elem_id="watchlist-reason", scale=3)
        with gr.Row():
            pin = gr.Button("Pin (always follow)", elem_id="watchlist-pin", scale=0)
            ban = gr.Button("Ban (never follow)", elem_id="watchlist-ban", scale=0)
            unpin = gr.Button("Unpin", elem_id="watchlist-unpin", scale=0)
            unban = gr.Button("Unban", elem_id="watchlist-unban", scale=0)
        outcome = gr.Markdown(elem_id="watchlist-outcome")

        def load(flt: str, pg: Any) -> tuple[str, pd.DataFrame, int, str, pd.DataFrame]:
            wanted = max(1, int(pg or 1))
            result = client.watchlist(
                listed=FILTERS.get(flt, "all"), limit=PAGE_SIZE, offset=(wanted - 1) * PAGE_SIZE
            )
            hooks = client.watchlist_webhooks()
            hooks_body = hooks.body if hooks.ok and isinstance(hooks.body, dict) else None
            hook_parts = (
                webhooks_markdown(hooks_body),
                pd.DataFrame(shard_rows(hooks_body), columns=SHARD_HEADERS),
            )
            if not result.ok or not isinstance(result.body, dict):
                text = (
                    f"**Could not list the watchlist ({result.status})**: {error_text(result.body)}"
                )
                return text, pd.DataFrame(columns=HEADERS), wanted, *hook_parts
            body = result.body
            total = int(body.get("total", 0))
            last = max(1, -(-total // PAGE_SIZE))
            if wanted > last and total:
                return load(flt, last)
            rows = entry_rows(body.get("items") or [], offset=(wanted - 1) * PAGE_SIZE)
            frame = pd.DataFrame(rows, columns=HEADERS)
            return count_text(body, wanted), frame, wanted, *hook_parts

        listing = [count, table, page, webhooks, shards]
        listed.change(lambda flt: load(flt, 1), inputs=[listed], outputs=listing)
        page.submit(load, inputs=[listed, page], outputs=listing)
        previous.click(
            lambda flt, pg: load(flt, max(1, int(pg or 1) - 1)),
            inputs=[listed, page],
            outputs=listing,
        )
        following.click(
            lambda flt, pg: load(flt, int(pg or 1) + 1), inputs=[listed, page], outputs=listing
        )
        blocks.load(load, inputs=[listed, page], outputs=listing)

        def start_sync() -> tuple[str, str | None, Any, Any]:
            result = client.start_watchlist_sync()
            if not result.ok:
                return (
                    f"**Sync not started ({result.status})**: {error_text(result.body)}",
                    None,
                    gr.skip(),
                    gr.skip(),
                )
            text = (
                "Sync **queued**…"
                if result.body.get("started", True)
                else "A sync is **already running**: following it (one at a time)…"
            )
            # the timer follows the run from here (also when the tab's select event was missed)
            busy = gr.Button(**button_state(running=True))
            return text, str(result.body["run_id"]), busy, gr.Timer(active=True)

        def poll(current: str | None, flt: str, pg: Any) -> tuple[Any, ...]:
            """Every tick while the tab is shown: the button follows whether a sync runs and the
            progress line follows it; when it ends, the list and the webhooks are reloaded."""
            unchanged = (gr.skip(),) * len(listing)
            if not current:
                running = client.running_run(JOB)
                active = running.body[0] if running.ok and running.body else None
                if not isinstance(active, dict):
                    return (gr.skip(), None, gr.Button(**button_state(running=False)), *unchanged)
                current = str(active["id"])
            result = client.run(current)
            if not result.ok or not isinstance(result.body, dict):
                idle = gr.Button(**button_state(running=False))
                return (f"**Run unknown ({result.status})**", None, idle, *unchanged)
            text = run_progress(result.body)
            if result.body.get("status") == "running":
                busy = gr.Button(**button_state(running=True))
                return (text, current, busy, *unchanged)
            idle = gr.Button(**button_state(running=False))
            return (text, None, idle, *load(flt, pg))  # ended: stop following, reload

        timer = gr.Timer(2, active=False)
        sync.click(start_sync, outputs=[progress, run_id, sync, timer])
        timer.tick(poll, inputs=[run_id, listed, page], outputs=[progress, run_id, sync, *listing])

        def act(kind: str, lift: bool) -> Any:
            def handler(addr: str, why: str, flt: str, pg: Any) -> tuple[Any, ...]:
                wanted = (addr or "").strip()
                if not wanted:
                    return ("**Paste or pick a wallet address first.**", *load(flt, pg))
                result = client.watchlist_override(
                    wanted, kind, reason=(why or "").strip(), lift=lift
                )
                return (override_outcome(kind, lift, result.status, result.body), *load(flt, pg))

            return handler

        inputs = [address, reason, listed, page]
        outputs = [outcome, *listing]
        pin.click(act("pin", False), inputs=inputs, outputs=outputs)
        ban.click(act("ban", False), inputs=inputs, outputs=outputs)
        unpin.click(act("pin", True), inputs=inputs, outputs=outputs)
        unban.click(act("ban", True), inputs=inputs, outputs=outputs)

        def pick_row(evt: gr.SelectData) -> str:
            row = evt.row_value or []
            return str(row[1]) if len(row) > 1 else ""

        table.select(pick_row, outputs=[address])
    return [timer]
