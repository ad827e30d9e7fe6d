"""The Settings tab's schema → form → payload conversions."""

from __future__ import annotations

from ui.settings_form import (
    field_errors,
    form_fields,
    format_errors,
    save_outcome,
    to_display,
    to_payload,
)
from walltrack.data.models.step_settings import TokenDiscoverySettings


def _fields() -> dict[str, object]:
    return {f.name: f for f in form_fields(TokenDiscoverySettings.model_json_schema())}


def test_field_kinds_follow_the_model_types() -> None:
    fields = _fields()
    kinds = {name: f.kind for name, f in fields.items()}  # type: ignore[attr-defined]
    assert kinds["source_latest_profiles"] == "bool"
    assert kinds["min_txns_1h"] == "int"
    assert kinds["min_liquidity_usd"] == "decimal"
    assert kinds["search_terms"] == "list"
    assert fields["max_market_cap_usd"].optional  # type: ignore[attr-defined]


def test_payload_keeps_money_as_text_and_splits_lists() -> None:
    # Given the form as displayed for the defaults
    fields = form_fields(TokenDiscoverySettings.model_json_schema())
    defaults = TokenDiscoverySettings().model_dump(mode="json")
    shown = [to_display(f, defaults[f.name]) for f in fields]
    # When it is turned back into a payload
    payload = to_payload(fields, shown)
    # Then it validates to the same settings (no float rounding on money, lists intact)
    assert TokenDiscoverySettings.model_validate(payload) == TokenDiscoverySettings()
    assert payload["min_liquidity_usd"] == "10000"


def test_an_empty_optional_money_field_becomes_null() -> None:
    fields = form_fields(TokenDiscoverySettings.model_json_schema())
    names = [f.name for f in fields]
    raw = [to_display(f, TokenDiscoverySettings().model_dump(mode="json")[f.name]) for f in fields]
    raw[names.index("max_market_cap_usd")] = "  "
    assert to_payload(fields, raw)["max_market_cap_usd"] is None


def test_errors_are_listed_per_field() -> None:
    body = {
        "message": "invalid settings for token_refresh",
        "detail": [{"loc": ["interval_minutes"], "msg": "Input should be greater than 0"}],
    }
    text = format_errors(body)
    assert "invalid settings for token_refresh" in text
    assert "**interval_minutes**: Input should be greater than 0" in text


def test_a_field_error_goes_beside_its_field_and_the_rest_under_save() -> None:
    # Given a refused save naming one field and one problem without a field
    fields = form_fields(TokenDiscoverySettings.model_json_schema())
    body = {
        "message": "invalid settings for token_scan",
        "detail": [
            {"loc": ["body", "min_txns_1h"], "msg": "Input should be greater than or equal to 0"},
            {"loc": ["expected_version"], "msg": "stale"},
        ],
    }
    # When it is split for the form
    per_field, general = field_errors(fields, body)
    # Then the field's message is its own, and only the other problem stays under Save
    assert per_field == {"min_txns_1h": "⚠️ Input should be greater than or equal to 0"}
    assert "stale" in general
    assert "greater than or equal" not in general


def test_an_error_without_a_field_stays_under_save() -> None:
    fields = form_fields(TokenDiscoverySettings.model_json_schema())
    per_field, general = field_errors(fields, {"message": "version conflict"})
    assert per_field == {}
    assert general == "version conflict"


def test_a_save_that_changes_nothing_says_so_and_keeps_the_version() -> None:
    # Given the API's answer to a save with the values already stored (200, same version)
    # When the outcome is told / Then it is "nothing changed", not "Saved"
    message, version, stored = save_outcome("token_refresh", 4, 200, {"version": 4})
    assert message.startswith("Nothing changed")
    assert (version, stored) == (4, False)


def test_a_save_that_stores_a_new_version_says_so() -> None:
    message, version, stored = save_outcome("token_refresh", 4, 200, {"version": 5})
    assert message == "Saved: token_refresh is now at version **5**."
    assert (version, stored) == (5, True)


def test_a_refused_save_keeps_the_version_it_had() -> None:
    message, version, stored = save_outcome("token_refresh", 4, 422, {"message": "bad"})
    assert message == "**Not saved (422)**"
    assert (version, stored) == (4, False)
