"""Experiment requests: ``{kind, params?}``, one model per kind (a discriminated union)."""

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, Field, model_validator

from descentlab.api.schemas.common import Point, StrictModel
from descentlab.core.experiments.batch_size import BatchSizeParams
from descentlab.core.experiments.batch_size import check_params as check_batch_size_params
from descentlab.core.experiments.minimum_ratio import MinimumRatioParams
from descentlab.core.experiments.minimum_ratio import check_params as check_minimum_ratio_params
from descentlab.core.experiments.normalization import NormalizationParams
from descentlab.core.experiments.normalization import check_params as check_normalization_params
from descentlab.core.experiments.train import NetworkSetup, check, load_dataset, model_for
from descentlab.core.nets.datasets import DATASETS
from descentlab.core.nets.models import count_params
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


Core = TypeVar("Core")


def with_setup(core: Callable[..., Core], model: BaseModel) -> Core:
    """Request params with a nested training ``setup`` → the core's parameter object."""
    values = model.model_dump()
    return core(**{**values, "setup": NetworkSetup(**values["setup"])})


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


def _check_top_k(top_k: int, iterations: int, setup: "NetworkSetupParams") -> None:
    """Lanczos finds at most as many eigenvalues as it takes steps, and it takes at most
    as many steps as the network has parameters."""
    if top_k > iterations:
        raise ValueError(f"top_k ({top_k}) must not exceed iterations ({iterations})")
    core = NetworkSetup(**setup.model_dump())
    parameters = count_params(model_for(core, load_dataset(core)))
    if top_k > parameters:
        raise ValueError(f"top_k ({top_k}) must not exceed the network's {parameters} parameters")


class TrainRequest(StrictModel):
    kind: Literal["train"]
    params: NetworkSetupParams = Field(default_factory=NetworkSetupParams)


class HessianParamsModel(StrictModel):
    """A training setup, then how hard to look at the Hessian at the trained weights."""

    setup: NetworkSetupParams = Field(default_factory=NetworkSetupParams)
    top_k: Annotated[int, Field(ge=1, le=20)] = 5
    iterations: Annotated[int, Field(ge=8, le=200, description="Lanczos steps")] = 64
    # Two at least: the trace's standard error is a spread over probes.
    probes: Annotated[int, Field(ge=2, le=64, description="random probes (trace, density)")] = 16

    @model_validator(mode="after")
    def _top_k_within_the_steps(self) -> "HessianParamsModel":
        _check_top_k(self.top_k, self.iterations, self.setup)
        return self


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


class BatchSizeSetupParams(NetworkSetupParams):
    """The batch-size experiment's training setup: plain SGD on noisy moons by default."""

    noise: Annotated[float, Field(ge=0, le=2)] = 0.3
    optimizer: OptimizerName = "sgd"
    learning_rate: Annotated[float, Field(gt=0, le=10)] = 0.1
    batch_size: Annotated[int, Field(ge=1, le=4096, description="ignored: see batch_sizes")] = 32


BatchSize = Annotated[int, Field(ge=0, le=4096, description="1, 2, 4, …, 4096, or 0 = full")]


class BatchSizeParamsModel(StrictModel):
    """Small vs large batch: the same network trained at each batch size (section 2)."""

    setup: BatchSizeSetupParams = Field(default_factory=BatchSizeSetupParams)
    batch_sizes: Annotated[tuple[BatchSize, ...], Field(min_length=2, max_length=8)] = (
        1,
        8,
        64,
        0,
    )
    top_k: Annotated[int, Field(ge=1, le=10)] = 1
    iterations: Annotated[int, Field(ge=8, le=200, description="Lanczos steps")] = 32
    resolution: Annotated[int, Field(ge=5, le=201, description="points on each 1-D curve")] = 41
    span: Annotated[float, Field(gt=0, le=10)] = 1.0
    timing_repeats: Annotated[int, Field(ge=1, le=20)] = 5

    @model_validator(mode="after")
    def _valid(self) -> "BatchSizeParamsModel":
        _check_top_k(self.top_k, self.iterations, self.setup)
        check_batch_size_params(
            with_setup(BatchSizeParams, self)
        )  # ValueError: a 422 naming the problem
        epochs, samples = self.setup.epochs, self.setup.n_samples
        if samples * epochs * len(self.batch_sizes) > MAX_SAMPLE_EPOCHS:
            raise ValueError(f"n_samples × epochs × batch sizes exceeds {MAX_SAMPLE_EPOCHS}")
        return self


class BatchSizeRequest(StrictModel):
    kind: Literal["batch_size"]
    params: BatchSizeParamsModel = Field(default_factory=BatchSizeParamsModel)


