"""StepSettingsService: typed, versioned, validated before anything is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from walltrack.core.step_settings import StepSettingsService
from walltrack.data.models.step_settings import (
    StepSettings,
    TokenDiscoverySettings,
    TokenRefreshSettings,
)
from walltrack.data.models.steps import STEP_SETTINGS
from walltrack.errors import ConflictError, InvalidInputError, NotFoundError


class InMemoryStore:
    """A real implementation of the store port, kept in a dict (no mocks)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def latest(self, step: str) -> tuple[int, dict[str, Any], datetime] | None:
        versions = self.rows.get(step)
        if not versions:
            return None
        return len(versions), versions[-1], datetime(2026, 1, 1, tzinfo=UTC)

    def insert_version(
        self, step: str, values: dict[str, Any], *, expected_version: int, author: str | None
    ) -> tuple[int, datetime]:
        versions = self.rows.setdefault(step, [])
        if len(versions) != expected_version:
            raise ConflictError("moved on")
        versions.append(values)
        return len(versions), datetime(2026, 1, 2, tzinfo=UTC)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def service(store: InMemoryStore) -> StepSettingsService:
    return StepSettingsService(store)


def test_a_never_saved_step_reads_as_its_defaults_at_version_zero(
    service: StepSettingsService,
) -> None:
    # Given nothing stored / When read
    current = service.get("token_refresh")
    # Then the defaults come back at version 0
    assert current.version == 0
    assert current.values["interval_minutes"] == TokenRefreshSettings().interval_minutes


def test_an_update_merges_changes_and_bumps_the_version(service: StepSettingsService) -> None:
    # Given defaults / When one field changes
    saved = service.update("token_refresh", {"interval_minutes": 9})
    # Then a new version holds the change and keeps the other values
    assert saved.version == 1
    assert saved.values["interval_minutes"] == 9
    assert saved.values["batch_size"] == 30
    assert service.typed(TokenRefreshSettings).interval_minutes == 9


def test_an_invalid_value_is_rejected_with_field_errors_and_nothing_stored(
    service: StepSettingsService, store: InMemoryStore
) -> None:
    # Given a saved version
    service.update("token_refresh", {"interval_minutes": 9})
    # When a value out of range is sent
    with pytest.raises(InvalidInputError) as caught:
        service.update("token_refresh", {"interval_minutes": 0, "batch_size": 31})
    # Then each bad field is named and the stored version is unchanged
    locs = {tuple(e["loc"]) for e in caught.value.errors}
    assert locs == {("interval_minutes",), ("batch_size",)}
    assert len(store.rows["token_refresh"]) == 1
    assert service.get("token_refresh").values["interval_minutes"] == 9


def test_an_unknown_field_is_an_error_not_silently_ignored(service: StepSettingsService) -> None:
    with pytest.raises(InvalidInputError) as caught:
        service.update("token_refresh", {"intervall_minutes": 3})
    assert caught.value.errors[0]["loc"] == ["intervall_minutes"]


def test_cross_field_rules_are_enforced(service: StepSettingsService) -> None:
    # Given min market cap above max / Then the model rejects the pair
    with pytest.raises(InvalidInputError, match="token_discovery"):
        service.update(
            "token_discovery", {"min_market_cap_usd": "5000", "max_market_cap_usd": "100"}
        )


def test_money_thresholds_stay_exact_decimals(service: StepSettingsService) -> None:
    service.update("token_discovery", {"min_liquidity_usd": "12345.67"})
    typed = service.typed(TokenDiscoverySettings)
    assert typed.min_liquidity_usd == Decimal("12345.67")
    assert isinstance(typed.min_liquidity_usd, Decimal)


def test_an_unknown_step_is_not_found(service: StepSettingsService) -> None:
    with pytest.raises(NotFoundError, match="unknown step 'nope'"):
        service.get("nope")


def test_a_stale_expected_version_is_a_conflict(service: StepSettingsService) -> None:
    service.update("token_refresh", {"interval_minutes": 9})
    with pytest.raises(ConflictError):
        service.update("token_refresh", {"interval_minutes": 10}, expected_version=0)


def _all_subclasses(cls: type[StepSettings]) -> set[type[StepSettings]]:
    direct = set(cls.__subclasses__())
    return direct.union(*(_all_subclasses(sub) for sub in direct))


def test_every_step_settings_model_is_in_the_one_registry() -> None:
    # Given every StepSettings model the product defines (their modules imported by the registry)
    # Then the registry lists each, under its own step name: none is left out of the API and UI
    assert set(STEP_SETTINGS.values()) == _all_subclasses(StepSettings)
    assert all(step == model.step for step, model in STEP_SETTINGS.items())


@pytest.mark.parametrize("change", [{}, {"interval_minutes": 9}, {"batch_size": 30}])
def test_a_change_that_changes_nothing_stores_no_version(
    service: StepSettingsService, store: InMemoryStore, change: dict[str, Any]
) -> None:
    # Given a saved version
    saved = service.update("token_refresh", {"interval_minutes": 9})
    # When nothing, or the values already current, are sent
    again = service.update("token_refresh", change, expected_version=saved.version)
    # Then no version is added and the current settings come back
    assert len(store.rows["token_refresh"]) == 1
    assert again.version == saved.version
    assert again.values == saved.values
    assert again.updated_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_an_empty_change_to_a_never_saved_step_stores_nothing(
    service: StepSettingsService, store: InMemoryStore
) -> None:
    # Given defaults only / When `{}` or a default restated is sent
    empty = service.update("token_discovery", {})
    restated = service.update("token_discovery", {"min_liquidity_usd": "10000.00"})
    # Then both answer version 0 and nothing is stored
    assert (empty.version, restated.version) == (0, 0)
    assert store.rows == {}


