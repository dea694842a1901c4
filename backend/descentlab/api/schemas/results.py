"""What each experiment kind answers: its ``result`` once done and, for training, its
``partial`` while it runs, as OpenAPI (so a generated client gets typed results).

The core builds these as plain dicts of numbers and arrays; a test runs every kind and
validates its real result against its model here (unknown keys refused), so the two
cannot drift apart. Numbers that came out non-finite (a diverged run) are sent as null.
"""

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, cast

from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model

from descentlab.api.schemas.enums import DirectionsName, JobStatus, TaskName
from descentlab.api.schemas.experiments import PARAMS_MODELS
from descentlab.core.experiments.registry import EXPERIMENTS

Number = float | None  # null: the value was not finite (a run that diverged)
Numbers = list[Number]
Grid = list[Numbers]  # z[j][i] for x[i], y[j]
Pair = list[float]  # a point (x, y)


def _setup_model(kind: str) -> Any:
    """The setup a kind echoes in its result: its request's own (nested) setup model."""
    return PARAMS_MODELS[kind].model_fields["setup"].annotation


# What results echo of their requests: the request models themselves.
TrainSetup: Any = PARAMS_MODELS["train"]
LossComparisonParams: Any = PARAMS_MODELS["loss_comparison"]
BatchSizeSetup: Any = _setup_model("batch_size")
MinimumRatioSetup: Any = _setup_model("minimum_ratio")
SkipConnectionsSetup: Any = _setup_model("skip_connections")


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HistoryOut(Out):
    """Per-epoch curves (epoch 0: before training)."""

    epoch: list[int]
    train_loss: Numbers
    test_loss: Numbers
    batch_loss: Numbers
    train_accuracy: Numbers | None = Field(None, description="classification only")
    test_accuracy: Numbers | None = Field(None, description="classification only")


class DataOut(Out):
    x_train: list[Numbers]
    y_train: Numbers
    x_test: list[Numbers]
    y_test: Numbers
    task: TaskName
    n_classes: int


class BoundaryOut(Out):
    """The model's output over the input plane at each kept epoch: z[epoch][j][i] is a
    number (regression) or the class probabilities at (x[i], y[j])."""

    x: Numbers
    y: Numbers
    epochs: list[int]
    z: list[list[list[Number | Numbers]]]


class TrainResult(Out):
    setup: TrainSetup
    parameters: int
    batch_size: int = Field(description="samples per update as run")
    steps_per_epoch: int
    history: HistoryOut
    data: DataOut
    boundary: BoundaryOut | None = Field(None, description="2-D data only")


class LiveBoundaryOut(Out):
    x: Numbers
    y: Numbers
    epoch: int
    z: list[list[Number | Numbers]]


class TrainPartial(Out):
    """While training: the curves so far and the latest boundary (2-D data)."""

    history: HistoryOut
    boundary: LiveBoundaryOut | None = None


class GridOut(Out):
    x: Numbers
    y: Numbers
    z: Grid


class RunOut(Out):
    points: list[Pair | list[Number]]
    loss: Numbers
    grad_norm: Numbers
    diverged_at: int | None


class LossSurfaceOut(Out):
    surface: str
    grid: GridOut
    run: RunOut


class LossComparisonResult(Out):
    params: LossComparisonParams
    losses: dict[str, LossSurfaceOut] = Field(description="by loss: cross_entropy, mse")


class TraceOut(Out):
    estimate: Number
    standard_error: Number


class DensityOut(Out):
    x: Numbers
    y: Numbers


class MinimumRatioOut(Out):
    ratio: Number
    positive: int
    negative: int
    near_zero: int
    total: int
    tolerance: float


class LayerCurvatureOut(Out):
    """One layer's own block of the Hessian (the other layers held fixed)."""

    layer: str
    parameters: int
    top_eigenvalue: Number
    trace: TraceOut