class NormalizationSetupParams(NetworkSetupParams):
    """The batch-norm half's network: ReLU and plain SGD by default (η is set per run)."""

    activation: Literal["relu", "tanh", "gelu", "sigmoid", "elu"] = "relu"
    optimizer: OptimizerName = "sgd"


Rate = Annotated[float, Field(gt=0, le=100)]


class NormalizationParamsModel(StrictModel):
    """Feature scaling on a linear model, and batch norm in an MLP (section 6)."""

    feature_scale: Annotated[
        float, Field(ge=1e-3, le=1e3, description="ratio of the two features' spreads")
    ] = 10.0
    target_weights: tuple[
        Annotated[float, Field(ge=-100, le=100)], Annotated[float, Field(ge=-100, le=100)]
    ] = (1.0, 3.0)
    samples: Annotated[int, Field(ge=3, le=4000)] = 200
    noise: Annotated[float, Field(ge=0, le=10)] = 0.5
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    optimizer: OptimizerName = "sgd"
    learning_rate: Rate | None = Field(
        None, description="the linear runs' η; null: 1.9 / λ_max of the scaled problem"
    )
    steps: Annotated[int, Field(ge=1, le=5000)] = 100
    start: Point = (0.0, 0.0)
    resolution: Annotated[int, Field(ge=8, le=201)] = 61
    setup: NormalizationSetupParams = Field(default_factory=NormalizationSetupParams)
    learning_rates: Annotated[tuple[Rate, ...], Field(min_length=1, max_length=5)] = (
        0.1,
        1.0,
        3.0,
    )
    slice_learning_rate: Rate | None = Field(None, description="null: the middle rate")
    slice_resolution: Annotated[int, Field(ge=5, le=61)] = 21
    span: Annotated[float, Field(gt=0, le=10)] = 1.0
    iterations: Annotated[int, Field(ge=8, le=200, description="Lanczos steps")] = 30

    @model_validator(mode="after")
    def _valid(self) -> "NormalizationParamsModel":
        check_normalization_params(with_setup(NormalizationParams, self))  # ValueError: a 422
        runs = 2 * (len(self.learning_rates) + 1)  # with and without BN, plus the slice's
        if self.setup.n_samples * self.setup.epochs * runs > 4 * MAX_SAMPLE_EPOCHS:
            raise ValueError(f"n_samples × epochs × runs exceeds {4 * MAX_SAMPLE_EPOCHS}")
        return self


class NormalizationRequest(StrictModel):
    kind: Literal["normalization"]
    params: NormalizationParamsModel = Field(default_factory=NormalizationParamsModel)


class MinimumRatioSetupParams(NetworkSetupParams):
    """How each network is trained before polishing (its ``widths`` are not used)."""

    n_samples: Annotated[int, Field(ge=20, le=1000)] = 200
    learning_rate: Annotated[float, Field(gt=0, le=10)] = 0.03
    epochs: Annotated[int, Field(ge=1, le=500)] = 100


SmallWidth = Annotated[int, Field(ge=1, le=32)]


class MinimumRatioParamsModel(StrictModel):
    """Many small networks polished to critical points, each one's full spectrum (section 1)."""

    setup: MinimumRatioSetupParams = Field(default_factory=MinimumRatioSetupParams)
    widths: Annotated[
        tuple[Annotated[tuple[SmallWidth, ...], Field(min_length=1, max_length=3)], ...],
        Field(min_length=1, max_length=6, description="architectures (hidden widths)"),
    ] = ((4,), (6,), (4, 4))
    seeds: Annotated[int, Field(ge=1, le=16, description="networks per architecture")] = 8
    polish_steps: Annotated[int, Field(ge=0, le=1000, description="Newton-type steps")] = 300
    weight_decay: Annotated[
        float, Field(ge=0, le=1, description="α in F = L + α/2‖θ‖², the polished objective")
    ] = 3e-3

    @model_validator(mode="after")
    def _valid(self) -> "MinimumRatioParamsModel":
        check_minimum_ratio_params(with_setup(MinimumRatioParams, self))  # ValueError: a 422
        return self


class MinimumRatioRequest(StrictModel):
    kind: Literal["minimum_ratio"]
    params: MinimumRatioParamsModel = Field(default_factory=MinimumRatioParamsModel)


ExperimentRequest = Annotated[
    LossComparisonRequest
    | TrainRequest
    | HessianRequest
    | LandscapeRequest
    | BatchSizeRequest
    | NormalizationRequest
    | MinimumRatioRequest,
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
