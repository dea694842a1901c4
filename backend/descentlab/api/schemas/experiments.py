"""Experiment requests: ``{kind, params?}``, one model per kind (a discriminated union)."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from descentlab.api.schemas.common import Point, StrictModel
from descentlab.core.optimizers import OPTIMIZERS


def _known_optimizer(name: str) -> str:
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")
    return name


OptimizerName = Annotated[
    str, AfterValidator(_known_optimizer), Field(json_schema_extra={"enum": list(OPTIMIZERS)})
]


class LossComparisonParams(StrictModel):
    """Cross-entropy vs MSE over two logits (curriculum section 5)."""

    y3: Annotated[float, Field(ge=-50, le=10, description="the third logit, held fixed")] = -20.0
    start: Point = (-8.0, 8.0)
    optimizer: OptimizerName = "sgd"
    learning_rate: Annotated[float, Field(gt=0, le=100)] = 1.0
    steps: Annotated[int, Field(ge=1, le=5000)] = 300
    resolution: Annotated[int, Field(ge=8, le=256)] = 101


class LossComparisonRequest(StrictModel):
    kind: Literal["loss_comparison"]
    params: LossComparisonParams = Field(default_factory=LossComparisonParams)


ExperimentRequest = Annotated[LossComparisonRequest, Field(discriminator="kind")]


class ExperimentAccepted(BaseModel):
    id: str
    status: str


class ExperimentPublic(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float = Field(description="0…1")
    result: Any = Field(None, description="the experiment's output once done (Plotly-ready)")
    error: str | None = None
