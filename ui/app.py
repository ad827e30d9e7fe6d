"""The WallTrack dashboard (Gradio). It talks to the API over HTTP only.

Tabs: Status (component health, schedules and their runs), Discovery (steps 1-2), Wallets
(step 3) and Settings
(every step's settings, validated by the API). Each later seed step adds one tab here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import gradio as gr

from ui.api_client import ApiClient
from ui.discovery import discovery_tab
from ui.settings_form import form_fields, format_errors, to_display, to_payload
from ui.wallets import wallets_tab

HEALTH_HEADERS = ["component", "status", "latency (ms)", "error"]
RUN_HEADERS = ["job", "status", "started", "ended", "duration (s)", "counts", "error"]
SCHEDULE_HEADERS = ["job", "enabled", "every (min)", "last run", "next run"]


def _schedule_rows(client: ApiClient) -> list[list[Any]]:
    result = client.schedules()
    if not result.ok or not isinstance(result.body, list):
        return []
    return [
        [
            s["job"],
            "yes" if s["enabled"] else "no",
            s["interval_minutes"],
            s.get("last_started_at") or "never",
            s.get("next_run_at") or "—",
        ]
        for s in result.body
    ]


def _health_rows(client: ApiClient) -> tuple[list[list[Any]], str]:
    result = client.health()
    body = result.body if isinstance(result.body, dict) else {}
    components = body.get("components")
    if not components:
        return [], f"**API unreachable**: {body.get('message', result.status)}"
    rows = [
        [name, c["status"], c["latency_ms"], c.get("error") or ""] for name, c in components.items()
    ]
    down = [name for name, c in components.items() if c["status"] != "up"]
    summary = "All components healthy" if not down else f"**Down:** {', '.join(down)}"
    return rows, summary


def _run_rows(client: ApiClient) -> list[list[Any]]:
    result = client.schedule_runs(limit=100)
    if not result.ok or not isinstance(result.body, list):
        return []
    rows = []
    for run in result.body:
        duration = ""
        if run.get("ended_at"):
            start = datetime.fromisoformat(run["started_at"])
            end = datetime.fromisoformat(run["ended_at"])
            duration = f"{(end - start).total_seconds():.2f}"
        counts = ", ".join(f"{k}={v}" for k, v in (run.get("counts") or {}).items())
        rows.append(
            [
                run["job"],
                run["status"],
                run["started_at"],
                run.get("ended_at") or "",
                duration,
                counts,
                run.get("error") or "",
            ]
        )
    return rows


def _status_tab(client: ApiClient, blocks: gr.Blocks) -> None:
    with gr.Tab("Status", id="status"):
        summary = gr.Markdown(elem_id="health-summary")
        health = gr.Dataframe(
            headers=HEALTH_HEADERS, label="Components", interactive=False, elem_id="health-table"
        )
        schedules = gr.Dataframe(
            headers=SCHEDULE_HEADERS,
            label="Schedules (times are the market's clock)",
            interactive=False,
            elem_id="schedules-table",
        )
        runs = gr.Dataframe(
            headers=RUN_HEADERS, label="Scheduled runs", interactive=False, elem_id="runs-table"
        )
        refresh = gr.Button("Refresh", elem_id="status-refresh")

        def load() -> tuple[str, list[list[Any]], list[list[Any]], list[list[Any]]]:
            rows, text = _health_rows(client)
            return text, rows, _schedule_rows(client), _run_rows(client)

        outputs = [summary, health, schedules, runs]
        refresh.click(load, outputs=outputs)
        gr.Timer(5).tick(load, outputs=outputs)
        blocks.load(load, outputs=outputs)


def _settings_tab(client: ApiClient, blocks: gr.Blocks) -> None:
    with gr.Tab("Settings", id="settings"):
        gr.Markdown(
            "Each step's settings are validated by the API before anything is stored; every "
            "save is a new version. Secrets (API keys, webhook secret) live in the environment "
            "only and are never shown here."
        )
        step = gr.Dropdown(choices=[], label="Step", elem_id="settings-step")
        message = gr.Markdown(elem_id="settings-load-message")

        def load_steps() -> tuple[Any, str]:
            # Fetched when a page opens, not when the UI is built: the API may not be up yet.
            result = client.steps()
            if not result.ok:
                return gr.Dropdown(choices=[]), format_errors(result.body)
            choices = [(s["title"], s["step"]) for s in result.body["steps"]]
            return gr.Dropdown(choices=choices, value=choices[0][1] if choices else None), ""

        blocks.load(load_steps, outputs=[step, message])

        @gr.render(inputs=[step])
        def render_form(selected: str | None) -> None:
            if not selected:
                return
            current = client.step(selected)
            if not current.ok:
                gr.Markdown(format_errors(current.body))
                return
            fields = form_fields(current.body["json_schema"])
            values = current.body["values"]
            version = gr.State(current.body["version"])
            gr.Markdown(f"Version **{current.body['version']}**", elem_id="settings-version")
            inputs: list[Any] = []
            for field in fields:
                common = {
                    "label": field.label,
                    "info": field.help or None,
                    "value": to_display(field, values.get(field.name)),
                    "elem_id": f"setting-{selected}-{field.name}",
                    "key": f"{selected}-{field.name}",
                    "interactive": True,
                }
                if field.kind == "bool":
                    inputs.append(gr.Checkbox(**common))
                elif field.kind == "int":
                    inputs.append(gr.Number(precision=0, **common))
                else:
                    inputs.append(gr.Textbox(**common))
            save = gr.Button("Save", variant="primary", elem_id="settings-save")

            def on_save(expected: int, *raw: Any) -> tuple[str, int]:
                result = client.save_step(
                    selected, to_payload(fields, list(raw)), expected_version=expected
                )
                if result.ok:
                    new_version = int(result.body["version"])
                    return f"Saved: {selected} is now at version **{new_version}**.", new_version
                return f"**Not saved ({result.status})**\n\n{format_errors(result.body)}", expected

            save.click(on_save, inputs=[version, *inputs], outputs=[saved, version])

        saved = gr.Markdown(elem_id="settings-message")


def build_ui(api_base_url: str, *, api_token: str | None = None) -> gr.Blocks:
    client = ApiClient(api_base_url, api_token=api_token)
    with gr.Blocks(title="WallTrack") as blocks:
        gr.Markdown(
            "# WallTrack\nFinds Solana wallets worth copying and copies them — "
            "**paper mode** (no real funds move)."
        )
        with gr.Tabs():
            _status_tab(client, blocks)
            discovery_tab(client, blocks)
            wallets_tab(client, blocks)
            _settings_tab(client, blocks)
    return blocks
