"""Small batch vs large batch, measured (the ``batch_size`` experiment; curriculum section 2).

Trains the same initial network with the same learning rate for the same number of epochs
at several batch sizes, and measures what the lecture's summary table claims: the time of
one update and of one epoch on this machine, how noisy each batch size's gradient is, how
well each run optimizes and generalizes, and how sharp a minimum it lands in (the top
Hessian eigenvalue, the line between the smallest- and the largest-batch solutions as in
Keskar et al. 2017, and a slice through each along a filter-normalized random direction as
in Li et al. 2018). Every run has the same number of epochs, so a batch of b takes n/b
updates per epoch: the lecture's comparison, since an epoch's worth of data is what a batch
size divides up. The result's ``comparison`` orders the smallest and the largest batch's
measurements; the page words the lecture's table from it, so when the data disagree with
the lecture the table says so.

Batch normalization is refused: at batch size 1 its training-mode output is constant (a
batch of one has no spread), and a batch-norm network's evaluation-mode loss depends on
running statistics that belong to one solution, so no straight line joins two solutions.
"""

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from annotated_types import Ge, Gt, Le, MaxLen, MinLen
from jax import Array
from jax.flatten_util import ravel_pytree
from jax.tree_util import Partial

from descentlab.core.base import Doc, Result
from descentlab.core.experiments.hessian import check_top_k
from descentlab.core.experiments.json_safe import finite_list, finite_or_none
from descentlab.core.experiments.train import (
    FULL_BATCH,
    MAX_SAMPLE_EPOCHS,
    BatchSize,
    NetworkSetup,
    check,
    load_dataset,
    model_for,
    refuse_penalty,
    sample_count,
    samples_per_batch,
    setup_penalty,
)
from descentlab.core.nets import hessian, kernel_cache, landscape
from descentlab.core.nets.models import ModelSpec, Weights
from descentlab.core.nets.network_losses import LossOfTheta, flat_loss, network_loss
from descentlab.core.nets.training import (
    BATCH_SIZES,
    TrainingRun,
    TrainResult,
    TrainState,
    init_optimizer_state,
    train,
    train_epoch,
    whole_epoch,
)
from descentlab.core.optimizers import OptimizerSpec, get_optimizer
from descentlab.core.precision import require_engine_precision

# Plain SGD, so that a step is −η × (the minibatch's gradient) and the batch's noise is
# all that differs between runs; noisy moons, so that test accuracy has room to differ.
DEFAULT_SETUP = NetworkSetup(noise=0.3, optimizer="sgd", learning_rate=0.1, epochs=30)

INTERPOLATION_RANGE = (-0.5, 1.5)  # α on the line (1 − α)·small + α·large (Keskar Fig. 3)

# When two measurements count as "the same" in the table. Timings on a shared machine vary
# by tens of percent from call to call; an accuracy is counted in whole samples.
SAME_TIME_RATIO = 1.5
SAME_ACCURACY = 0.01  # one percentage point
SAME_RELATIVE = 0.1  # losses, gradient noise, sharpness


@dataclass(frozen=True)
class BatchSizeParams:
    """Small vs large batch: the same network trained at each batch size (section 2).

    ``setup.batch_size`` is ignored: ``batch_sizes`` replaces it.

    ``batch_sizes`` come from the menu ``training.BATCH_SIZES`` or are ``FULL_BATCH``;
    sizes at or above the training set's size all mean full-batch gradient descent.
    """

    setup: NetworkSetup = DEFAULT_SETUP
    batch_sizes: Annotated[
        tuple[BatchSize, ...],
        MinLen(2),
        MaxLen(8),
        Doc(f"each 1, 2, 4, …, 4096, or {FULL_BATCH!r} for the full training set"),
    ] = (1, 8, 64, FULL_BATCH)
    top_k: Annotated[
        int, Ge(1), Le(10), Doc("top Hessian eigenvalues per run (the first: the sharpness)")
    ] = 1
    iterations: Annotated[int, Ge(8), Le(200), Doc("Lanczos steps")] = 32
    resolution: Annotated[int, Ge(5), Le(201), Doc("points on each 1-D curve")] = 41
    span: Annotated[
        float, Gt(0), Le(10), Doc("slices: α ∈ [−span, span] along a filter-normalized direction")
    ] = 1.0
    timing_repeats: Annotated[
        int, Ge(1), Le(20), Doc("timed epochs per batch size; the fastest counts")
    ] = 5


