"""Train one small network and record what the lab draws (the ``train`` experiment).

Also the setup the other network experiments share: which dataset, which model, which
loss and optimizer, checked for consistency before anything runs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import jax.numpy as jnp
from annotated_types import Ge, Gt, Le, MaxLen, MinLen, MultipleOf
from jax import Array
from jax.tree_util import Partial
from jax.typing import ArrayLike

from descentlab.core.base import Doc, OneOf, Result
from descentlab.core.experiments import Progress
from descentlab.core.nets.datasets import (
    DATASETS,
    FEATURES,
    FIXED_SIZE,
    IMAGE_DATASETS,
    PLANE_FEATURES,
    Dataset,
    with_features,
)
from descentlab.core.nets.models import (
    LOSSES,
    Activation,
    ConvSpec,
    LossName,
    MLPSpec,
    ModelSpec,
    Regularization,
    count_params,
    penalty_rates,
)
from descentlab.core.nets.network_losses import flat_loss
from descentlab.core.nets.training import Preview, TrainingRun, TrainResult, train
from descentlab.core.nets.uploads import MAX_ROWS, UPLOAD_ID, UPLOADS, UnknownUploadError
from descentlab.core.optimizers import OPTIMIZERS, OptimizerName, get_optimizer
from descentlab.core.precision import require_engine_precision

# Bounds the work of one training run: samples × epochs.
MAX_SAMPLE_EPOCHS = 200_000

Seed = Annotated[int, Ge(0), Le(2**31 - 1)]
SampleCount = Annotated[int, Ge(20), Le(MAX_ROWS)]
Noise = Annotated[float, Ge(0), Le(2)]
TestFraction = Annotated[float, Ge(0.1), Le(0.9)]
Width = Annotated[int, Ge(1), Le(256)]
Architecture = Literal["mlp", "cnn"]
# A ResNet-style network's weight layers: the stem, two per block, the dense layer (even).
Depth = Annotated[int, Ge(4), Le(20), MultipleOf(2)]
Rate = Annotated[float, Gt(0), Le(10)]
# A batch size: a number of samples, or "full" for the whole training set (one update per
# epoch: gradient descent), whatever its size.
FULL_BATCH: Literal["full"] = "full"
BatchSize = Annotated[int, Ge(1), Le(4096)] | Literal["full"]
FeatureName = Annotated[str, OneOf(tuple(FEATURES), name="Feature")]


@dataclass(frozen=True)
class NetworkSetup:
    """A dataset, a network and how to train it; defaults finish in seconds on 2 cores.

    ``architecture`` "mlp" uses ``widths`` (and may use batch norm); "cnn", for image data
    (``digits``), is ``models.ConvSpec``: ``depth`` weight layers of ``channels`` channels,
    with or without ``skip_connections``.
    """

    dataset: Annotated[
        str,
        OneOf(tuple(DATASETS), pattern=UPLOAD_ID, name="Dataset"),
        Doc("a dataset's name, or the id of an uploaded CSV (POST /api/datasets)"),
    ] = "moons"
    n_samples: SampleCount = 400
    noise: Noise = 0.2
    data_seed: Seed = 0
    test_fraction: Annotated[
        TestFraction,
        Doc("the share held out as test data (an upload keeps the split it was uploaded with)"),
    ] = 0.25
    features: Annotated[
        tuple[FeatureName, ...],
        MinLen(1),
        MaxLen(len(FEATURES)),
        Doc("what the network reads of each 2-D point (x1, x2: the point itself)"),
    ] = PLANE_FEATURES
    architecture: Annotated[
        Architecture, Doc("a multi-layer perceptron, or a ResNet-style convolutional network")
    ] = "mlp"
    widths: Annotated[tuple[Width, ...], MaxLen(4), Doc("hidden layers' widths")] = (16, 16)
    depth: Annotated[Depth, Doc("cnn: weight layers (stem, two per block, dense)")] = 8
    channels: Annotated[int, Ge(2), Le(32), Doc("cnn: channels of every convolution")] = 8
    skip_connections: Annotated[bool, Doc("cnn: each block adds its input to its output")] = True
    activation: Activation = "tanh"
    batch_norm: bool = False
    loss: LossName = "cross_entropy"
    optimizer: OptimizerName = "adam"
    learning_rate: Rate = 0.01
    regularization: Annotated[
        Regularization, Doc("a penalty on the weights: l1 rate·Σ|w|, l2 rate/2·Σw²")
    ] = "none"
    regularization_rate: Annotated[float, Ge(0), Le(10), Doc("the penalty's rate λ")] = 0.001
    batch_size: BatchSize = 32
    epochs: Annotated[int, Ge(1), Le(500)] = 30
    seed: Annotated[int, Ge(0), Le(2**31 - 1), Doc("the initial weights' seed")] = 0


def is_upload(name: str) -> bool:
    return OneOf((), pattern=UPLOAD_ID).admits(name)


def load_dataset(setup: NetworkSetup) -> Dataset:
    """The setup's data: an upload as it was parsed; a generated one from its settings."""
    if is_upload(setup.dataset):
        try:
            return with_features(UPLOADS.get(setup.dataset), setup.features)
        except UnknownUploadError as unknown:
            raise ValueError(str(unknown)) from None
    make = DATASETS[setup.dataset]
    split = {"test_fraction": setup.test_fraction, "seed": setup.data_seed}
    if setup.dataset in FIXED_SIZE:
        dataset = make(**split)
    else:
        dataset = make(n_samples=setup.n_samples, noise=setup.noise, **split)
    return with_features(dataset, setup.features)


