"""The Settings form edits every field a step's settings can have: the Clustering group's
denylist and weights, and mappings or lists of objects as JSON text."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ui.settings_form import form_fields, to_display, to_payload
from walltrack.data.models.cluster_settings import ClusterSettings


class Nested(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    weight: float


class WithMappings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weights: dict[str, float] = Field(default_factory=lambda: {"FUNDED_BY": 1.0, "CO_ENTERED": 0.1})
    rules: list[Nested] = Field(default_factory=lambda: [Nested(kind="x", weight=0.5)])
    limit: dict[str, int] | None = None
    names: list[str] = Field(default_factory=lambda: ["a", "b"])


def test_the_clustering_settings_round_trip_through_the_form() -> None:
    # Given the Clustering group's defaults as the form shows them
    fields = form_fields(ClusterSettings.model_json_schema())
    defaults = ClusterSettings().model_dump(mode="json")
    shown = [to_display(f, defaults[f.name]) for f in fields]
    # When the form is saved unchanged
    payload = to_payload(fields, shown)
    # Then the API would read the same settings (the denylist as a list, weights as text)
    assert ClusterSettings.model_validate(payload) == ClusterSettings()
    kinds = {f.name: f.kind for f in fields}
    assert kinds["denylist"] == "list"
    assert kinds["weight_co_entered"] == "decimal"


def test_mappings_and_lists_of_objects_are_edited_as_json() -> None:
    # Given a settings model with a mapping, a list of objects and an optional mapping
    fields = form_fields(WithMappings.model_json_schema())
    kinds = {f.name: f.kind for f in fields}
    assert kinds == {"weights": "json", "rules": "json", "limit": "json", "names": "list"}
    defaults = WithMappings().model_dump(mode="json")
    shown = [to_display(f, defaults[f.name]) for f in fields]
    assert '"FUNDED_BY": 1.0' in shown[0]
    # When a weight is edited in the JSON text and the optional mapping is left empty
    shown[0] = shown[0].replace("0.1", "0.25")
    payload = to_payload(fields, shown)
    # Then the payload carries real values, which validate
    assert payload["weights"] == {"CO_ENTERED": 0.25, "FUNDED_BY": 1.0}
    assert payload["limit"] is None
    assert WithMappings.model_validate(payload).rules == [Nested(kind="x", weight=0.5)]


def test_text_that_is_not_json_is_sent_as_is_for_the_api_to_refuse() -> None:
    fields = form_fields(WithMappings.model_json_schema())
    payload = to_payload(fields, ["{not json", "[]", "", "a"])
    assert payload["weights"] == "{not json"
