"""The Settings form is a fixed set of slots: every step's fields fit, and a Save reads each
field from the widget of its own kind in its own slot."""

from __future__ import annotations

from typing import Any

from ui.settings_form import (
    MAX_FIELDS,
    WIDGETS,
    form_fields,
    raw_values,
    to_display,
    to_payload,
    widget_of,
)
from walltrack.data.models.steps import STEP_SETTINGS
from walltrack.data.models.trading_settings import ExitSettings


def test_every_step_fits_in_the_form() -> None:
    # Given every step's settings model / Then its fields fit in the slots the tab builds
    sizes = {step: len(form_fields(m.model_json_schema())) for step, m in STEP_SETTINGS.items()}
    assert max(sizes.values()) <= MAX_FIELDS, sizes


def _slot_values(fields: list[Any], shown: list[Any]) -> list[Any]:
    """What the Save event sends: every slot's three widgets; a field's own widget holds its
    value, the other two keep whatever an earlier step left in them."""
    values: list[Any] = []
    for i in range(MAX_FIELDS):
        stale = [True, 987.0, "stale text from another step"]
        if i < len(fields):
            stale[WIDGETS.index(widget_of(fields[i]))] = shown[i]
        values.extend(stale)
    return values


def test_each_step_round_trips_through_its_slots() -> None:
    for step, model in STEP_SETTINGS.items():
        # Given a step's defaults shown in the slots, with other steps' leftovers beside them
        fields = form_fields(model.model_json_schema())
        defaults = model().model_dump(mode="json")
        shown = [to_display(f, defaults[f.name]) for f in fields]
        # When the form is saved unchanged
        payload = to_payload(fields, raw_values(fields, _slot_values(fields, shown)))
        # Then the API reads the same settings (no leftover reached a field)
        assert model.model_validate(payload) == model(), step


def test_a_field_is_read_from_the_widget_of_its_kind() -> None:
    # Given the exits step (checkboxes, whole numbers, decimals and a JSON ladder)
    fields = form_fields(ExitSettings.model_json_schema())
    assert {widget_of(f) for f in fields} == {"check", "number", "text"}
    shown = [f"value-{i}" for i in range(len(fields))]
    # When the values are read back / Then each is the one in its own widget
    assert raw_values(fields, _slot_values(fields, shown)) == shown
