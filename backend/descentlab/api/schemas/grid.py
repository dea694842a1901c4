"""Surface values on a grid, in Plotly's layout."""

from typing import Annotated

from pydantic import BaseModel, Field

from descentlab.api.schemas.common import DomainModel, StrictModel
from descentlab.api.schemas.surfaces import SurfaceRef
from descentlab.core.grid import LAB_RESOLUTION, MAX_RESOLUTION


class GridRequest(StrictModel):
    surface: SurfaceRef
    resolution: Annotated[int, Field(ge=2, le=MAX_RESOLUTION)] = LAB_RESOLUTION
    domain: DomainModel | None = Field(None, description="defaults to the surface's domain")
    gradients: bool = Field(False, description="also return ∂f/∂x and ∂f/∂y on the grid")


class GridPublic(BaseModel):
    x: list[float]
    y: list[float]
    z: list[list[float | None]] = Field(description="z[j][i] = f(x[i], y[j]); null if not finite")
    dz_dx: list[list[float | None]] | None = None
    dz_dy: list[list[float | None]] | None = None
