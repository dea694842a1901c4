"""Learning-rate sweeps for a fair race."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from descentlab.api.schemas.common import Label, Point, StrictModel
from descentlab.api.schemas.optimizers import OptimizerRequest
from descentlab.api.schemas.schedules import ScheduleRequest
from descentlab.api.schemas.surfaces import ExpressionSurface, SurfaceRef, program_of
from descentlab.api.schemas.trajectories import GradientNoise, Seed
from descentlab.core.sweep import MAX_TYPED_SWEEP_WORK, typed_sweep_work
from descentlab.core.trajectory import MAX_SWEEP_RATES as MAX_RATES
from descentlab.core.trajectory import MAX_SWEEP_STEPS

MAX_SWEEP_OPTIMIZERS = 16
# 8 optimizers × 64 rates × 500 steps is 256k; allow sixteen times that.
MAX_SWEEP_WORK = 4_194_304


class SweepCandidate(StrictModel):
    optimizer: OptimizerRequest = Field(description="its learning_rate is ignored: it is swept")
    schedule: ScheduleRequest | None = None
    label: Label | None = None


class RateRange(StrictModel):
    """Seven decades by default: Adam's or Adadelta's best rate is often near or above 1,
    and a best rate at the end of the range says nothing about the rates beyond it."""

    min: Annotated[float, Field(gt=0.0, le=1e3)] = 1e-5
    max: Annotated[float, Field(gt=0.0, le=1e3)] = 100.0
    count: Annotated[int, Field(ge=2, le=MAX_RATES)] = 64

    @model_validator(mode="after")
    def _ordered(self) -> "RateRange":
        if not self.min < self.max:
            raise ValueError("learning_rates.min must be below learning_rates.max")
        return self


class SweepRequest(StrictModel):
    surface: SurfaceRef
    start: Point
    steps: Annotated[int, Field(ge=1, le=MAX_SWEEP_STEPS)] = 500
    optimizers: Annotated[
        list[SweepCandidate], Field(min_length=1, max_length=MAX_SWEEP_OPTIMIZERS)
    ]
    learning_rates: RateRange = Field(default_factory=RateRange)
    metric: Literal["final", "mean"] = Field(
        "final", description="rank rates by the loss after the last step, or the mean over steps"
    )
    gradient_noise: GradientNoise = 0.0
    seed: Seed = 0

    @model_validator(mode="after")
    def _bounded_work(self) -> "SweepRequest":
        work = self.steps * self.learning_rates.count * len(self.optimizers)
        if work > MAX_SWEEP_WORK:
            raise ValueError(f"steps × rates × optimizers = {work} exceeds {MAX_SWEEP_WORK}")
        if isinstance(self.surface, ExpressionSurface):
            size = len(program_of(self.surface.expression).instructions)
            rates, optimizers = self.learning_rates.count, len(self.optimizers)
            typed = typed_sweep_work(size, self.steps, optimizers, rates)
            if typed > MAX_TYPED_SWEEP_WORK:
                raise ValueError(
                    f"a sweep of this typed surface ({size} instructions) × {self.steps} steps "
                    f"× {optimizers} optimizers × {rates} rates is too much work ({typed} > "
                    f"{MAX_TYPED_SWEEP_WORK}); use fewer steps, optimizers or rates, or a "
                    "shorter expression"
                )
        return self


class SweepResultPublic(BaseModel):
    label: str
    optimizer: str
    final_loss: list[float | None] = Field(description="per rate; null where the run diverged")
    mean_loss: list[float | None]
    diverged_at: list[int | None]
    best_learning_rate: float | None = Field(description="null when every rate diverged")
    best_loss: float | None


class SweepPublic(BaseModel):
    learning_rates: list[float]
    metric: str
    steps: int
    results: list[SweepResultPublic]