def sample_count(setup: NetworkSetup) -> int:
    """How many samples the setup's data has: ``n_samples``, unless the data is real (iris,
    an upload) and its size is what it is. The checks bound work with this number."""
    if is_upload(setup.dataset) or setup.dataset in FIXED_SIZE:
        dataset = load_dataset(setup)
        return int(dataset.x_train.shape[0] + dataset.x_test.shape[0])
    return setup.n_samples


def check(setup: NetworkSetup) -> None:
    """Raise ValueError when the parts do not fit together (told to the user as a 422)."""
    if not (setup.dataset in DATASETS or is_upload(setup.dataset)):
        raise ValueError(f"unknown dataset {setup.dataset!r}; known: {', '.join(DATASETS)}")
    if setup.loss not in LOSSES:
        raise ValueError(f"unknown loss {setup.loss!r}; known: {', '.join(LOSSES)}")
    task = (
        load_dataset(setup).task
        if is_upload(setup.dataset)
        else ("regression" if setup.dataset == "regression" else "classification")
    )
    if LOSSES[setup.loss].task != task:
        raise ValueError(f"loss {setup.loss!r} does not fit the {task} dataset {setup.dataset!r}")
    if setup.architecture == "cnn":
        if load_dataset(setup).image_shape is None:
            images = ", ".join(name for name in DATASETS if name in IMAGE_DATASETS)
            raise ValueError(
                f"a convolutional network needs images; {setup.dataset!r} is a table "
                f"(image datasets: {images})"
            )
        if setup.batch_norm:
            raise ValueError("batch_norm is offered for the mlp architecture only")
    if setup.features != PLANE_FEATURES:
        load_dataset(setup)  # the features' own check: 2-D points, no repeats
    if setup.optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {setup.optimizer!r}; known: {', '.join(OPTIMIZERS)}")
    samples = sample_count(setup)
    if samples * setup.epochs > MAX_SAMPLE_EPOCHS:
        raise ValueError(
            f"samples ({samples}) × epochs ({setup.epochs}) exceeds {MAX_SAMPLE_EPOCHS}"
        )


def samples_per_batch(batch_size: int | str, n_train: int) -> int:
    """How many samples one update takes: ``FULL_BATCH`` and sizes past the set are all."""
    return n_train if batch_size == FULL_BATCH else min(int(batch_size), n_train)


def setup_penalty(setup: NetworkSetup) -> tuple[float, float]:
    """The setup's ``[λ₁, λ₂]`` (``models.weight_penalty``)."""
    l1, l2 = penalty_rates(setup.regularization, setup.regularization_rate).tolist()
    return l1, l2


def penalty_array(setup: NetworkSetup) -> Array | None:
    """The setup's ``[λ₁, λ₂]`` as the losses take it, or None without a penalty (so an
    unregularized loss runs the programs it always ran)."""
    if setup.regularization == "none" or setup.regularization_rate == 0:
        return None
    return jnp.asarray(setup_penalty(setup), dtype=jnp.float32)


