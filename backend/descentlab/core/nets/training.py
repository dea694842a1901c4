"""Minibatch training of an MLP with any optimizer and schedule of the engine.

The jit boundary is ``train_epoch``: one call runs a whole epoch as a ``lax.scan`` over
its batches. Its static arguments are the model shape, the loss, the batch size and the
optimizer kind; everything a learner changes between runs (the data's values, the seed,
the learning rates of the epoch's steps, the other hyperparameters) is a traced array.
So a network compiles once per (model shape, batch size, optimizer kind, dataset size),
and a Python loop over epochs (one call each) can report progress in between.

The last, partial batch is padded and masked: the permutation is padded to a whole
number of batches, and padded rows get weight 0 in the loss and in batch-norm
statistics. Every sample is seen exactly once per epoch, every update's loss is the mean
over its real rows, and a batch as large as the training set is exactly full-batch
gradient descent.

Runs on JAX's default device (a GPU when present): batched network work is what it is for.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array
from jax.flatten_util import ravel_pytree

from descentlab.core.nets import kernel_cache
from descentlab.core.nets.datasets import Dataset
from descentlab.core.nets.models import (
    LOSSES,
    BatchStats,
    ModelSpec,
    Weights,
    apply,
    init_batch_stats,
    init_params,
    weight_penalty,
)
from descentlab.core.optimizers import OptimizerSpec
from descentlab.core.schedules import ScheduleConfig, learning_rate_series

# The menu of batch sizes the lab offers (plus "the whole training set"). ``train``
# clamps any size to the training set, so "full" needs no special case.
BATCH_SIZES: tuple[int, ...] = tuple(2**i for i in range(13))  # 1, 2, 4, …, 4096


class TrainState(NamedTuple):
    """What an epoch carries to the next: weights, BN running averages, optimizer state."""

    params: Weights
    batch_stats: BatchStats
    opt_state: optax.OptState


def _optimizer(
    optimizer: OptimizerSpec, learning_rate: Array, hyperparameters: Mapping[str, Array]
) -> optax.GradientTransformation:
    # float32 hyperparameters keep the optimizer state (and so the params) in float32
    # although the engine enables float64.
    factory = optax.inject_hyperparams(optimizer.factory, hyperparam_dtype=jnp.float32)
    return factory(learning_rate=learning_rate, **hyperparameters)


@kernel_cache.jit(static_argnames="optimizer")
def init_optimizer_state(
    optimizer: OptimizerSpec,
    params: Weights,
    learning_rate: Array,
    hyperparameters: Mapping[str, Array],
) -> optax.OptState:
    """The optimizer's first state, with its hyperparameters as traced state."""
    return _optimizer(optimizer, learning_rate, hyperparameters).init(params)


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    return -(-n_train // batch_size)


def _masked_mean(values: Array, mask: Array) -> Array:
    weights = mask.astype(values.dtype)
    return jnp.sum(weights * values) / jnp.maximum(jnp.sum(weights), 1.0)


NO_PENALTY = np.zeros(2, dtype=np.float32)  # [λ₁, λ₂] of ``models.weight_penalty``


def whole_epoch(steps: int) -> np.ndarray:
    """The ``window`` of ``train_epoch`` that runs every step of the epoch."""
    return np.array([0, steps], dtype=np.int32)


@kernel_cache.jit(static_argnames=("spec", "loss_name", "batch_size", "optimizer"))
def train_epoch(
    spec: ModelSpec,
    loss_name: str,
    batch_size: int,
    optimizer: OptimizerSpec,
    state: TrainState,
    x: Array,
    y: Array,
    key: Array,
    learning_rates: Array,
    hyperparameters: Mapping[str, Array],
    penalty: Array,
    window: Array,
) -> tuple[TrainState, Array]:
    """One epoch: shuffle with ``key``, then one update per batch of ``batch_size`` rows.

    ``learning_rates`` holds η for each of the epoch's ``ceil(n / batch_size)`` steps;
    ``penalty`` is ``[λ₁, λ₂]`` of the weight penalty added to the loss. Only the steps
    ``window[0] ≤ i < window[1]`` update (the others pass the state on untouched): live
    training runs an epoch a few batches at a time with the same shuffle, in the same
    program as a whole epoch. Returns the new state and each step's training-mode
    minibatch objective (loss plus penalty; 0 outside the window).
    """
    per_example = LOSSES[loss_name].per_example
    n = x.shape[0]
    steps = steps_per_epoch(n, batch_size)
    order = jax.random.permutation(key, n)
    order = jnp.concatenate([order, jnp.zeros(steps * batch_size - n, dtype=order.dtype)])
    mask = jnp.arange(steps * batch_size) < n
    transform = _optimizer(optimizer, learning_rates[0], hyperparameters)

    def update(carry: TrainState, batch: tuple[Array, Array, Array]) -> tuple[TrainState, Array]:
        params, batch_stats, opt_state = carry
        index, batch_mask, learning_rate = batch

        def loss_fn(p: Weights) -> tuple[Array, BatchStats]:
            outputs, new_stats = apply(spec, p, batch_stats, x[index], True, mask=batch_mask)
            data_loss = _masked_mean(per_example(outputs, y[index]), batch_mask)
            return data_loss + weight_penalty(p, penalty), new_stats

        (loss, new_stats), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
        opt_state = opt_state._replace(
            hyperparams={**opt_state.hyperparams, "learning_rate": learning_rate}
        )
        updates, opt_state = transform.update(grads, opt_state, params)
        return TrainState(optax.apply_updates(params, updates), new_stats, opt_state), loss

    def skip(carry: TrainState, batch: tuple[Array, Array, Array]) -> tuple[TrainState, Array]:
        return carry, jnp.zeros((), dtype=jnp.float32)

    def step(
        carry: TrainState, batch: tuple[Array, Array, Array, Array]
    ) -> tuple[TrainState, Array]:
        i, *rest = batch
        inside = (window[0] <= i) & (i < window[1])
        return jax.lax.cond(inside, update, skip, carry, tuple(rest))

    batches = (
        jnp.arange(steps),
        order.reshape(steps, batch_size),
        mask.reshape(steps, batch_size),
        learning_rates,
    )
    return jax.lax.scan(step, state, batches)


def _metrics(
    spec: ModelSpec, loss_name: str, params: Weights, batch_stats: BatchStats, x: Array, y: Array
) -> tuple[Array, Array]:
    loss = LOSSES[loss_name]
    outputs, _ = apply(spec, params, batch_stats, x, False)
    value = jnp.mean(loss.per_example(outputs, y))
    if loss.task == "regression":
        return value, jnp.zeros((), dtype=jnp.float32)
    correct = jnp.argmax(outputs, axis=-1) == y
    return value, jnp.mean(correct.astype(jnp.float32))


@kernel_cache.jit(static_argnames=("spec", "loss_name"))
def evaluate(
    spec: ModelSpec, loss_name: str, params: Weights, batch_stats: BatchStats, x: Array, y: Array
) -> tuple[Array, Array]:
    """Mean loss and accuracy in evaluation mode (accuracy is 0 for regression)."""
    return _metrics(spec, loss_name, params, batch_stats, x, y)


class Observation(NamedTuple):
    """What the host records after an epoch, computed in one call (one compile, one sync)."""

    metrics: Array  # (5,): train loss, train accuracy, test loss, test accuracy, penalty
    flat_params: Array  # (n_params,) in ravel_pytree order
    grid_outputs: Array | None  # (points, k) class probabilities, or (points, 1) outputs


@kernel_cache.jit(static_argnames=("spec", "loss_name"))
def observe(
    spec: ModelSpec,
    loss_name: str,
    params: Weights,
    batch_stats: BatchStats,
    train_data: tuple[Array, Array],
    test_data: tuple[Array, Array],
    grid: Array | None,
    penalty: Array,
) -> Observation:
    """Evaluation-mode metrics on both splits (the data's loss, without the penalty, which
    comes last on its own), the flattened weights, and the grid's view."""
    train_metrics = _metrics(spec, loss_name, params, batch_stats, *train_data)
    test_metrics = _metrics(spec, loss_name, params, batch_stats, *test_data)
    penalty_now = weight_penalty(params, penalty).astype(jnp.float32)
    flat, _ = ravel_pytree(params)
    outputs = None
    if grid is not None:
        outputs, _ = apply(spec, params, batch_stats, grid, False)
        if LOSSES[loss_name].task == "classification":
            outputs = jax.nn.softmax(outputs, axis=-1)
    return Observation(jnp.stack([*train_metrics, *test_metrics, penalty_now]), flat, outputs)


class Preview(NamedTuple):
    """A run in progress: the epoch just finished, the curves so far, and that epoch's
    decision-boundary grid when one was taken (the live view of the lab's Train button)."""

    epoch: int
    history: Mapping[str, list[float]]  # the run's own lists: copy what you keep
    boundary: np.ndarray | None
    grid_axes: tuple[np.ndarray, np.ndarray] | None


@dataclass(frozen=True, eq=False)
class TrainResult:
    """A finished training run.

    ``history`` holds per-epoch lists of length ``epochs + 1`` (entry 0 is before any
    update): ``epoch``, ``train_loss``, ``test_loss`` and, for classification,
    ``train_accuracy`` and ``test_accuracy``; ``batch_loss`` is the mean training-mode
    minibatch loss over each epoch (entry 0: the initial ``train_loss``). ``snapshots``
    rows are the flattened parameters (``ravel_pytree`` order) at ``snapshot_epochs``.
    ``boundary`` has one grid per snapshot for 2-D inputs, indexed ``[y index, x index]``
    as Plotly's z is: ``(res, res, k)`` class probabilities, or ``(res, res)`` outputs
    for regression.
    """

    params: Weights
    batch_stats: BatchStats
    history: dict[str, list[float]]
    snapshots: np.ndarray  # (len(snapshot_epochs), n_params) float32
    snapshot_epochs: list[int]
    boundary: list[np.ndarray] | None
    grid_axes: tuple[np.ndarray, np.ndarray] | None  # x values, y values
    steps_per_epoch: int
    batch_size: int


def grid_axes(
    points: tuple[np.ndarray, np.ndarray], resolution: int
) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced axes over the plane points' range plus a 10% margin on each side."""
    both = np.concatenate(points)
    low, high = both.min(axis=0), both.max(axis=0)
    margin = 0.1 * np.maximum(high - low, 1e-6)
    low, high = low - margin, high + margin
    return (
        np.linspace(low[0], high[0], resolution, dtype=np.float32),
        np.linspace(low[1], high[1], resolution, dtype=np.float32),
    )


def grid_points(axes: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The grid's points ``(len(y) · len(x), 2)``, row by row: rows follow y, columns x, as
    Plotly's z is indexed."""
    gx, gy = np.meshgrid(*axes)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def hyperparameter_values(
    optimizer: OptimizerSpec, hyperparameters: Mapping[str, float]
) -> tuple[float, dict[str, Array]]:
    known = {"learning_rate", *optimizer.hyperparameter_names}
    unknown = sorted(set(hyperparameters) - known)
    if unknown:
        raise ValueError(
            f"{optimizer.name} has no hyperparameter {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    eta = float(hyperparameters.get("learning_rate", optimizer.learning_rate.default))
    values = {
        h.name: jnp.asarray(hyperparameters.get(h.name, h.default), dtype=jnp.float32)
        for h in optimizer.hyperparameters
    }
    return eta, values


@dataclass(frozen=True)
class TrainingRun:
    """What to train and how: a model and its loss, the optimizer with its values (by optax
    name, ``learning_rate`` included; missing ones take their defaults), the schedule, the
    batches and epochs, the seed of the initial weights and shuffles, and what to record."""

    spec: ModelSpec
    loss_name: str
    optimizer: OptimizerSpec
    hyperparameters: Mapping[str, float]
    batch_size: int
    epochs: int
    seed: int
    schedule: ScheduleConfig | None = None
    snapshot_every: int = 1
    boundary_resolution: int | None = 40  # the decision boundary's grid; None: none
    penalty: tuple[float, float] = (0.0, 0.0)  # [λ₁, λ₂] of ``models.weight_penalty``


def train(
    run: TrainingRun,
    dataset: Dataset,
    progress: Callable[[float], None] | None = None,
    preview: Callable[[Preview], None] | None = None,
) -> TrainResult:
    """Train ``run.spec`` on ``dataset``; the weights start at ``init_params(spec, key(seed))``.

    ``hyperparameters`` holds the optimizer's values by optax name (``learning_rate``
    included); missing ones take their defaults. The schedule shapes η per update step
    over all ``epochs × steps_per_epoch`` updates. ``batch_size`` is clamped to the
    training set. Epoch e shuffles with ``fold_in(shuffle_key, e)``, where
    ``shuffle_key = fold_in(key(seed), 1)``: a new permutation every epoch, the same ones
    for the same seed. ``progress`` is called with the finished fraction after each epoch,
    ``preview`` (if given) just before it with the curves so far and the latest boundary.
    Snapshots (and boundary grids) are taken at epoch 0, every ``snapshot_every`` epochs,
    and at the last epoch.
    """
    spec, loss_name, optimizer = run.spec, run.loss_name, run.optimizer
    hyperparameters, schedule, batch_size = run.hyperparameters, run.schedule, run.batch_size
    epochs, seed, snapshot_every = run.epochs, run.seed, run.snapshot_every
    boundary_resolution = run.boundary_resolution
    loss = LOSSES[loss_name]
    if loss.task != dataset.task:
        raise ValueError(f"{loss_name} is a {loss.task} loss; {dataset.name} is {dataset.task}")
    if spec.input_dim != dataset.input_dim or spec.output_dim != dataset.output_dim:
        raise ValueError(
            f"the model maps {spec.input_dim} → {spec.output_dim}; the dataset needs "
            f"{dataset.input_dim} → {dataset.output_dim}"
        )
    if epochs < 1 or batch_size < 1 or snapshot_every < 1:
        raise ValueError("epochs, batch_size and snapshot_every must be positive")
    classification = dataset.task == "classification"
    n_train = dataset.x_train.shape[0]
    batch_size = min(batch_size, n_train)
    steps = steps_per_epoch(n_train, batch_size)
    eta, hyper = hyperparameter_values(optimizer, hyperparameters)
    rates = learning_rate_series(eta, schedule, epochs * steps).astype(np.float32)
    rates = rates.reshape(epochs, steps)

    label_dtype = jnp.int32 if classification else jnp.float32
    x_train = jnp.asarray(dataset.x_train, dtype=jnp.float32)
    y_train = jnp.asarray(dataset.y_train, dtype=label_dtype)
    train_data = (x_train, y_train)
    test_data = (
        jnp.asarray(dataset.x_test, dtype=jnp.float32),
        jnp.asarray(dataset.y_test, dtype=label_dtype),
    )
    axes = None
    grid = None
    plane = dataset.plane_points
    if boundary_resolution is not None and plane is not None:
        axes = grid_axes(plane, boundary_resolution)
        grid = jnp.asarray(dataset.inputs_at(grid_points(axes)), dtype=jnp.float32)
    penalty = np.asarray(run.penalty, dtype=np.float32)

    base = jax.random.key(seed)
    shuffle_key = jax.random.fold_in(base, 1)
    params = init_params(spec, base)
    state = TrainState(
        params,
        init_batch_stats(spec),
        init_optimizer_state(optimizer, params, jnp.asarray(eta, dtype=jnp.float32), hyper),
    )

    history: dict[str, list[float]] = {"epoch": [], "train_loss": [], "test_loss": []}
    if classification:
        history.update(train_accuracy=[], test_accuracy=[])
    history["batch_loss"] = []
    if penalty.any():
        history["penalty"] = []
    snapshot_epochs = [e for e in range(epochs + 1) if e % snapshot_every == 0 or e == epochs]
    # Filled in place: a list stacked at the end held every snapshot twice at that moment
    # (800 MB for 501 snapshots of 199k parameters).
    snapshots = np.empty((len(snapshot_epochs), 0), np.float32)
    boundary: list[np.ndarray] | None = [] if grid is not None else None

    def record(epoch: int, batch_losses: Array | None) -> None:
        nonlocal snapshots
        seen = observe(
            spec, loss_name, state.params, state.batch_stats, train_data, test_data, grid, penalty
        )
        metrics = np.asarray(seen.metrics).tolist()
        train_loss, train_accuracy, test_loss, test_accuracy, penalty_now = metrics
        if "penalty" in history:
            history["penalty"].append(penalty_now)
        history["epoch"].append(epoch)
        history["train_loss"].append(train_loss)
        history["test_loss"].append(test_loss)
        if classification:
            history["train_accuracy"].append(train_accuracy)
            history["test_accuracy"].append(test_accuracy)
        mean_batch_loss = train_loss if batch_losses is None else np.asarray(batch_losses).mean()
        history["batch_loss"].append(float(mean_batch_loss))
        if epoch % snapshot_every == 0 or epoch == epochs:
            flat = np.asarray(seen.flat_params)
            if snapshots.shape[1] != flat.size:
                snapshots = np.empty((len(snapshot_epochs), flat.size), flat.dtype)
            snapshots[snapshot_epochs.index(epoch)] = flat
            if boundary is not None and axes is not None and seen.grid_outputs is not None:
                shape = (axes[1].size, axes[0].size)
                out = np.asarray(seen.grid_outputs)
                boundary.append(out.reshape(*shape, -1) if classification else out.reshape(shape))

    record(0, None)
    for epoch in range(epochs):
        key = jax.random.fold_in(shuffle_key, epoch)
        state, batch_losses = train_epoch(
            spec,
            loss_name,
            batch_size,
            optimizer,
            state,
            x_train,
            y_train,
            key,
            rates[epoch],
            hyper,
            penalty,
            whole_epoch(steps),
        )
        record(epoch + 1, batch_losses)
        if preview is not None:
            taken = (epoch + 1) % snapshot_every == 0 or epoch + 1 == epochs
            latest = boundary[-1] if boundary and taken else None
            preview(Preview(epoch + 1, history, latest, axes))
        if progress is not None:
            progress((epoch + 1) / epochs)

    return TrainResult(
        params=state.params,
        batch_stats=state.batch_stats,
        history=history,
        snapshots=snapshots,
        snapshot_epochs=snapshot_epochs,
        boundary=boundary,
        grid_axes=axes,
        steps_per_epoch=steps,
        batch_size=batch_size,
    )
