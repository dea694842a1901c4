"""Trajectory races: several runs from their starts across one surface."""

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from descentlab.api.schemas.common import Label, Point, StrictModel
from descentlab.api.schemas.optimizers import OptimizerRequest
from descentlab.api.schemas.schedules import ScheduleRequest
from descentlab.api.schemas.surfaces import SurfaceRef
from descentlab.core.trajectory import MAX_STEPS

MAX_RUNS = 16
# Bounds the work (and the response size) of one request: steps × runs.
MAX_TOTAL_STEPS = 100_000

GradientNoise = Annotated[
    float,
    Field(
        ge=0.0,
        le=1e4,
        description="σ of Gaussian noise added to every gradient, to emulate minibatches",
    ),
]
Seed = Annotated[int, Field(ge=0, le=2**32 - 1, description="seed of the gradient noise")]


class RunRequest(StrictModel):
    optimizer: OptimizerRequest
    schedule: ScheduleRequest | None = Field(
        None, description="learning-rate schedule around optimizer.learning_rate (default constant)"
    )
    start: Point
    gradient_noise: GradientNoise = 0.0
    seed: Seed = 0
    label: Label | None = Field(None, description="defaults to the optimizer's name")


class TrajectoryRequest(StrictModel):
    surface: SurfaceRef
    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)] = 500
    runs: Annotated[list[RunRequest], Field(min_length=1, max_length=MAX_RUNS)]

    @model_validator(mode="after")
    def _bounded_work(self) -> "TrajectoryRequest":
        total = self.steps * len(self.runs)
        if total > MAX_TOTAL_STEPS:
            raise ValueError(
                f"steps × runs = {total} exceeds {MAX_TOTAL_STEPS}; use fewer steps or runs"
            )
        return self


class RunPublic(BaseModel):
    label: str
    optimizer: str
    points: list[tuple[float, float]] = Field(
        description="steps + 1 points from the start (fewer when the run diverged)"
    )
    loss: list[float]
    gradient: list[tuple[float, float]]
    grad_norm: list[float]
    learning_rate: list[float] = Field(
        description="η_t of update t (from points[t] to points[t+1]): len(points) − 1 entries"
    )
    state: dict[str, list[tuple[float, float]]] = Field(
        description=(
            "optimizer state after update t, per parameter: 'momentum' (the direction "
            "the optimizer moves along, before η/σ), 'sigma' (σᵢ in θᵢ ← θᵢ − η·mᵢ/σᵢ), "
            "'sampled_gradient' (the noisy gradient used, when gradient_noise > 0)"
        )
    )
    diverged_at: int | None = Field(
        description="first step whose point left the domain far behind or was not finite"
    )
    eigen_components: list[tuple[float, float]] | None = Field(
        description=(
            "on a quadratic surface, per point the loss above the stationary point split by "
            "eigendirection, ½λᵢ(uᵢ·(θ − θ*))² in the order of quadratic.eigenvalues (each "
            "row sums to loss − quadratic.value); null on any other surface"
        )
    )


class QuadraticPublic(BaseModel):
    """The surface as f(θ) = value + ½(θ − minimum)ᵀH(θ − minimum): checked, not assumed."""

    minimum: tuple[float, float] = Field(description="θ*, where the gradient is zero")
    value: float
    eigenvalues: tuple[float, float] = Field(description="of the Hessian, ascending")
    eigenvectors: list[tuple[float, float]] = Field(description="unit rows, as eigenvalues")


class TrajectoryPublic(BaseModel):
    steps: int
    runs: list[RunPublic]
    quadratic: QuadraticPublic | None = Field(
        description="the surface in its eigenbasis when it is quadratic; null otherwise"
    )
