"""The Settings tab: every step's settings in one form, validated by the API before anything is
stored.

The form is built once, as `MAX_FIELDS` slots (a checkbox, a whole number and a text box each,
one of them shown), and a step's pick fills the slots in. It used to be a `gr.render` per pick:
on a busy server one pick rendered the form several times (the dropdown's events repeat), a
value typed between two renders was lost, and a Save clicked on a form already replaced called
an event the server no longer had ("Error", nothing saved; 2-4 saves in 20 failed in a browser
loop on a loaded machine, and the e2e tests failed the same way in CI). Fixed slots never take
an event away, and a pick of the step already shown changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import gradio as gr

from ui.api_client import ApiClient
from ui.settings_form import (
    MAX_FIELDS,
    FormField,
    field_errors,
    form_fields,
    format_errors,
    raw_values,
    save_outcome,
    to_display,
    to_payload,
    widget_of,
)

FORM_CHANGED = (
    "**Not saved**: the form changed to another step while saving. Check the values shown and "
    "save again."
)


@dataclass(frozen=True)
class Shown:
    """The step the form shows, its fields in slot order, and the version it was loaded at."""

    step: str
    fields: tuple[FormField, ...]
    version: int


@dataclass(frozen=True)
class _Slot:
    check: Any
    number: Any
    text: Any
    error: Any

    def widgets(self) -> list[Any]:
        return [self.check, self.number, self.text]  # WIDGETS order


def version_label(version: int) -> str:
    return f"Version **{version}**"


def _hidden_slot(i: int) -> list[Any]:
    return [
        gr.Checkbox(visible=False, elem_id=f"settings-slot-{i}-check"),
        gr.Number(visible=False, elem_id=f"settings-slot-{i}-number"),
        gr.Textbox(visible=False, elem_id=f"settings-slot-{i}-text"),
        gr.Markdown("", visible=False, elem_id=f"settings-slot-{i}-error"),
    ]


def _field_slot(i: int, step: str, field: FormField, value: Any) -> list[Any]:
    """Slot `i` showing `field`: its own widget with the field's label, help, value and id, the
    other two hidden, and the field's error line (empty) right under it."""
    hidden = _hidden_slot(i)
    common = {
        "label": field.label,
        "info": field.help or None,
        "value": to_display(field, value),
        "elem_id": f"setting-{step}-{field.name}",
        "visible": True,
        "interactive": True,
    }
    widget = widget_of(field)
    if widget == "check":
        hidden[0] = gr.Checkbox(**common)
    elif widget == "number":
        hidden[1] = gr.Number(**common)
    else:  # JSON (a mapping, a list of objects) gets room; the rest is one line
        hidden[2] = gr.Textbox(lines=4 if field.kind == "json" else 1, max_lines=20, **common)
    hidden[3] = gr.Markdown("", visible=True, elem_id=f"setting-error-{step}-{field.name}")
    return hidden


def settings_tab(client: ApiClient, blocks: gr.Blocks) -> None:
    with gr.Tab("Settings", id="settings"):
        gr.Markdown(
            "Each step's settings are validated by the API before anything is stored; every "
            "save that changes a value is a new version. Secrets (API keys, webhook secret) "
            "live in the environment only and are never shown here."
        )
        step = gr.Dropdown(choices=[], label="Step", elem_id="settings-step")
        message = gr.Markdown(elem_id="settings-load-message")
        shown = gr.State(None)
        # The step the page's form shows, sent with a Save: the server's `shown` may already
        # be the next pick's while the click still carries the previous form's values.
        form_step = gr.Textbox(visible=False)
        label = gr.Markdown(visible=False, elem_id="settings-version")
        slots: list[_Slot] = []
        for i in range(MAX_FIELDS):
            slots.append(_Slot(*_hidden_slot(i)))
        save = gr.Button("Save", variant="primary", elem_id="settings-save", visible=False)
        saved = gr.Markdown(elem_id="settings-message")
        widgets = [w for s in slots for w in s.widgets()]  # what a Save reads, WIDGETS order
        pick_outputs = [shown, form_step, label, save, saved, message]
        pick_outputs += [c for s in slots for c in (*s.widgets(), s.error)]

        def load_steps() -> tuple[Any, str]:
            # Fetched when a page opens, not when the UI is built: the API may not be up yet.
            result = client.steps()
            if not result.ok:
                return gr.Dropdown(choices=[]), format_errors(result.body)
            choices = [(s["title"], s["step"]) for s in result.body["steps"]]
            return gr.Dropdown(choices=choices, value=choices[0][1] if choices else None), ""

        blocks.load(load_steps, outputs=[step, message])

        def on_pick(selected: str | None, current: Shown | None) -> tuple[Any, ...]:
            if not selected or (current is not None and current.step == selected):
                # a repeated event for the form already shown: leave what the user typed be
                return tuple(gr.skip() for _ in pick_outputs)
            result = client.step(selected)
            fields = form_fields(result.body["json_schema"]) if result.ok else []
            if not result.ok or len(fields) > MAX_FIELDS:
                problem = (
                    format_errors(result.body)
                    if not result.ok
                    else f"**{selected}** has {len(fields)} settings; the form holds {MAX_FIELDS}."
                )
                blank = [c for i in range(MAX_FIELDS) for c in _hidden_slot(i)]
                hidden = gr.Markdown(visible=False)
                return None, "", hidden, gr.Button(visible=False), "", problem, *blank
            values = result.body["values"]
            version = int(result.body["version"])
            filled = [
                c
                for i in range(MAX_FIELDS)
                for c in (
                    _field_slot(i, selected, fields[i], values.get(fields[i].name))
                    if i < len(fields)
                    else _hidden_slot(i)
                )
            ]
            # a message about one step's save is stale once another step is shown
            return (
                Shown(selected, tuple(fields), version),
                selected,
                gr.Markdown(version_label(version), visible=True),
                gr.Button(visible=True),
                "",
                "",
                *filled,
            )

        step.change(
            on_pick,
            inputs=[step, shown],
            outputs=pick_outputs,
            show_progress_on=[message],
        )

        def on_save(current: Shown | None, on_page: str, *slot_values: Any) -> tuple[Any, ...]:
            skip_marks = [gr.skip() for _ in slots]
            if current is None or current.step != on_page:
                return FORM_CHANGED, gr.skip(), gr.skip(), *skip_marks
            fields = list(current.fields)
            result = client.save_step(
                current.step,
                to_payload(fields, raw_values(fields, slot_values)),
                expected_version=current.version,
            )
            text, now_at, _ = save_outcome(
                current.step, current.version, result.status, result.body
            )
            per_field: dict[str, str] = {}
            if not result.ok:
                per_field, general = field_errors(fields, result.body)
                if per_field:
                    named = ", ".join(per_field)
                    general += f"\n\nSee the field{'s' if len(per_field) > 1 else ''}"
                    general += f" marked ⚠️ above: {named}."
                text = f"{text}\n\n{general}"
            marks = [per_field.get(f.name, "") for f in fields]
            marks += skip_marks[len(fields) :]
            return text, replace(current, version=now_at), version_label(now_at), *marks

        save.click(
            on_save,
            inputs=[shown, form_step, *widgets],
            outputs=[saved, shown, label, *[s.error for s in slots]],
            show_progress_on=[saved],
        )
