"""Shared building blocks: a strict base model, bounded finite numbers, points, domains."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from descentlab.core.base import Coordinate, Point

__all__ = ["Coordinate", "DomainModel", "IntervalPair", "Label", "Point", "StrictModel"]


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
