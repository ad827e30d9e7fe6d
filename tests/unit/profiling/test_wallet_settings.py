"""Step 3 settings: sane defaults, bounds, and nonsense combinations rejected by name."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from walltrack.data.models.wallet_settings import WalletProfileSettings


def test_defaults_are_our_copier_costs() -> None:
    settings = WalletProfileSettings()
    assert settings.copy_latency_seconds == 3
    assert settings.copy_slippage_bps == 500
    assert settings.copy_size_sol == Decimal("0.5")
    assert settings.step == "wallet_profile"


def test_every_field_is_described_for_the_settings_form() -> None:
    undescribed = [
        name for name, f in WalletProfileSettings.model_fields.items() if not f.description
    ]
    assert undescribed == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"weight_copy_edge": 0, "weight_win_rate": 0, "weight_consistency": 0},
            "at least one score weight must be positive",
        ),
        (
            {"copy_latency_seconds": 10, "min_median_hold_seconds": 5},
            "min_median_hold_seconds must be at least copy_latency_seconds",
        ),
        ({"copy_fee_sol": "0.5", "copy_size_sol": "0.5"}, "copy_fee_sol must be smaller"),
        ({"min_trades": 50, "history_max_transactions": 20}, "min_trades must not exceed"),
    ],
)
def test_nonsense_combinations_are_rejected_with_a_clear_message(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        WalletProfileSettings.model_validate(values)


@pytest.mark.parametrize(
    "values",
    [
        {"copy_latency_seconds": -1},
        {"copy_slippage_bps": 20_000},
        {"bot_penalty": 1},
        {"confidence_k": 0},
        {"lookback_days": 0},
        {"unknown_field": 1},
    ],
)
def test_out_of_bounds_and_unknown_fields_are_rejected(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        WalletProfileSettings.model_validate(values)


def test_settings_round_trip_through_json() -> None:
    settings = WalletProfileSettings(copy_latency_seconds=1.5, copy_fee_sol=Decimal("0.001"))
    again = WalletProfileSettings.model_validate_json(settings.model_dump_json())
    assert again == settings


@pytest.mark.parametrize(
    "values",
    [
        {"follow_window_slots": 0},
        {"follow_window_slots": 151},
        {"max_followed_share": 0},
        {"max_followed_share": 1.5},
        {"follow_min_count": 0},
        {"follow_min_mirrored_tokens": 0},
    ],
)
def test_the_copy_follower_thresholds_are_bounded(values: dict[str, object]) -> None:
    # Given a follower threshold outside its bounds, When it is validated, Then it is refused
    with pytest.raises(ValidationError):
        WalletProfileSettings.model_validate(values)
