"""The Settings tab's schema → form → payload conversions."""

from __future__ import annotations

from ui.settings_form import form_fields, format_errors, to_display, to_payload
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
