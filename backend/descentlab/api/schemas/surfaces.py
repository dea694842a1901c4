"""Surfaces: how a request names one, and how the catalogue is published."""

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
)

from descentlab.api.schemas.common import DomainModel, StrictModel
from descentlab.core.surfaces import SURFACES


def _known_surface(surface_id: str) -> str:
    if surface_id not in SURFACES:
        raise ValueError(f"unknown surface {surface_id!r}; known: {', '.join(SURFACES)}")
    return surface_id


SurfaceId = Annotated[
    str,
    AfterValidator(_known_surface),
    Field(description="A surface id from GET /api/surfaces", examples=["rosenbrock"]),
]


class SurfaceSelection(StrictModel):
    """A surface with some of its constants changed (e.g. the valley's condition number)."""

    id: SurfaceId
    params: dict[str, Annotated[float, Field(ge=-1e6, le=1e6)]] = Field(
        default_factory=dict, max_length=8
    )

    @field_validator("params")
    @classmethod
    def _known_params(cls, params: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        surface_id = info.data.get("id")
        if surface_id is None:  # the id itself was invalid; that error is reported
            return params
        allowed = {p.name: p for p in SURFACES[surface_id].parameters}
        for name, value in params.items():
            if name not in allowed:
                names = ", ".join(allowed) or "none"
                raise ValueError(f"{surface_id!r} has no parameter {name!r} (it has: {names})")
            bound = allowed[name]
            if not bound.lower <= value <= bound.upper:
                raise ValueError(f"{name} must be within [{bound.lower:g}, {bound.upper:g}]")
        return params


def _id_to_selection(value: Any) -> Any:
    return {"id": value} if isinstance(value, str) else value


# A bare id is shorthand for {"id": ...}; one model keeps error messages to one branch.
SurfaceRef = Annotated[
    SurfaceSelection,
    BeforeValidator(_id_to_selection, json_schema_input_type=SurfaceId | SurfaceSelection),
    Field(description='A surface id, or {"id": ..., "params": {...}}'),
]


class MinimumPublic(BaseModel):
    x: float
    y: float
    value: float


class SurfaceParameterPublic(BaseModel):
    name: str
    default: float
    lower: float
    upper: float
    description: str


class SurfacePublic(BaseModel):
    id: str
    name: str
    latex: str
    domain: DomainModel
    default_start: tuple[float, float]
    minima: list[MinimumPublic]
    description: str
    parameters: list[SurfaceParameterPublic]
