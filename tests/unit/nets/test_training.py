"""Training: full batch is gradient descent, shuffling, learning, and one compile per shape.

Every test shares one tiny network and dataset size so the whole file compiles the epoch
only a few times.
"""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.flatten_util import ravel_pytree

from descentlab.core.nets.datasets import Dataset, moons, regression
from descentlab.core.nets.models import (
    MLPSpec,
    apply,
    cross_entropy,
    init_batch_stats,
    init_params,
)
from descentlab.core.nets.training import (
    NO_PENALTY,
    TrainingRun,
    TrainResult,
    TrainState,
    init_optimizer_state,
    train,
    train_epoch,
    whole_epoch,
)
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.schedules import ScheduleConfig
from tests.compile_counter import count_compiles

SPEC = MLPSpec(2, (8,), 2, "tanh")
SGD = OPTIMIZERS["sgd"]
DATA = moons(n_samples=64, noise=0.1, seed=0)  # 48 train, 16 test
EPOCHS = 6


def _train(**overrides: Any) -> TrainResult:
    settings: dict[str, Any] = {
        "spec": SPEC,
        "loss_name": "cross_entropy",
        "optimizer": SGD,
        "hyperparameters": {"learning_rate": 0.5},
        "schedule": None,
        "batch_size": 8,
        "epochs": EPOCHS,
        "seed": 0,
        "boundary_resolution": 12,
    }
    settings.update(overrides)
    dataset = settings.pop("dataset", DATA)
    progress, preview = settings.pop("progress", None), settings.pop("preview", None)
    return train(TrainingRun(**settings), dataset, progress, preview)


def _full_batch_loss(params: Any) -> jax.Array:
    x, y = jnp.asarray(DATA.x_train), jnp.asarray(DATA.y_train)
    return cross_entropy(apply(SPEC, params, init_batch_stats(SPEC), x, True)[0], y)


# By hand: the loss over every training row, differentiated with jax.grad (jitted once).
_full_batch_loss_and_grad = jax.jit(jax.value_and_grad(_full_batch_loss))


@pytest.fixture(scope="module")
def run() -> TrainResult:
    """Minibatches of 8: also warms the (SPEC, batch 8, SGD) epoch for the compile test."""
    return _train()


def test_full_batch_is_gradient_descent() -> None:
    steps = 4
    result = _train(batch_size=10_000, epochs=steps)  # clamped to the 48 training rows
    assert result.batch_size == 48 and result.steps_per_epoch == 1
    _, unravel = ravel_pytree(init_params(SPEC, jax.random.key(0)))
    params = unravel(jnp.asarray(result.snapshots[0]))
    sgd = optax.sgd(0.5)
    state = sgd.init(params)
    for step in range(steps):
        _, grads = _full_batch_loss_and_grad(params)
        updates, state = sgd.update(grads, state)
        params = optax.apply_updates(params, updates)
        np.testing.assert_allclose(
            result.snapshots[step + 1], ravel_pytree(params)[0], rtol=1e-5, atol=1e-6
        )
        loss, _ = _full_batch_loss_and_grad(params)
        assert result.history["train_loss"][step + 1] == pytest.approx(float(loss), rel=1e-5)


def test_history_snapshots_and_boundary(run: TrainResult) -> None:
    n_params = 2 * 8 + 8 + 8 * 2 + 2
    assert run.snapshots.shape == (EPOCHS + 1, n_params) and run.snapshots.dtype == np.float32
    assert run.snapshot_epochs == list(range(EPOCHS + 1))
    for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy", "batch_loss"):
        assert len(run.history[key]) == EPOCHS + 1
    assert run.steps_per_epoch == 6
    assert run.boundary is not None and run.grid_axes is not None
    assert len(run.boundary) == EPOCHS + 1
    assert run.boundary[0].shape == (12, 12, 2)
    np.testing.assert_allclose(run.boundary[-1].sum(axis=-1), 1.0, rtol=1e-5)
    xs, ys = run.grid_axes
    assert xs[0] < DATA.x_train[:, 0].min() and ys[-1] > DATA.x_train[:, 1].max()


