"""The WallTrack dashboard (Gradio). It talks to the API over HTTP only.

Tabs: Status (the pipeline as it runs, component health, schedules and their runs), Discovery
(steps 1-2), Wallets (step 3), Clusters (step 4: owners and the evidence linking their wallets),
Watchlist (step 5: the wallets followed, pins and bans, the Helius webhooks)
and Settings (every step's settings, validated by the API). Each later seed step adds one tab here.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from ui import status
from ui.api_client import ApiClient
from ui.clusters import clusters_tab
from ui.discovery import discovery_tab
from ui.ledger import ledger_tab
from ui.orders import orders_tab
from ui.positions import positions_tab
from ui.settings import settings_tab
from ui.signals import signals_tab
from ui.wallets import wallets_tab
from ui.watchlist import watchlist_tab


def _health(client: ApiClient) -> tuple[str, pd.DataFrame]:
    result = client.health()
    body = result.body if isinstance(result.body, dict) else {}
    components = body.get("components")
    if not components:
        unreachable = f"**API unreachable**: {body.get('message', result.status)}"
        return unreachable, pd.DataFrame(columns=status.HEALTH_HEADERS)
    rows = [
        [name, c["status"], c["latency_ms"], c.get("error") or ""] for name, c in components.items()
    ]
    down = [name for name, c in components.items() if c["status"] != "up"]
    summary = "All components healthy" if not down else f"**Down:** {', '.join(down)}"
    return summary, pd.DataFrame(rows, columns=status.HEALTH_HEADERS)


def _page(result: Any) -> dict[str, Any] | None:
    return result.body if result.ok and isinstance(result.body, dict) else None


def _activity(client: ApiClient) -> tuple[str, str, pd.DataFrame, pd.DataFrame]:
    """Profiling, problems, schedules and runs; ages against the API's clock (`as_of`)."""
    everyone = _page(client.wallets(limit=1))
    profiled = _page(client.wallets(limit=1, status="profiled", sort="profiled_at"))
    failed = _page(client.wallets(limit=1, status="failed"))
    now = status.parse_time(everyone["as_of"]) if everyone else None
    runs = client.schedule_runs(limit=100)
    run_list = runs.body if runs.ok and isinstance(runs.body, list) else []
    schedules = client.schedules()
    schedule_list = schedules.body if schedules.ok and isinstance(schedules.body, list) else []
    return (
        status.profiling_markdown(everyone, profiled, failed, now),
        status.failures_markdown(run_list, now),
        # frames, not lists: a list would replace the column names with numbers
        pd.DataFrame(status.schedule_rows(schedule_list, now), columns=status.SCHEDULE_HEADERS),
        pd.DataFrame(status.run_rows(run_list, now), columns=status.RUN_HEADERS),
    )


PIPELINE_REFRESH_S = 3
"""The pipeline panel and health read two cheap routes, so they refresh more often than the
rest."""


def _pipeline(client: ApiClient) -> tuple[str, str]:
    result = client.pipeline()
    state = result.body if result.ok and isinstance(result.body, dict) else None
    problem = None if state else str((result.body or {}).get("message", result.status))
    return (
        status.pipeline_markdown(state, problem),
        status.pipeline_table(state),
    )


def _live(client: ApiClient) -> tuple[str, str, str, pd.DataFrame]:
    """The pipeline panel and the components' health (~35 ms and a few ms of API time)."""
    return (*_pipeline(client), *_health(client))