@pytest.mark.parametrize(
    ("step", "change"),
    [
        ("token_refresh", {"interval_minutes": "1_000"}),
        ("token_refresh", {"interval_minutes": " 10 "}),
        ("token_refresh", {"interval_minutes": "10"}),
        ("token_refresh", {"interval_minutes": True}),
        ("token_refresh", {"interval_minutes": 10.0}),
        ("token_discovery", {"min_liquidity_usd": "1_000"}),
        ("token_discovery", {"min_liquidity_usd": " 1 "}),
        ("token_discovery", {"min_liquidity_usd": "١٠"}),  # Arabic-Indic digits
        ("token_discovery", {"min_liquidity_usd": "NaN"}),
        ("wallet_profile", {"weight_copy_edge": "0_1"}),
        ("wallet_profile", {"copy_latency_seconds": " 3 "}),
        ("wallet_profile", {"copy_latency_seconds": float("nan")}),
        ("wallet_profile", {"max_trades_per_day": float("inf")}),
    ],
)
def test_numbers_are_strict(
    service: StepSettingsService, store: InMemoryStore, step: str, change: dict[str, Any]
) -> None:
    # When a value Python would parse as a number, but is not one as written, is sent
    with pytest.raises(InvalidInputError) as caught:
        service.update(step, change)
    # Then it is refused, naming the field, and nothing is stored
    assert caught.value.errors[0]["loc"] == [next(iter(change))]
    assert store.rows == {}


def test_plain_numbers_as_json_or_text_are_accepted(service: StepSettingsService) -> None:
    # The dashboard sends exact decimals and floats as plain text, integers as JSON integers
    service.update("token_discovery", {"min_liquidity_usd": "2500.5", "min_txns_1h": 3})
    service.update("wallet_profile", {"copy_latency_seconds": "2.5", "weight_win_rate": 0.25})
    assert service.typed(TokenDiscoverySettings).min_liquidity_usd == Decimal("2500.5")
    assert service.get("wallet_profile").values["copy_latency_seconds"] == 2.5


@pytest.mark.parametrize(
    "change",
    [
        {"search_terms": ["pump\x00"]},
        {"search_terms": ["two\nlines"]},
        {"search_terms": ["\ud800"]},  # a lone surrogate, as a JSON body's "\ud800" decodes
        {"blocked_token2022_extensions": ["permanent_delegate\x00"]},
    ],
)
def test_control_characters_in_a_text_setting_are_refused(
    service: StepSettingsService, store: InMemoryStore, change: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        service.update("token_discovery", change)
    assert "control characters" in caught.value.errors[0]["msg"]
    assert store.rows == {}


def test_a_huge_setting_value_is_refused_without_being_echoed(
    service: StepSettingsService,
) -> None:
    # Given a 100,000-character extension name and a 100,000-character quote mint
    huge = "x" * 100_000
    for change in (
        {"blocked_token2022_extensions": [huge]},
        {"quote_allowlist": ["1" * 100_000]},
        {"search_terms": [huge]},
    ):
        # When sent / Then refused, and no message quotes more than an excerpt of it
        with pytest.raises(InvalidInputError) as caught:
            service.update("token_discovery", change)
        assert len(str(caught.value)) + len(str(caught.value.errors)) < 2_000


class CountingStore(InMemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def latest(self, step: str) -> tuple[int, dict[str, Any], datetime] | None:
        self.reads += 1
        return super().latest(step)


def test_typed_reads_come_from_the_cache_until_it_is_cache_s_old() -> None:
    # Given a service caching for 2 s on a clock the test moves
    store, now = CountingStore(), [100.0]
    service = StepSettingsService(store, cache_s=2.0, monotonic=lambda: now[0])
    # When a step's settings are read three times within 2 s
    first = [service.typed(TokenRefreshSettings) for _ in range(3)]
    # Then the store is read once
    assert store.reads == 1
    assert first[0] == first[2]
    # When another process changes them (straight into the store) and 2 s pass
    store.rows["token_refresh"] = [{"interval_minutes": 7}]
    assert service.typed(TokenRefreshSettings).interval_minutes != 7  # still cached
    now[0] += 2.0
    # Then the change is read
    assert service.typed(TokenRefreshSettings).interval_minutes == 7
    assert store.reads == 2


def test_an_update_through_the_service_is_seen_at_once_and_get_never_caches() -> None:
    # Given cached settings
    store = CountingStore()
    service = StepSettingsService(store, cache_s=60.0, monotonic=lambda: 0.0)
    assert service.typed(TokenRefreshSettings).interval_minutes != 9
    # When they are changed through the same service
    service.update("token_refresh", {"interval_minutes": 9})
    # Then the next typed read sees the change
    assert service.typed(TokenRefreshSettings).interval_minutes == 9
    # And get reads the store every time
    reads = store.reads
    service.get("token_refresh")
    service.get("token_refresh")
    assert store.reads == reads + 2


def test_without_cache_s_every_typed_read_goes_to_the_store() -> None:
    # Given the default service (no cache)
    store = CountingStore()
    service = StepSettingsService(store)
    # When read twice / Then the store is read twice
    service.typed(TokenRefreshSettings)
    service.typed(TokenRefreshSettings)
    assert store.reads == 2
