"""GET/PUT /config/{step}: typed, versioned step settings (secrets never live here)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, StringConstraints

from walltrack.api.deps import StepSettings
from walltrack.api.errors import EVERY_ROUTE, error_responses
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.models.inputs import MAX_VERSION, NAME_LENGTH, PRINTABLE
from walltrack.data.models.step_settings import VersionedStepSettings

router = APIRouter(prefix="/config", tags=["config"], responses=error_responses(*EVERY_ROUTE))
Service = StepSettings
StepName = Annotated[str, Path(min_length=1, max_length=NAME_LENGTH, pattern=PRINTABLE)]
MAX_CHANGES = 100
"""More fields than any step has: a body with more is refused whole."""
FieldName = Annotated[str, StringConstraints(max_length=NAME_LENGTH, pattern=PRINTABLE)]


class StepSettingsView(VersionedStepSettings):
    json_schema: dict[str, Any]


class StepList(BaseModel):
    steps: list[StepSettingsView]


def _view(service: StepSettingsService, step: str) -> StepSettingsView:
    current = service.get(step)
    return StepSettingsView(**current.model_dump(), json_schema=service.json_schema(step))


@router.get("", response_model=StepList)
def list_steps(service: Service) -> StepList:
    return StepList(steps=[_view(service, step) for step in service.steps()])


@router.get("/{step}", response_model=StepSettingsView, responses=error_responses(404, 422))
def get_step(step: StepName, service: Service) -> StepSettingsView:
    return _view(service, step)


@router.put(
    "/{step}",
    response_model=StepSettingsView,
    responses=error_responses(400, 404, 409, 422),
)
def put_step(
    step: StepName,
    service: Service,
    values: Annotated[
        dict[FieldName, Any],
        Body(description="fields to change (others kept)", max_length=MAX_CHANGES),
    ],
    expected_version: Annotated[int | None, Query(ge=0, le=MAX_VERSION)] = None,
) -> StepSettingsView:
    """Change some of a step's settings. A change that changes nothing (`{}`, or the current
    values) stores no new version and answers the current settings."""
    service.update(step, values, expected_version=expected_version, author="api")
    return _view(service, step)
