"""Turns a step's JSON schema into form fields and form values back into an API payload.

Kept apart from the Gradio layout so the conversions are unit-tested without a browser.
Money-like fields (JSON schema `anyOf number|string`, i.e. Decimal) stay text so no float ever
touches them; lists are edited as comma-separated text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

FieldKind = Literal["bool", "int", "decimal", "list", "text"]


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
        return "list", optional
    return "text", optional


def form_fields(schema: dict[str, Any]) -> list[FormField]:
    fields = []
    for name, prop in schema.get("properties", {}).items():
        kind, optional = _kind(prop)
        label = name.replace("_", " ").capitalize()
        fields.append(FormField(name, kind, label, prop.get("description", ""), optional))
    return fields


def to_display(field: FormField, value: Any) -> Any:
    if field.kind == "list":
        return ", ".join(str(v) for v in value or [])
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
