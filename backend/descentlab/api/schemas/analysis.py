"""Reading a surface at one point."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from descentlab.api.schemas.common import Point, StrictModel
from descentlab.api.schemas.surfaces import SurfaceRef

Tolerance = Annotated[float, Field(gt=0.0, le=1e6)]


class AnalyzeRequest(StrictModel):
    surface: SurfaceRef
    point: Point
    gradient_tolerance: Tolerance | None = Field(
        None, description="‖g‖ below this is critical (default: 1e-6 × the surface's scale)"
    )
    eigenvalue_tolerance: Tolerance | None = Field(
        None, description="|λ| below this counts as zero (default: 1e-6 × curvature scale)"
    )


class TaylorPublic(BaseModel):
    center: tuple[float, float]
    value: float
    gradient: tuple[float, float]
    hessian: tuple[tuple[float, float], tuple[float, float]]
    polynomial: list[float] = Field(
        description="q(x, y) = c₀ + c₁x + c₂y + c₃x² + c₄xy + c₅y², absolute coordinates"
    )


class AnalysisPublic(BaseModel):
    point: tuple[float, float]
    value: float | None
    gradient: tuple[float | None, float | None]
    gradient_norm: float | None
    hessian: list[list[float | None]]
    eigenvalues: list[float | None] = Field(description="ascending")
    eigenvectors: list[list[float | None]] = Field(description="unit vectors, one per eigenvalue")
    critical: bool
    kind: Literal["minimum", "maximum", "saddle", "inconclusive", "not_critical"]
    escape_direction: tuple[float, float] | None = Field(
        description="unit eigenvector of the most negative eigenvalue, when there is one"
    )
    gradient_tolerance: float
    eigenvalue_tolerance: float
    taylor: TaylorPublic
