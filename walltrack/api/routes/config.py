"""GET/PUT /config/{step}: typed, versioned step settings (secrets never live here)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel

from walltrack.api.deps import StepSettings
from walltrack.core.step_settings import StepSettingsService
from walltrack.data.models.step_settings import VersionedStepSettings

router = APIRouter(prefix="/config", tags=["config"])
Service = StepSettings


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


@router.get("/{step}", response_model=StepSettingsView)
def get_step(step: str, service: Service) -> StepSettingsView:
    return _view(service, step)


@router.put(
    "/{step}",
    response_model=StepSettingsView,
    responses={404: {"description": "unknown step"}, 409: {"description": "version conflict"}},
)
def put_step(
    step: str,
    service: Service,
    values: Annotated[dict[str, Any], Body(description="fields to change (others kept)")],
    expected_version: Annotated[int | None, Query(ge=0)] = None,
) -> StepSettingsView:
    service.update(step, values, expected_version=expected_version, author="api")
    return _view(service, step)