class EigenvectorSlicesOut(Out):
    """The loss at θ + αv for a unit v: the top eigenvector, and a random direction."""

    x: Numbers
    top_eigenvector: Numbers
    random: Numbers


class HessianResult(Out):
    parameters: int
    train_loss: Number
    gradient_norm: Number
    top_eigenvalues: Numbers
    most_negative_eigenvalue: Number
    trace: TraceOut
    density: DensityOut
    history: HistoryOut
    spectrum: Numbers | None = Field(None, description="every eigenvalue (small networks)")
    minimum_ratio: MinimumRatioOut | None = Field(None, description="with the spectrum")
    eigenvector_slices: EigenvectorSlicesOut
    per_layer: list[LayerCurvatureOut] | None = Field(None, description="when asked for")


class CentreOut(Out):
    """The slice's centre read from the grid and computed directly: they must agree."""

    grid: Number
    direct: Number
    matches: bool


class LandscapeResult(Out):
    directions: DirectionsName
    path: list[list[Number]] | None = Field(None, description="PCA: the training path")
    path_epochs: list[int] | None = None
    explained_variance_ratio: Numbers | None = None
    path_captured: Number | None = None
    eigenvalues: Numbers | None = Field(None, description="hessian: the two directions' λ")
    x: Numbers
    y: Numbers
    z: Grid
    centre: CentreOut


class BatchRunOut(Out):
    batch_size: int
    steps_per_epoch: int
    seconds_per_update: Number
    seconds_per_epoch: Number
    train_loss: Number
    test_loss: Number
    train_accuracy: Number = None
    test_accuracy: Number = None
    sharpness: Number
    top_eigenvalues: Numbers
    gradient_noise: Number
    gradient_norm: Number
    weight_norm: Number
    history: HistoryOut


class InterpolationOut(Out):
    small_batch: int
    large_batch: int
    x: Numbers
    train: Numbers
    test: Numbers


class SliceOut(Out):
    batch_size: int
    x: Numbers
    train: Numbers
    test: Numbers


class ComparisonOut(Out):
    small_batch: int
    large_batch: int
    orders: dict[str, int] = Field(
        description="per measure: 1 where the small batch's is larger, -1 smaller, 0 equal"
    )


class BatchSizeResult(Out):
    device: str
    n_train: int
    batch_sizes: list[int]
    runs: list[BatchRunOut]
    interpolation: InterpolationOut
    slices: list[SliceOut]
    comparison: ComparisonOut
    setup: BatchSizeSetup


class LinearCaseOut(Out):
    name: str
    eigenvalues: Numbers
    condition_number: Number
    minimum: Numbers
    minimum_loss: Number
    surface: GridOut
    path: list[list[Number]]
    loss: Numbers
    diverged_at: int | None
    final_loss: Number


class LinearOut(Out):
    feature_scales: Numbers
    learning_rate: float
    optimizer: str
    steps: int
    start: Numbers
    cases: list[LinearCaseOut]


class NormalizationRunOut(Out):
    batch_norm: bool
    learning_rate: float
    history: HistoryOut
    train_loss: Number
    test_loss: Number
    train_accuracy: Number = None
    test_accuracy: Number = None
    sharpness: Number
    sharpness_eval: Number
    diverged: bool


class NormalizationSliceOut(Out):
    batch_norm: bool
    learning_rate: float
    x: Numbers
    y: Numbers
    z: Grid
    centre: CentreOut


class BatchNormOut(Out):
    optimizer: str
    learning_rates: Numbers
    slice_learning_rate: float
    runs: list[NormalizationRunOut]
    slices: list[NormalizationSliceOut]


class NormalizationResult(Out):
    linear: LinearOut
    batch_norm: BatchNormOut


class CriticalPointOut(Out):
    seed: int
    widths: list[int]
    parameters: int
    epochs_trained: int
    train_loss: Number
    gradient_norm: Number
    converged: bool
    loss_before_polish: Number
    polish_distance: Number
    polish_steps: int
    minimum_ratio: Number
    positive: int
    negative: int
    near_zero: int


