"""Shared building blocks: a strict base model, bounded finite numbers, points, domains."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from descentlab.core.base import Coordinate, Parameter, Point

__all__ = ["Coordinate", "DomainModel", "IntervalPair", "Label", "ParameterPublic", "Point"]
__all__ += ["StrictModel", "parameter_field"]


class StrictModel(BaseModel):
    """Unknown fields and non-finite numbers (NaN, ±Infinity, 1e400) are 422s."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


Label = Annotated[str, Field(max_length=64)]

IntervalPair = Annotated[tuple[Coordinate, Coordinate], Field(description="[lo, hi] with lo < hi")]


class DomainModel(StrictModel):
    """A rectangle: ``{"x": [lo, hi], "y": [lo, hi]}``."""

    x: IntervalPair
    y: IntervalPair

    @model_validator(mode="after")
    def _ordered(self) -> "DomainModel":
        for axis, (lo, hi) in (("x", self.x), ("y", self.y)):
            if not lo < hi:
                raise ValueError(f"domain.{axis} must be [lo, hi] with lo < hi")
        return self

    def as_tuple(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return (self.x, self.y)


def parameter_field(p: Parameter) -> Any:
    """A request model's field for a table's parameter: its default, bounds and meaning."""
    return (
        int if p.integer else float,
        Field(
            p.default,
            ge=p.lower,
            le=p.upper,
            description=p.description,
            json_schema_extra={"x-log-scale": p.log_scale},
        ),
    )


class ParameterPublic(BaseModel):
    """A table's parameter as the lab's sliders read it (``core.base.Parameter``)."""

    name: str
    default: float
    lower: float
    upper: float
    description: str
    log_scale: bool
    integer: bool
