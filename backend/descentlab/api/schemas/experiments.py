"""Experiment requests: ``{kind, params?}``, one model per kind (a discriminated union)."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from descentlab.api.schemas.common import Point, StrictModel
from descentlab.core.experiments.train import NetworkSetup, check
from descentlab.core.nets.datasets import DATASETS
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


Width = Annotated[int, Field(ge=1, le=256)]
# Bounds the work of one training run: samples × epochs.
MAX_SAMPLE_EPOCHS = 200_000


class NetworkSetupParams(StrictModel):
    """A dataset, an MLP and how to train it (every field has a default)."""

    dataset: Annotated[str, Field(json_schema_extra={"enum": list(DATASETS)})] = "moons"
    n_samples: Annotated[int, Field(ge=20, le=4000)] = 400
    noise: Annotated[float, Field(ge=0, le=2)] = 0.2
    data_seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    widths: Annotated[tuple[Width, ...], Field(max_length=4)] = (16, 16)
    activation: Literal["relu", "tanh", "gelu", "sigmoid", "elu"] = "tanh"
    batch_norm: bool = False
    loss: Literal["cross_entropy", "softmax_mse", "mse"] = "cross_entropy"
    optimizer: OptimizerName = "adam"
    learning_rate: Annotated[float, Field(gt=0, le=10)] = 0.01
    batch_size: Annotated[int, Field(ge=1, le=4096)] = 32
    epochs: Annotated[int, Field(ge=1, le=500)] = 30
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0

    @model_validator(mode="after")
    def _consistent(self) -> "NetworkSetupParams":
        check(NetworkSetup(**self.model_dump()))  # ValueError: a 422 naming the problem
        if self.n_samples * self.epochs > MAX_SAMPLE_EPOCHS:
            raise ValueError(f"n_samples × epochs exceeds {MAX_SAMPLE_EPOCHS}")
        return self


class TrainRequest(StrictModel):
    kind: Literal["train"]
    params: NetworkSetupParams = Field(default_factory=NetworkSetupParams)


class HessianParamsModel(StrictModel):
    """A training setup, then how hard to look at the Hessian at the trained weights."""

    setup: NetworkSetupParams = Field(default_factory=NetworkSetupParams)
    top_k: Annotated[int, Field(ge=1, le=20)] = 5
    iterations: Annotated[int, Field(ge=8, le=200, description="Lanczos steps")] = 64
    probes: Annotated[int, Field(ge=1, le=64, description="random probes (trace, density)")] = 16


class HessianRequest(StrictModel):
    kind: Literal["hessian"]
    params: HessianParamsModel = Field(default_factory=HessianParamsModel)


class LandscapeParamsModel(StrictModel):
    """A training setup, then a 2-D slice of its training loss around the trained weights."""

    setup: NetworkSetupParams = Field(default_factory=NetworkSetupParams)
    directions: Literal["random", "pca"] = Field(
        "pca", description="filter-normalized random directions, or the trajectory's PCA plane"
    )
    resolution: Annotated[int, Field(ge=5, le=61)] = 31
    span: Annotated[float, Field(gt=0, le=10, description="random: α, β ∈ [−span, span]")] = 1.0
    margin: Annotated[float, Field(ge=0, le=2, description="PCA: widening of the path")] = 0.25


class LandscapeRequest(StrictModel):
    kind: Literal["landscape"]
    params: LandscapeParamsModel = Field(default_factory=LandscapeParamsModel)


ExperimentRequest = Annotated[
    LossComparisonRequest | TrainRequest | HessianRequest | LandscapeRequest,
    Field(discriminator="kind"),
]


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
    partial: Any = Field(
        None,
        description="while running, what there is to show so far (train: the curves and "
        "the latest decision boundary); null once finished",
    )
