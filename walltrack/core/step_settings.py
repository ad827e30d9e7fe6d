"""Reading and changing the typed, versioned settings of each pipeline step.

Every step reads its settings through `StepSettingsService.typed(...)`; the API and the UI change
them through `update(...)`. A change is validated in full before anything is stored: an invalid
value leaves the stored version untouched.

`typed` may answer from a short per-process cache (`cache_s`): the copy loop reads four or five
steps' settings per webhook delivery, each a database round trip, on a path whose whole budget
is 25 ms. An `update` through the same service is seen at once (it drops the step's entry);
another process (another Lambda) sees it within `cache_s`. `get` (what the API shows and
`update` compares against) always reads the store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from walltrack.data.models.step_settings import StepSettings, VersionedStepSettings
from walltrack.data.models.steps import STEP_SETTINGS
from walltrack.errors import ConflictError, InvalidInputError, NotFoundError, WallTrackError

S = TypeVar("S", bound=StepSettings)


class StoredSettingsError(WallTrackError):
    """A stored settings row that the current model rejects (a migration is missing)."""


class StepSettingsStore(Protocol):
    def latest(self, step: str) -> tuple[int, dict[str, Any], datetime] | None: ...

    def insert_version(
        self, step: str, values: dict[str, Any], *, expected_version: int, author: str | None
    ) -> tuple[int, datetime]: ...


def _model_for(step: str) -> type[StepSettings]:
    try:
        return STEP_SETTINGS[step]
    except KeyError:
        known = ", ".join(sorted(STEP_SETTINGS))
        raise NotFoundError(f"unknown step {step!r}; known steps: {known}") from None


def _field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


class StepSettingsService:
    def __init__(
        self,
        store: StepSettingsStore,
        *,
        cache_s: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._cache_s = cache_s
        self._monotonic = monotonic
        self._cached: dict[str, tuple[float, StepSettings]] = {}
        self._lock = threading.Lock()  # the local runtime's functions share one service

    @staticmethod
    def steps() -> list[str]:
        return list(STEP_SETTINGS)

    @staticmethod
    def json_schema(step: str) -> dict[str, Any]:
        return _model_for(step).model_json_schema()

    def _load(self, step: str) -> tuple[StepSettings, int, datetime | None]:
        model = _model_for(step)
        stored = self._store.latest(step)
        if stored is None:
            return model(), 0, None
        version, values, updated_at = stored
        known = {k: v for k, v in values.items() if k in model.model_fields}
        try:
            return model.model_validate(known), version, updated_at
        except ValidationError as exc:  # a stored row that a newer model rejects
            raise StoredSettingsError(
                f"stored settings for {step} (version {version}) no longer validate: {exc}"
            ) from exc

    def get(self, step: str) -> VersionedStepSettings:
        settings, version, updated_at = self._load(step)
        return VersionedStepSettings(
            step=step,
            title=settings.title,
            version=version,
            values=settings.model_dump(mode="json"),
            updated_at=updated_at,
        )

    def typed(self, model: type[S]) -> S:
        """The current settings of `model`'s step, as that model (at most `cache_s` old)."""
        now = self._monotonic()
        with self._lock:
            hit = self._cached.get(model.step)
        if hit is not None and now - hit[0] < self._cache_s:
            settings = hit[1]
        else:
            settings, _, _ = self._load(model.step)
            if self._cache_s > 0:
                with self._lock:
                    self._cached[model.step] = (now, settings)
        assert isinstance(settings, model)
        return settings

    def update(
        self,
        step: str,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
        author: str | None = None,
    ) -> VersionedStepSettings:
        """Merge `changes` over the current values, validate the whole, store a new version;
        a change that changes nothing (no field, or the values already current) stores none."""
        model = _model_for(step)
        current, version, updated_at = self._load(step)
        if expected_version is not None and expected_version != version:
            raise ConflictError(
                f"settings for {step} are at version {version}, not {expected_version}"
            )
        merged = {**current.model_dump(mode="json"), **dict(changes)}
        try:
            validated = model.model_validate(merged)
        except ValidationError as exc:
            raise InvalidInputError(f"invalid settings for {step}", _field_errors(exc)) from exc
        if validated == current:  # equal values, however written ("10000" and "10000.00")
            return VersionedStepSettings(
                step=step,
                title=model.title,
                version=version,
                values=current.model_dump(mode="json"),
                updated_at=updated_at,
            )
        values = validated.model_dump(mode="json")
        new_version, updated_at = self._store.insert_version(
            step, values, expected_version=version, author=author
        )
        with self._lock:
            self._cached.pop(step, None)
        return VersionedStepSettings(
            step=step, title=model.title, version=new_version, values=values, updated_at=updated_at
        )