def check_params(params: BatchSizeParams) -> None:
    """Raise ValueError for what cannot run (told to the user as a 422)."""
    check(params.setup)
    refuse_penalty(params.setup, "the sharpness compared is the data's loss alone")
    if params.setup.batch_norm:
        raise ValueError(
            "batch norm is not available here: a batch of one has no spread to normalize "
            "by, and two solutions' running statistics cannot be joined by a line"
        )
    if not params.batch_sizes:
        raise ValueError("give at least two batch sizes")
    for size in params.batch_sizes:
        if size != FULL_BATCH and size not in BATCH_SIZES:
            raise ValueError(
                f"batch size {size} is not offered; choose from "
                f"{', '.join(map(str, BATCH_SIZES))} or {FULL_BATCH!r} for the full training set"
            )
    for name in ("top_k", "iterations", "timing_repeats"):
        if getattr(params, name) < 1:
            raise ValueError(f"{name} must be at least 1")
    if params.resolution < 2:
        raise ValueError("resolution must be at least 2")
    if not params.span > 0:
        raise ValueError("span must be positive")
    samples, epochs = sample_count(params.setup), params.setup.epochs
    if samples * epochs * len(params.batch_sizes) > MAX_SAMPLE_EPOCHS:
        raise ValueError(f"n_samples × epochs × batch sizes exceeds {MAX_SAMPLE_EPOCHS}")
    check_top_k(params.top_k, params.iterations, params.setup)
    # Sizes past the training set all become the full batch: refuse up front what would
    # leave one size (generating the toy data costs milliseconds).
    actual_batch_sizes(params.batch_sizes, len(load_dataset(params.setup).x_train))


def actual_batch_sizes(requested: Sequence[int | str], n_train: int) -> list[int]:
    """The distinct sizes that run, ascending: ``FULL_BATCH`` and large sizes become ``n_train``.

    Raises ValueError unless at least two distinct sizes remain (one size has nothing to
    compare with).
    """
    sizes = sorted({samples_per_batch(s, n_train) for s in requested})
    if len(sizes) < 2:
        raise ValueError(
            f"the batch sizes {list(requested)} are all one size on {n_train} training "
            "samples; give at least two different ones"
        )
    return sizes


# --- gradient noise -----------------------------------------------------------------------


# Per-example gradients are taken this many bytes at a time (float32): materialized for a
# whole training set they took 9 GB at the schema's maximums (3,000 × 199k, then float64).
GRADIENT_CHUNK_BYTES = 32 * 2**20


class GradientSpread(NamedTuple):
    """The mean of the per-example gradients, and their spread about it."""

    mean: np.ndarray  # g = (1/n) Σᵢ gᵢ, float64
    spread: float  # σ² = (1/n) Σᵢ ‖gᵢ − g‖²
    examples: int  # n