def objective_data(setup: NetworkSetup, batch_stats: Any, x: ArrayLike, y: ArrayLike) -> tuple:
    """``network_loss``'s data for the objective the setup trains on (the penalty with it)."""
    penalty = penalty_array(setup)
    data = (batch_stats, jnp.asarray(x), jnp.asarray(y))
    return data if penalty is None else (*data, penalty)


def flat_objective(
    spec: ModelSpec, setup: NetworkSetup, batch_stats: Any, x: ArrayLike, y: ArrayLike
) -> Partial:
    """``flat_loss`` bound to the data (and the penalty): the Hessian's loss of θ."""
    penalty = penalty_array(setup)
    bound = flat_loss(spec, setup.loss)
    if penalty is None:
        return Partial(bound, batch_stats, x, y)
    return Partial(bound, batch_stats, x, y, penalty=penalty)


def refuse_penalty(setup: NetworkSetup, why: str) -> None:
    """A 422 for experiments whose measures are of the data's loss alone."""
    if setup.regularization != "none":
        raise ValueError(f"regularization is not offered here: {why}")


def model_for(setup: NetworkSetup, dataset: Dataset) -> ModelSpec:
    if setup.architecture == "cnn":
        if dataset.image_shape is None:
            raise ValueError(f"a convolutional network needs images; {dataset.name} is a table")
        return ConvSpec(
            dataset.image_shape,
            setup.channels,
            setup.depth,
            dataset.output_dim,
            setup.skip_connections,
            setup.activation,
        )
    return mlp_for(setup, dataset)


def mlp_for(setup: NetworkSetup, dataset: Dataset) -> MLPSpec:
    """The setup's MLP (``widths``), whatever its ``architecture`` says."""
    return MLPSpec(
        input_dim=dataset.input_dim,
        widths=setup.widths,
        output_dim=dataset.output_dim,
        activation=setup.activation,
        batch_norm=setup.batch_norm,
    )


def train_setup(
    setup: NetworkSetup,
    progress: Callable[[float], None] | None = None,
    preview: Callable[[Preview], None] | None = None,
) -> tuple[Dataset, ModelSpec, TrainResult]:
    require_engine_precision()
    check(setup)
    dataset = load_dataset(setup)
    spec = model_for(setup, dataset)
    run = TrainingRun(
        spec,
        setup.loss,
        get_optimizer(setup.optimizer),
        {"learning_rate": setup.learning_rate},
        samples_per_batch(setup.batch_size, len(dataset.x_train)),
        setup.epochs,
        setup.seed,
        penalty=setup_penalty(setup),
    )
    result = train(run, dataset, progress, preview)
    return dataset, spec, result


def drawn_data(dataset: Dataset) -> dict[str, Any]:
    """The data as the lab draws them: the points on the plane when the network reads
    features of them, the labels, the task."""
    x_train, x_test = dataset.plane or (dataset.x_train, dataset.x_test)
    return {
        "x_train": x_train,
        "y_train": dataset.y_train,
        "x_test": x_test,
        "y_test": dataset.y_test,
        "task": dataset.task,
        "n_classes": dataset.n_classes,
    }


def run(setup: NetworkSetup, progress: Progress) -> Result:
    """Per-epoch curves, and for 2-D data the points and the decision boundary over time.

    While it runs, each epoch's report carries the curves so far and the latest boundary
    (``{"history", "boundary"?: {x, y, epoch, z}}``), so the lab draws training live.
    """
    latest: list[dict[str, Any]] = []

    def live(seen: Preview) -> None:
        partial: dict[str, Any] = {"history": {k: list(v) for k, v in seen.history.items()}}
        if seen.boundary is not None and seen.grid_axes is not None:
            x, y = seen.grid_axes
            partial["boundary"] = {"x": x, "y": y, "epoch": seen.epoch, "z": seen.boundary}
        latest[:] = [partial]

    def report(fraction: float) -> None:
        progress(fraction, latest.pop() if latest else None)

    dataset, spec, result = train_setup(setup, report, live)
    out: dict[str, Any] = {
        "setup": setup.__dict__,
        "parameters": count_params(spec),
        "batch_size": result.batch_size,
        "steps_per_epoch": result.steps_per_epoch,
        "history": result.history,
        "data": drawn_data(dataset),
    }
    if result.boundary is not None and result.grid_axes is not None:
        out["boundary"] = {
            "x": result.grid_axes[0],
            "y": result.grid_axes[1],
            "epochs": result.snapshot_epochs,
            "z": result.boundary,
        }
    return out
