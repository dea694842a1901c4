"""Hyperparameter maps: one run per cell of a grid over two hyperparameters."""

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from descentlab.api.schemas.common import Point, StrictModel
from descentlab.api.schemas.enums import AxisScaleName, MapMetricName
from descentlab.api.schemas.optimizers import OptimizerRequest
from descentlab.api.schemas.schedules import ScheduleRequest
from descentlab.api.schemas.surfaces import ExpressionSurface, SurfaceRef, program_of
from descentlab.api.schemas.trajectories import GradientNoise, Seed
from descentlab.core.hyperparameter_maps import (
    DEFAULT_TOLERANCE,
    MAX_AXIS_COUNT,
    MAX_MAP_WORK,
    MAX_TYPED_MAP_WORK,
    axis_parameters,
    map_work,
    tolerance_target,
    typed_map_work,
)
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.surfaces import SURFACES
from descentlab.core.trajectory import MAX_SWEEP_STEPS


class MapAxisRequest(StrictModel):
    param: str = Field(
        description="learning_rate or one of the optimizer's hyperparameters (its own name)"
    )
    min: float = Field(description="the first value, within the hyperparameter's bounds")
    max: float = Field(description="the last value, above min")
    count: Annotated[int, Field(ge=2, le=MAX_AXIS_COUNT)] = 64
    scale: AxisScaleName = Field("linear", description="log needs min > 0")


class MapRequest(StrictModel):
    surface: SurfaceRef
    start: Point
    steps: Annotated[int, Field(ge=1, le=MAX_SWEEP_STEPS)] = 500
    optimizer: OptimizerRequest = Field(
        description="the hyperparameters every cell shares; the two on the axes are ignored"
    )
    schedule: ScheduleRequest | None = Field(
        None, description="around each cell's learning rate (default constant)"
    )
    x: MapAxisRequest
    y: MapAxisRequest
    metric: MapMetricName = Field(
        "final_loss",
        description=(
            "what z holds: the loss after the last step, the mean loss over the steps, the "
            "first step within `tolerance` of the surface's lowest known minimum, or 1 where "
            "the run diverged (else 0)"
        ),
    )
    tolerance: Annotated[float, Field(gt=0.0, le=1e6)] = Field(
        DEFAULT_TOLERANCE,
        description="for steps_to_tolerance: how close to the minimum's value counts",
    )
    gradient_noise: GradientNoise = 0.0
    seed: Seed = 0

    @model_validator(mode="after")
    def _admissible(self) -> "MapRequest":
        spec = OPTIMIZERS[self.optimizer.model_dump()["name"]]
        parameters = axis_parameters(spec, self.x.param, self.y.param)
        for name, axis, p in (("x", self.x, parameters[0]), ("y", self.y, parameters[1])):
            if not p.lower <= axis.min < axis.max <= p.upper:
                raise ValueError(f"{name}: {axis.param} needs {p.lower} ≤ min < max ≤ {p.upper}")
            if axis.scale == "log" and axis.min <= 0:
                raise ValueError(f"{name}: a log axis needs min > 0")
        cells = self.x.count * self.y.count
        work = map_work(cells, self.steps)
        if work > MAX_MAP_WORK:
            raise ValueError(
                f"cells × steps = {work} (cells rounded up to the compiled batch) exceeds "
                f"{MAX_MAP_WORK}; use fewer cells or steps"
            )
        if isinstance(self.surface, ExpressionSurface):
            size = len(program_of(self.surface.expression).instructions)
            typed = typed_map_work(size, self.steps, cells)
            if typed > MAX_TYPED_MAP_WORK:
                raise ValueError(
                    f"a map of this typed surface ({size} instructions) × {self.steps} steps × "
                    f"{cells} cells is too much work ({typed} > {MAX_TYPED_MAP_WORK}); use "
                    "fewer steps or cells, or a shorter expression"
                )
        if self.metric == "steps_to_tolerance":
            self.target()  # ValueError (a 422) for a surface without a known minimum
        return self

    def target(self) -> float:
        """The loss ``steps_to_tolerance`` counts the steps to (see core's definition)."""
        if isinstance(self.surface, ExpressionSurface):
            return tolerance_target(None, self.tolerance)
        return tolerance_target(SURFACES[self.surface.id], self.tolerance)


class MapPublic(BaseModel):
    x: list[float] = Field(description="x.param's value in each column")
    y: list[float] = Field(description="y.param's value in each row")
    x_param: str
    y_param: str
    metric: MapMetricName
    steps: int
    z: list[list[float | None]] = Field(
        description=(
            "z[j][i] for x.values[i], y.values[j]: the metric; null where the run diverged "
            "(losses) or never came within the tolerance before it would have diverged "
            "(steps_to_tolerance)"
        )
    )
    diverged: list[list[bool]] = Field(
        description="diverged[j][i]: the run left the domain far behind or was not finite"
    )
