"""Surfaces: how a request names one (or types one), and how the catalogue is published."""

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    PlainValidator,
    ValidationInfo,
    field_validator,
)

from descentlab.api.schemas.common import DomainModel, ParameterPublic, StrictModel
from descentlab.core.expressions import (
    MAX_LENGTH,
    CompiledExpression,
    compile_expression,
    grammar_summary,
)
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


class CompiledText(str):
    """A typed surface's text, carrying the program it compiled to: compiled once, here, by
    the schema, and read by everything after it (``program_of``)."""

    program: CompiledExpression


def _valid_expression(text: str) -> str:
    # The compiler's ExpressionError is a ValueError: a 422 naming surface.expression, with
    # its message and column.
    checked = CompiledText(text)
    checked.program = compile_expression(text)
    return checked


def program_of(expression: str) -> CompiledExpression:
    """The program of a validated expression field (compiled now if built without the schema)."""
    if isinstance(expression, CompiledText):
        return expression.program
    return compile_expression(expression)


ExpressionText = Annotated[
    str,
    AfterValidator(_valid_expression),
    Field(
        description=grammar_summary(),
        examples=["(1 - x)^2 + 100*(y - x^2)^2"],
        json_schema_extra={"maxLength": MAX_LENGTH},
    ),
]


class ExpressionSurface(StrictModel):
    """A surface the learner types: f(x, y) as text."""

    expression: ExpressionText
    domain: DomainModel | None = Field(None, description="defaults to [-5, 5] × [-5, 5]")


def _surface_model(value: Any) -> SurfaceSelection | ExpressionSurface:
    """Pick the one model that applies, so every error comes from one branch.

    A bare id is shorthand for ``{"id": ...}``; an object with ``expression`` is a typed
    surface. pydantic nests the chosen model's ValidationError under this field, so its
    errors keep their paths (``surface.id``, ``surface.expression``); a tagged union
    would put the tag in every path instead.
    """
    if isinstance(value, SurfaceSelection | ExpressionSurface):
        return value
    if isinstance(value, str):
        value = {"id": value}
    if isinstance(value, dict) and "expression" in value:
        return ExpressionSurface.model_validate(value)
    return SurfaceSelection.model_validate(value)


SurfaceRef = Annotated[
    SurfaceSelection | ExpressionSurface,
    PlainValidator(
        _surface_model, json_schema_input_type=SurfaceId | SurfaceSelection | ExpressionSurface
    ),
    Field(
        description=(
            'A surface id, {"id": ..., "params": {...}}, or a typed surface '
            '{"expression": "...", "domain": {...}}'
        )
    ),
]


class MinimumPublic(BaseModel):
    x: float
    y: float
    value: float


class SurfacePublic(BaseModel):
    id: str
    name: str
    latex: str
    domain: DomainModel
    default_start: tuple[float, float]
    minima: list[MinimumPublic]
    description: str
    parameters: list[ParameterPublic]
    log_scale: bool = Field(
        description="whether the map opens on a log colour scale (values span decades)"
    )