def test_loss_decreases_on_moons(run: TrainResult) -> None:
    losses = run.history["train_loss"]
    assert losses[-1] < 0.75 * losses[0]
    assert run.history["train_accuracy"][-1] > 0.8


def test_shuffling_is_new_each_epoch_and_reproducible(run: TrainResult) -> None:
    again = _train()
    np.testing.assert_array_equal(again.snapshots, run.snapshots)
    params = init_params(SPEC, jax.random.key(0))
    rate = jnp.asarray(0.5, dtype=jnp.float32)
    state = TrainState(params, init_batch_stats(SPEC), init_optimizer_state(SGD, params, rate, {}))
    x, y = jnp.asarray(DATA.x_train), jnp.asarray(DATA.y_train)
    rates = jnp.full(6, 0.5, dtype=jnp.float32)

    def epoch(key: jax.Array) -> np.ndarray:
        new, _ = train_epoch(
            SPEC, "cross_entropy", 8, SGD, state, x, y, key, rates, {}, NO_PENALTY, whole_epoch(6)
        )
        return np.asarray(ravel_pytree(new.params)[0])

    base = jax.random.fold_in(jax.random.key(0), 1)
    first, second = epoch(jax.random.fold_in(base, 0)), epoch(jax.random.fold_in(base, 1))
    assert not np.allclose(first, second)  # another order of the same batches
    np.testing.assert_array_equal(first, epoch(jax.random.fold_in(base, 0)))
    np.testing.assert_allclose(first, run.snapshots[1], rtol=1e-6, atol=1e-7)


def test_epoch_compiles_once_per_shape_and_batch_size(run: TrainResult) -> None:
    del run  # warmed the (SPEC, 48 rows, batch 8, SGD) epoch
    other_data = moons(n_samples=64, noise=0.3, seed=5)
    with count_compiles() as log:
        _train(hyperparameters={"learning_rate": 0.05})
        _train(seed=3)
        _train(dataset=other_data)
    assert log.compiles == [], log.compiles
    with count_compiles() as log:
        _train(batch_size=16, epochs=2)
    assert [name for name in log.compiles if "train_epoch" in name] == ["jit(train_epoch)"]


def test_snapshot_every_and_progress() -> None:
    fractions: list[float] = []
    result = _train(epochs=5, snapshot_every=2, boundary_resolution=None, progress=fractions.append)
    assert result.snapshot_epochs == [0, 2, 4, 5]
    assert result.snapshots.shape[0] == 4 and result.boundary is None
    assert fractions == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert len(result.history["train_loss"]) == 6


def test_batch_norm_regression_with_adam_and_a_schedule() -> None:
    data: Dataset = regression(n_samples=64, seed=1)
    spec = MLPSpec(2, (8,), 1, "relu", batch_norm=True)
    run = TrainingRun(
        spec,
        "mse",
        OPTIMIZERS["adam"],
        {"learning_rate": 0.05, "b1": 0.8},
        schedule=ScheduleConfig.of("cosine_decay", decay_steps=20),
        batch_size=20,  # 48 rows: batches of 20, 20 and 8 (padded, masked)
        epochs=8,
        seed=2,
        boundary_resolution=5,
    )
    result = train(run, data)
    assert result.steps_per_epoch == 3
    assert "train_accuracy" not in result.history
    assert result.history["train_loss"][-1] < result.history["train_loss"][0]
    assert result.boundary is not None and result.boundary[0].shape == (5, 5)
    mean = np.asarray(result.batch_stats["mean"][0])
    assert mean.shape == (8,) and np.any(mean != 0)  # running averages were carried


def test_bad_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="regression loss"):
        _train(loss_name="mse")
    with pytest.raises(ValueError, match="no hyperparameter momentum"):
        _train(hyperparameters={"momentum": 0.9})
    with pytest.raises(ValueError, match="maps 2 → 3"):
        _train(spec=MLPSpec(2, (8,), 3))
