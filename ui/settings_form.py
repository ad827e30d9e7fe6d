"""Turns a step's JSON schema into form fields and form values back into an API payload.

Kept apart from the Gradio layout so the conversions are unit-tested without a browser.
Money-like fields (JSON schema `anyOf number|string`, i.e. Decimal) stay text so no float ever
touches them; lists of plain values are edited as comma-separated text; anything else (a mapping
such as per-kind weights, a list of objects) as JSON text, which the API validates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

FieldKind = Literal["bool", "int", "decimal", "list", "json", "text"]
Widget = Literal["check", "number", "text"]
SCALARS = {"string", "integer", "number", "boolean"}
WIDGETS: tuple[Widget, ...] = ("check", "number", "text")
MAX_FIELDS = 32
"""Form slots the Settings tab builds once (the largest step has 28 fields; a unit test keeps
every step within it)."""


@dataclass(frozen=True)
class FormField:
    name: str
    kind: FieldKind
    label: str
    help: str
    optional: bool


def _kind(prop: dict[str, Any]) -> tuple[FieldKind, bool]:
    variants = prop.get("anyOf", [prop])
    types = {v.get("type") for v in variants}
    optional = "null" in types
    types.discard("null")
    if types == {"boolean"}:
        return "bool", optional
    if types == {"integer"}:
        return "int", optional
    if "number" in types:
        return "decimal", optional
    if types == {"array"}:
        items = next(v for v in variants if v.get("type") == "array").get("items", {})
        item_types = {i.get("type") for i in items.get("anyOf", [items])}
        return ("list" if item_types <= SCALARS else "json"), optional
    if "object" in types or "array" in types or (not types and "$ref" in prop):
        return "json", optional
    return "text", optional


def form_fields(schema: dict[str, Any]) -> list[FormField]:
    fields = []
    for name, prop in schema.get("properties", {}).items():
        kind, optional = _kind(prop)
        label = name.replace("_", " ").capitalize()
        fields.append(FormField(name, kind, label, prop.get("description", ""), optional))
    return fields


def widget_of(field: FormField) -> Widget:
    """The slot widget that edits `field`: a checkbox, a whole number, or text (decimals stay
    text so no float touches them; JSON is multi-line text)."""
    if field.kind == "bool":
        return "check"
    if field.kind == "int":
        return "number"
    return "text"


def raw_values(fields: Sequence[FormField], slot_values: Sequence[Any]) -> list[Any]:
    """Each field's value, read from its own slot's widget. `slot_values` is every slot's
    widgets in `WIDGETS` order, slot after slot, as the Save event sends them."""
    per_slot = len(WIDGETS)
    return [
        slot_values[i * per_slot + WIDGETS.index(widget_of(field))]
        for i, field in enumerate(fields)
    ]


def to_display(field: FormField, value: Any) -> Any:
    if field.kind == "list":
        return ", ".join(str(v) for v in value or [])
    if field.kind == "json":
        return "" if value is None else json.dumps(value, indent=1, sort_keys=True)
    if field.kind in ("decimal", "text"):
        return "" if value is None else str(value)
    return value


def to_payload(fields: list[FormField], raw_values: list[Any]) -> dict[str, Any]:
    """Form values → API payload; validation is the API's job, so nothing is coerced here
    beyond what the widget types imply."""
    payload: dict[str, Any] = {}
    for field, raw in zip(fields, raw_values, strict=True):
        if field.kind == "list":
            payload[field.name] = [p.strip() for p in str(raw or "").split(",") if p.strip()]
        elif field.kind == "json":
            payload[field.name] = _json_value(field, raw)
        elif field.kind in ("decimal", "text"):
            text = "" if raw is None else str(raw).strip()
            payload[field.name] = None if (text == "" and field.optional) else text
        elif field.kind == "int":
            if raw is None or raw == "":
                payload[field.name] = None
            elif isinstance(raw, float) and raw.is_integer():
                payload[field.name] = int(raw)
            else:
                payload[field.name] = raw
        else:
            payload[field.name] = bool(raw)
    return payload


def _json_value(field: FormField, raw: Any) -> Any:
    """JSON text → its value. Text that is not JSON is sent as it is, so the API's 422 names the
    field (the form never guesses at what was meant)."""
    text = "" if raw is None else str(raw).strip()
    if text == "":
        return None if field.optional else text
    try:
        return json.loads(text)
    except ValueError:
        return text


def format_errors(body: Any, *, default_loc: str = "settings") -> str:
    """An API error body ({"message", "detail"}) as one readable line per problem; a field
    error without a location is shown under `default_loc`."""
    if not isinstance(body, dict):
        return str(body)
    lines = [str(body.get("message") or "request failed")]
    detail = body.get("detail")
    if isinstance(detail, str):
        lines = [detail] if "message" not in body else [*lines, detail]
    elif isinstance(detail, list):
        for err in detail:
            if isinstance(err, dict):
                loc = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "query"))
                lines.append(f"- **{loc or default_loc}**: {err.get('msg', '')}")
            else:
                lines.append(f"- {err}")
    return "\n".join(lines)


def _field_of(err: dict[str, Any], names: set[str]) -> str | None:
    """The form field an API error points at (its location minus body/query), if any."""
    loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query")]
    return loc[0] if loc and loc[0] in names else None


def field_errors(fields: list[FormField], body: Any) -> tuple[dict[str, str], str]:
    """An API error split for the form: each field's own problems (shown beside that field),
    and the rest (shown under Save) as `format_errors` would list them."""
    names = {f.name for f in fields}
    by_field: dict[str, list[str]] = {}
    rest = []
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):
        for err in detail:
            name = _field_of(err, names) if isinstance(err, dict) else None
            if name is None:
                rest.append(err)
            else:
                by_field.setdefault(name, []).append(str(err.get("msg", "")))
    if not by_field:
        return {}, format_errors(body)
    remaining = {**body, "detail": rest} if rest else {"message": body.get("message")}
    general = format_errors(remaining)
    return {name: "⚠️ " + "; ".join(msgs) for name, msgs in by_field.items()}, general


def save_outcome(step: str, expected: int, status: int, body: Any) -> tuple[str, int, bool]:
    """The message, the version the form now holds, and whether anything was stored.

    The API answers a save that changes nothing with 200 and the same version: that is said as
    such, never as "Saved"."""
    if 200 <= status < 300:
        version = int(body["version"])
        if version == expected:
            return f"Nothing changed: {step} stays at version **{version}**.", version, False
        return f"Saved: {step} is now at version **{version}**.", version, True
    return f"**Not saved ({status})**", expected, False