def _status_tab(client: ApiClient, blocks: gr.Blocks) -> list[gr.Timer]:
    with gr.Tab("Status", id="status"):
        # First: the pipeline as it runs (what the first start is doing and how long it takes)
        pipeline_summary = gr.Markdown(elem_id="pipeline-summary")
        pipeline = gr.Markdown(elem_id="pipeline-table")
        summary = gr.Markdown(elem_id="health-summary")
        profiling = gr.Markdown(elem_id="profiling-activity")
        problems = gr.Markdown(elem_id="status-problems")
        # Empty frames with their columns, not bare headers: Gradio draws a placeholder row
        # for a table without a value until the first load.
        health = gr.Dataframe(
            value=pd.DataFrame(columns=status.HEALTH_HEADERS),
            label="Components",
            interactive=False,
            elem_id="health-table",
            wrap=True,
        )
        schedules = gr.Dataframe(
            value=pd.DataFrame(columns=status.SCHEDULE_HEADERS),
            label="Schedules (times are the market's clock, UTC)",
            interactive=False,
            elem_id="schedules-table",
            wrap=True,
        )
        runs = gr.Dataframe(
            value=pd.DataFrame(columns=status.RUN_HEADERS),
            label="Scheduled and manual runs (newest first)",
            interactive=False,
            elem_id="runs-table",
            wrap=True,
            column_widths=status.RUN_COLUMN_WIDTHS,
        )
        refresh = gr.Button("Refresh", elem_id="status-refresh")

        # The pipeline and the health summary are one event (two fast reads), refreshed every
        # few seconds; they do not wait for the activity queries, refreshed less often.
        live_out = [pipeline_summary, pipeline, summary, health]
        activity_out = [profiling, problems, schedules, runs]
        for trigger in (refresh.click, blocks.load):
            trigger(lambda: _live(client), outputs=live_out, show_progress="hidden")
            trigger(lambda: _activity(client), outputs=activity_out, show_progress="hidden")
        fast = gr.Timer(PIPELINE_REFRESH_S)
        fast.tick(lambda: _live(client), outputs=live_out, show_progress="hidden")
        timer = gr.Timer(5)
        timer.tick(lambda: _activity(client), outputs=activity_out, show_progress="hidden")
    return [fast, timer]


def _tick_only_on(tab_label: str, timers: list[gr.Timer], tabs: gr.Tabs) -> None:
    """Timers tick while their tab is shown: on another tab their refreshes would only cost
    the server work (a dozen API calls every few seconds) that nobody sees."""

    def on_select(evt: gr.SelectData) -> Any:
        shown = evt.value == tab_label
        updates = [gr.Timer(active=shown) for _ in timers]
        # one output takes the returned value whole: a list would become that timer's value
        return updates[0] if len(updates) == 1 else updates

    tabs.select(on_select, outputs=timers, show_progress="hidden")


def build_ui(api_base_url: str, *, api_token: str | None = None) -> gr.Blocks:
    client = ApiClient(api_base_url, api_token=api_token)
    with gr.Blocks(title="WallTrack") as blocks:
        gr.Markdown(
            "# WallTrack\nFinds Solana wallets worth copying and copies them — "
            "**paper mode** (no real funds move)."
        )
        with gr.Tabs() as tabs:
            status_timers = _status_tab(client, blocks)
            discovery_tab(client, blocks)
            open_owner = wallets_tab(client, blocks)
            clusters = clusters_tab(client, blocks)
            watchlist_timers = watchlist_tab(client, blocks)
            signal_timers = signals_tab(client, blocks)
            position_timers = positions_tab(client, blocks)
            order_timers = orders_tab(client, blocks)  # after Positions once that tab exists
            ledger_timers = ledger_tab(client)  # P&L: after Orders once that tab exists
            settings_tab(client, blocks)
        _tick_only_on("Status", status_timers, tabs)
        _tick_only_on("Watchlist", watchlist_timers, tabs)
        _tick_only_on("Signals", signal_timers, tabs)
        _tick_only_on("Positions", position_timers, tabs)
        _tick_only_on("Orders", order_timers, tabs)
        _tick_only_on("P&L", ledger_timers, tabs)
        # The Wallets tab's "Open owner" shows the wallet's owner on the Clusters tab.
        open_owner.button.click(
            lambda owner: (gr.Tabs(selected="clusters"), owner),
            inputs=[open_owner.owner_id],
            outputs=[tabs, clusters.owner_id],
        ).then(clusters.show, inputs=[clusters.owner_id], outputs=clusters.outputs)
    return blocks