def gradient_chunk(n: int, parameters: int) -> int:
    """Examples per chunk: as many per-example gradients as fit ``GRADIENT_CHUNK_BYTES``."""
    return max(1, min(n, GRADIENT_CHUNK_BYTES // (4 * parameters)))


@kernel_cache.jit(static_argnames=("loss", "chunk"))
def _gradient_spread(
    loss: LossOfTheta, batch_stats: Any, x: Array, y: Array, theta: Array, chunk: int
) -> tuple[Array, Array]:
    """The mean gradient and Σᵢ ‖gᵢ − g‖², ``chunk`` examples at a time.

    Each chunk's mean and sum of squared deviations (float64) are merged into the running
    ones by Chan, Golub & LeVeque's pairwise update, so no two chunks are ever held at
    once and nothing cancels (unlike E‖gᵢ‖² − ‖g‖²).
    """
    n = x.shape[0]
    chunks = -(-n // chunk)
    pad = chunks * chunk - n
    real = jnp.arange(chunks * chunk) < n
    xs = jnp.pad(x, ((0, pad),) + ((0, 0),) * (x.ndim - 1)).reshape(chunks, chunk, *x.shape[1:])
    ys = jnp.pad(y, ((0, pad),) + ((0, 0),) * (y.ndim - 1)).reshape(chunks, chunk, *y.shape[1:])
    weights = real.reshape(chunks, chunk).astype(jnp.float64)

    def one(x_row: Array, y_row: Array) -> Array:
        return jax.grad(loss, argnums=3)(batch_stats, x_row[None], y_row[None], theta)

    def merge(
        carry: tuple[Array, Array, Array], inputs: tuple[Array, Array, Array]
    ) -> tuple[tuple[Array, Array, Array], None]:
        count, mean, squares = carry
        x_chunk, y_chunk, w = inputs
        gradients = jax.vmap(one)(x_chunk, y_chunk).astype(jnp.float64)
        size = jnp.sum(w)
        chunk_mean = jnp.sum(w[:, None] * gradients, axis=0) / size
        chunk_squares = jnp.sum(w * jnp.sum(jnp.square(gradients - chunk_mean[None]), axis=1))
        total = count + size
        delta = chunk_mean - mean
        mean = mean + delta * (size / total)
        squares = squares + chunk_squares + jnp.sum(jnp.square(delta)) * (count * size / total)
        return (total, mean, squares), None

    start = (jnp.zeros(()), jnp.zeros(theta.shape, jnp.float64), jnp.zeros(()))
    (_, mean, squares), _ = jax.lax.scan(merge, start, (xs, ys, weights))
    return mean, squares


def gradient_spread(
    loss: LossOfTheta, batch_stats: Any, x: Array, y: Array, theta: Array
) -> GradientSpread:
    """The per-example gradients' mean and spread at θ, never holding them all."""
    n = int(x.shape[0])
    mean, squares = _gradient_spread(
        loss, batch_stats, x, y, theta, gradient_chunk(n, int(theta.shape[0]))
    )
    return GradientSpread(np.asarray(mean, np.float64), float(squares) / n, n)


def gradient_noise(spread: float, n: int, batch_size: int) -> float:
    """The root-mean-square distance of a minibatch gradient from the full gradient.

    For a batch B of b examples drawn without replacement from n (as an epoch's shuffle
    draws them), E‖g_B − g‖² = σ²/b · (n − b)/(n − 1), with g the full gradient and
    σ² = (1/n) Σᵢ ‖gᵢ − g‖² the per-example gradients' spread about it (the sampling
    variance of a mean with the finite-population correction). The root of it has the
    units of a gradient, so it compares directly with ‖g‖: exactly 0 for the full batch,
    σ at b = 1.
    """
    if batch_size >= n:
        return 0.0
    return float(np.sqrt(spread / batch_size * (n - batch_size) / (n - 1)))


# --- timing -------------------------------------------------------------------------------


def time_epoch(
    spec: ModelSpec,
    setup: NetworkSetup,
    optimizer: OptimizerSpec,
    trained: TrainResult,
    data: tuple[Array, Array],
    repeats: int,
    between: Callable[[], None] | None = None,
) -> float:
    """Seconds for one epoch of ``train_epoch`` at the run's batch size, the best of ``repeats``.

    The state is the trained weights with a fresh optimizer state (same shapes, so the
    same work). One untimed call first keeps any compile or first-touch cost out.
    """
    rate = jnp.asarray(setup.learning_rate, dtype=jnp.float32)
    # The same structure and dtypes as ``train`` passes, so the compiled epoch is reused.
    hyper = {h.name: jnp.asarray(h.default, dtype=jnp.float32) for h in optimizer.hyperparameters}
    state = TrainState(
        trained.params,
        trained.batch_stats,
        init_optimizer_state(optimizer, trained.params, rate, hyper),
    )
    x, y = data
    rates = jnp.full(trained.steps_per_epoch, rate)
    key = jax.random.key(setup.seed)
    penalty = np.asarray(setup_penalty(setup), dtype=np.float32)
    window = whole_epoch(trained.steps_per_epoch)
    jax.block_until_ready((state, x, y, rates, key))

    def once() -> float:
        start = time.perf_counter()
        jax.block_until_ready(
            train_epoch(
                spec,
                setup.loss,
                trained.batch_size,
                optimizer,
                state,
                x,
                y,
                key,
                rates,
                hyper,
                penalty,
                window,
            )
        )
        return time.perf_counter() - start

    def checked() -> float:  # one epoch, then the job's check (where a cancel is noticed)
        seconds = once()
        if between is not None:
            between()
        return seconds

    checked()
    return min(checked() for _ in range(repeats))


# --- the comparison behind the summary table ----------------------------------------------


def _order(
    small: float | None, large: float | None, same: Callable[[float, float], bool]
) -> int | None:
    """−1, 0 or 1 as the small batch's number is below, like or above the large batch's."""
    if small is None or large is None:
        return None
    if same(small, large):
        return 0
    return -1 if small < large else 1


def _same_time(a: float, b: float) -> bool:
    return max(a, b) <= SAME_TIME_RATIO * min(a, b)


def _same_relative(a: float, b: float) -> bool:
    return abs(a - b) <= SAME_RELATIVE * max(abs(a), abs(b))


def _same_accuracy(a: float, b: float) -> bool:
    return abs(a - b) < SAME_ACCURACY


Run = Mapping[str, Any]  # an entry of the result's ``runs``


def comparison(small: Run, large: Run) -> dict[str, Any]:
    """How the smallest batch's numbers compare with the largest batch's, measure by
    measure: −1 (lower), 0 (alike within the measure's tolerance), 1 (higher), or None
    (a number is missing). The lecture's table is worded from these orders by the page
    that shows it (``networks/experiments/batch_size.js``), so its words follow the data.
    Classification compares accuracies, regression losses."""
    measures: list[tuple[str, Callable[[float, float], bool]]] = [
        ("seconds_per_update", _same_time),
        ("seconds_per_epoch", _same_time),
        ("gradient_noise", _same_relative),
    ]
    if small["train_accuracy"] is not None and large["train_accuracy"] is not None:
        measures += [("train_accuracy", _same_accuracy), ("test_accuracy", _same_accuracy)]
    else:
        measures += [("train_loss", _same_relative), ("test_loss", _same_relative)]
    measures.append(("sharpness", _same_relative))
    return {
        "small_batch": small["batch_size"],
        "large_batch": large["batch_size"],
        "orders": {key: _order(small[key], large[key], same) for key, same in measures},
    }


# --- the experiment -----------------------------------------------------------------------


def _measure(
    spec: ModelSpec,
    params: BatchSizeParams,
    optimizer: OptimizerSpec,
    data: tuple[Array, Array],
    trained: TrainResult,
    between: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """One batch size's entry of ``runs``: timing, final metrics, sharpness, gradient noise.
    ``between`` is called between pieces of the Lanczos run (where a cancel is noticed)."""
    setup = params.setup
    seconds_per_epoch = time_epoch(
        spec, setup, optimizer, trained, data, params.timing_repeats, between
    )
    theta, _ = ravel_pytree(trained.params)
    loss = flat_loss(spec, setup.loss)
    bound = Partial(loss, trained.batch_stats, *data)
    top = hessian.top_eigenvalues(
        bound, theta, params.top_k, params.iterations, jax.random.key(setup.seed), between=between
    )
    gradients = gradient_spread(loss, trained.batch_stats, *data, theta)
    history = trained.history
    accuracy = "train_accuracy" in history
    return {
        "batch_size": trained.batch_size,
        "steps_per_epoch": trained.steps_per_epoch,
        "seconds_per_update": seconds_per_epoch / trained.steps_per_epoch,
        "seconds_per_epoch": seconds_per_epoch,
        "train_loss": finite_or_none(history["train_loss"][-1]),
        "test_loss": finite_or_none(history["test_loss"][-1]),
        "train_accuracy": finite_or_none(history["train_accuracy"][-1]) if accuracy else None,
        "test_accuracy": finite_or_none(history["test_accuracy"][-1]) if accuracy else None,
        "sharpness": finite_or_none(top.values[0]),
        "top_eigenvalues": finite_list(top.values),
        "gradient_noise": finite_or_none(
            gradient_noise(gradients.spread, gradients.examples, trained.batch_size)
        ),
        "gradient_norm": finite_or_none(np.linalg.norm(gradients.mean)),
        # λ_max is in the weights' own units and a filter-normalized slice in units of each
        # filter's norm: the two disagree when one run's weights grew larger than another's.
        "weight_norm": finite_or_none(jnp.linalg.norm(theta)),
        "history": {key: finite_list(values) for key, values in history.items()},
    }


def _curves(
    loss: Callable[[Weights, Any], Array],
    start: Weights,
    end: Weights,
    alphas: np.ndarray,
    data: Mapping[str, Any],
    between: Callable[[], None] | None = None,
) -> dict[str, Any]:
    values = landscape.interpolate(loss, start, end, alphas, data, between=between)
    return {"x": values["x"], **{k: finite_list(v) for k, v in values["curves"].items()}}


def _part(progress: Callable[[float], None], low: float, high: float) -> Callable[[float], None]:
    """``progress`` for a piece of the work that fills ``[low, high]`` of the bar."""
    return lambda fraction: progress(low + (high - low) * fraction)


def run(params: BatchSizeParams, progress: Callable[[float], None]) -> Result:
    """Train at each batch size, measure, and compare the smallest with the largest."""
    require_engine_precision()
    check_params(params)
    setup = params.setup
    dataset = load_dataset(setup)
    n_train = int(dataset.x_train.shape[0])
    sizes = actual_batch_sizes(params.batch_sizes, n_train)
    spec = model_for(setup, dataset)
    optimizer = get_optimizer(setup.optimizer)
    label_dtype = jnp.int32 if dataset.task == "classification" else jnp.float32
    train_data = (
        jnp.asarray(dataset.x_train, dtype=jnp.float32),
        jnp.asarray(dataset.y_train, dtype=label_dtype),
    )
    test_data = (
        jnp.asarray(dataset.x_test, dtype=jnp.float32),
        jnp.asarray(dataset.y_test, dtype=label_dtype),
    )

    training_share = 0.85  # of the progress bar; the curves take the rest
    runs, solutions = [], []
    for i, size in enumerate(sizes):
        low, high = training_share * i / len(sizes), training_share * (i + 1) / len(sizes)
        run_at_size = TrainingRun(
            spec,
            setup.loss,
            optimizer,
            {"learning_rate": setup.learning_rate},
            size,
            setup.epochs,
            setup.seed,  # the same initial weights for every batch size
            snapshot_every=setup.epochs,
            boundary_resolution=None,
        )
        trained = train(run_at_size, dataset, _part(progress, low, low + 0.8 * (high - low)))
        check = partial(progress, low + 0.8 * (high - low))
        runs.append(_measure(spec, params, optimizer, train_data, trained, check))
        solutions.append(trained)
        progress(high)

    small, large = solutions[0], solutions[-1]
    loss = network_loss(spec, setup.loss)
    # Without batch norm the stats are empty: one run's serve every point of the line.
    data = {
        "train": (small.batch_stats, *train_data),
        "test": (small.batch_stats, *test_data),
    }
    # The grid always holds α = 0 and α = 1, the two solutions themselves.
    grid = np.round(np.linspace(*INTERPOLATION_RANGE, params.resolution), 12)
    alphas = np.union1d(grid, [0.0, 1.0])
    interpolation = _curves(
        loss, small.params, large.params, alphas, data, partial(progress, training_share)
    )
    progress(0.92)

    # L(θ + α d) on both splits is the line through θ and θ + d: the same compiled kernel.
    key = jax.random.key(setup.seed)
    offsets = np.union1d(
        np.round(np.linspace(-params.span, params.span, params.resolution), 12), [0.0]
    )
    slices = []
    for solution in (small, large):
        direction = landscape.random_direction(solution.params, key)
        moved = jax.tree.map(jnp.add, solution.params, direction)
        curve = _curves(loss, solution.params, moved, offsets, data, partial(progress, 0.92))
        slices.append({"batch_size": solution.batch_size, **curve})
    progress(1.0)

    return {
        "device": jax.default_backend(),
        "n_train": n_train,
        "batch_sizes": sizes,
        "runs": runs,
        "interpolation": {
            "small_batch": small.batch_size,
            "large_batch": large.batch_size,
            **interpolation,
        },
        "slices": slices,
        "comparison": comparison(runs[0], runs[-1]),
        "setup": {k: v for k, v in setup.__dict__.items() if k != "batch_size"},
    }