class ScatterOut(Out):
    x: Numbers
    y: Numbers
    text: list[str]
    converged: list[bool]


class RatioSummaryOut(Out):
    networks: int
    converged: int
    mean_ratio: Number
    median_ratio: Number
    reached_one: int


class MinimumRatioResult(Out):
    networks: list[CriticalPointOut]
    scatter: ScatterOut
    summary: RatioSummaryOut
    setup: MinimumRatioSetup


class SliceMeasuresOut(Out):
    """How smooth one slice is (``landscape.slice_shape``) and the Hessian at its centre."""

    negative_curvature: Number = Field(
        description="mean over the slice of max(0, −λ₂)/max(|λ₁|, |λ₂|), the slice's own "
        "principal curvatures: 0 convex, 1 as much down as up"
    )
    nonconvex_share: Number = Field(description="share of the slice curving down somewhere")
    local_minima: int = Field(description="grid points below all eight neighbours")
    sharpness: Number = Field(description="the top Hessian eigenvalue at the trained weights")
    lowest_eigenvalue: Number = Field(description="the most negative one there (Lanczos)")
    centre_ratio: Number = Field(description="|λmin/λmax| at the trained weights (Li et al.)")


class SkipNetworkOut(Out):
    seed: int
    skip_connections: bool
    parameters: int
    train_loss: Number
    test_accuracy: Number
    history: HistoryOut
    x: Numbers
    y: Numbers
    z: Grid
    centre: CentreOut
    measures: SliceMeasuresOut


class SkipComparisonOut(Out):
    """One measure for both variants, seed by seed (smaller is smoother for each)."""

    measure: str
    with_skips: Numbers
    without_skips: Numbers
    lower_with_skips: int = Field(description="seeds in which the network with skips was lower")
    seeds: int


class SkipConnectionsResult(Out):
    slice_samples: int = Field(description="training samples each slice's loss averages")
    z_range: list[Number] = Field(description="the lowest and highest loss of all slices")
    networks: list[SkipNetworkOut]
    comparison: list[SkipComparisonOut]
    setup: SkipConnectionsSetup


# Each kind's result, and what it shows while running (None: only its progress).
RESULTS: dict[str, tuple[type[BaseModel], type[BaseModel] | None]] = {
    "loss_comparison": (LossComparisonResult, None),
    "train": (TrainResult, TrainPartial),
    "hessian": (HessianResult, None),
    "landscape": (LandscapeResult, None),
    "batch_size": (BatchSizeResult, None),
    "normalization": (NormalizationResult, None),
    "minimum_ratio": (MinimumRatioResult, None),
    "skip_connections": (SkipConnectionsResult, None),
}


class ExperimentJob(BaseModel):
    """A job as every kind has it; each kind's own model adds its typed result."""

    id: str
    status: JobStatus
    progress: float = Field(description="0…1")
    error: str | None = None


def _job_model(kind: str) -> type[BaseModel]:
    result, partial = RESULTS[kind]
    title = "".join(part.title() for part in kind.split("_"))
    return create_model(
        f"{title}Experiment",
        __base__=ExperimentJob,
        __doc__=f"A {kind} job: ``result`` once done"
        + (", ``partial`` while it runs" if partial else ""),
        kind=(cast(Any, Literal)[kind], ...),
        result=(
            cast(Any, result | None),
            Field(None, description="the output once done, else null"),
        ),
        partial=(
            cast(Any, (partial | None) if partial else type(None)),
            Field(None, description="what there is to show so far; null once finished"),
        ),
    )


JOB_MODELS = {kind: _job_model(kind) for kind in EXPERIMENTS}

if TYPE_CHECKING:
    ExperimentPublic = RootModel[Any]
else:

    class ExperimentPublic(
        RootModel[
            Annotated[Union[tuple(JOB_MODELS.values())], Field(discriminator="kind")]  # noqa: UP007
        ]
    ):
        """An experiment job, its result typed by its kind."""
