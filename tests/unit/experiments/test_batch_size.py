"""The batch-size experiment: full batch is gradient descent, the measurements check out
against independent computations, and the table's words follow the numbers.

One tiny run (30 training samples, batch sizes 1, 4 and full) is shared by the file.
"""

import itertools
import math
from dataclasses import replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from descentlab.core.experiments import batch_size
from descentlab.core.experiments.batch_size import (
    FULL_BATCH,
    BatchSizeParams,
    actual_batch_sizes,
    comparison,
    gradient_noise,
    gradient_spread,
    run,
)
from descentlab.core.experiments.train import NetworkSetup, load_dataset, model_for
from descentlab.core.nets.models import apply, cross_entropy, init_batch_stats, init_params

TINY = NetworkSetup(
    n_samples=40, noise=0.3, widths=(4,), optimizer="sgd", learning_rate=0.5, epochs=3
)
PARAMS = BatchSizeParams(
    setup=TINY, batch_sizes=(4, FULL_BATCH, 1), top_k=2, iterations=40, resolution=9, span=0.5
)


@pytest.fixture(scope="module")
def reported() -> tuple[dict[str, Any], list[float]]:
    progress: list[float] = []
    return run(PARAMS, progress.append), progress


@pytest.fixture(scope="module")
def result(reported: tuple[dict[str, Any], list[float]]) -> dict[str, Any]:
    return reported[0]


def _gradient_descent() -> tuple[list[float], Any]:
    """Full-batch gradient descent by hand: each epoch's training loss and the final weights."""
    dataset = load_dataset(TINY)
    spec = model_for(TINY, dataset)
    x, y = jnp.asarray(dataset.x_train), jnp.asarray(dataset.y_train)

    def loss(params: Any) -> jax.Array:
        return cross_entropy(apply(spec, params, init_batch_stats(spec), x, True)[0], y)

    params = init_params(spec, jax.random.key(TINY.seed))
    losses = [float(loss(params))]
    for _ in range(TINY.epochs):
        grads = jax.grad(loss)(params)
        params = jax.tree.map(lambda w, g: w - TINY.learning_rate * g, params, grads)
        losses.append(float(loss(params)))
    return losses, (spec, params, dataset)


def test_progress_is_monotone_to_one(reported: tuple[dict[str, Any], list[float]]) -> None:
    _, progress = reported
    assert progress == sorted(progress)
    assert progress[-1] == 1.0


def test_sizes_are_clamped_sorted_and_split_each_epoch(result: dict[str, Any]) -> None:
    assert result["n_train"] == 30
    assert result["device"] == jax.default_backend()
    assert result["batch_sizes"] == [1, 4, 30]
    runs = result["runs"]
    assert [r["batch_size"] for r in runs] == [1, 4, 30]
    assert [r["steps_per_epoch"] for r in runs] == [math.ceil(30 / b) for b in (1, 4, 30)]
    for r in runs:
        assert r["seconds_per_epoch"] > 0
        assert r["seconds_per_update"] * r["steps_per_epoch"] == pytest.approx(
            r["seconds_per_epoch"]
        )
        assert len(r["history"]["train_loss"]) == TINY.epochs + 1
        assert r["history"]["train_loss"][-1] == r["train_loss"]
        assert r["history"]["test_accuracy"][-1] == r["test_accuracy"]


def test_full_batch_is_gradient_descent_with_its_weights_sharpness_and_gradient(
    result: dict[str, Any],
) -> None:
    losses, (spec, params, dataset) = _gradient_descent()
    full = result["runs"][-1]
    np.testing.assert_allclose(full["history"]["train_loss"], losses, rtol=1e-5)
    assert full["gradient_noise"] == 0.0  # every step sees the whole training set

    # Sharpness: the top eigenvalues of the dense Hessian at the same weights.
    theta, unravel = ravel_pytree(params)
    assert full["weight_norm"] == pytest.approx(float(np.linalg.norm(theta)), rel=1e-5)
    x, y = jnp.asarray(dataset.x_train), jnp.asarray(dataset.y_train)

    def flat(t: jax.Array) -> jax.Array:
        return cross_entropy(apply(spec, unravel(t), init_batch_stats(spec), x, False)[0], y)

    eigenvalues = np.linalg.eigvalsh(np.asarray(jax.hessian(flat)(theta), np.float64))
    assert full["sharpness"] == pytest.approx(eigenvalues[-1], rel=1e-3)
    assert full["top_eigenvalues"] == pytest.approx(eigenvalues[::-1][:2], rel=1e-3)
    gradient = np.asarray(jax.grad(flat)(theta), np.float64)
    assert full["gradient_norm"] == pytest.approx(np.linalg.norm(gradient), rel=1e-3)


def test_small_batches_have_gradient_noise(result: dict[str, Any]) -> None:
    noise = [r["gradient_noise"] for r in result["runs"]]
    assert noise[0] > 0 and noise[1] > 0 and noise[2] == 0


def test_gradient_noise_is_the_spread_of_every_possible_minibatch() -> None:
    per_example = np.random.default_rng(0).normal(size=(6, 3))
    full = per_example.mean(axis=0)
    for b in range(1, 7):
        deviations = [
            np.sum(np.square(per_example[list(batch)].mean(axis=0) - full))
            for batch in itertools.combinations(range(6), b)
        ]
        spread = np.mean(np.sum(np.square(per_example - full), axis=1))
        assert gradient_noise(spread, 6, b) == pytest.approx(np.sqrt(np.mean(deviations)))


def _tiny_loss() -> tuple[Any, tuple[jax.Array, jax.Array], jax.Array]:
    """A flat-parameter cross-entropy on TINY's data, and a θ."""
    dataset = load_dataset(TINY)
    spec = model_for(TINY, dataset)
    params = init_params(spec, jax.random.key(3))
    theta, unravel = ravel_pytree(params)

    def loss(stats: Any, x: jax.Array, y: jax.Array, flat: jax.Array) -> jax.Array:
        return cross_entropy(apply(spec, unravel(flat), stats, x, True)[0], y)

    data = (jnp.asarray(dataset.x_train), jnp.asarray(dataset.y_train))
    return loss, data, theta


@pytest.mark.parametrize("chunk_bytes", [None, 1, 7])  # one chunk; one example; uneven
def test_gradient_spread_in_chunks_is_the_per_example_gradients_mean_and_spread(
    monkeypatch: pytest.MonkeyPatch, chunk_bytes: int | None
) -> None:
    loss, (x, y), theta = _tiny_loss()
    stats = init_batch_stats(model_for(TINY, load_dataset(TINY)))
    per_example = np.stack(
        [
            np.asarray(jax.grad(loss, argnums=3)(stats, x[i : i + 1], y[i : i + 1], theta))
            for i in range(x.shape[0])
        ]
    ).astype(np.float64)
    if chunk_bytes is not None:  # examples per chunk: 1, or 7 (30 = 4 × 7 + 2)
        monkeypatch.setattr(batch_size, "GRADIENT_CHUNK_BYTES", chunk_bytes * 4 * theta.size)
    result = gradient_spread(loss, stats, x, y, theta)
    assert result.examples == x.shape[0] == 30
    np.testing.assert_allclose(result.mean, per_example.mean(axis=0), rtol=1e-5, atol=1e-7)
    spread = np.mean(np.sum(np.square(per_example - per_example.mean(axis=0)), axis=1))
    assert result.spread == pytest.approx(spread, rel=1e-5)


def test_gradient_chunks_stay_within_their_budget() -> None:
    # The schema's maximums: 3,000 examples of a 199k-parameter network (9 GB at once).
    assert batch_size.gradient_chunk(3000, 199_000) * 4 * 199_000 <= batch_size.GRADIENT_CHUNK_BYTES
    assert batch_size.gradient_chunk(30, 20) == 30
    assert batch_size.gradient_chunk(10, 10**9) == 1


def test_the_line_between_the_solutions_ends_at_each_run(result: dict[str, Any]) -> None:
    line = result["interpolation"]
    assert (line["small_batch"], line["large_batch"]) == (1, 30)
    x = np.asarray(line["x"])
    assert x[0] == -0.5 and x[-1] == 1.5 and np.all(np.diff(x) > 0)
    small, large = result["runs"][0], result["runs"][-1]
    for alpha, solution in ((0.0, small), (1.0, large)):
        (at,) = np.flatnonzero(x == alpha)
        assert line["train"][at] == pytest.approx(solution["train_loss"], rel=1e-5)
        assert line["test"][at] == pytest.approx(solution["test_loss"], rel=1e-5)


def test_each_slice_passes_through_its_minimum(result: dict[str, Any]) -> None:
    slices = result["slices"]
    assert [s["batch_size"] for s in slices] == [1, 30]
    for piece, solution in zip(slices, (result["runs"][0], result["runs"][-1]), strict=True):
        x = np.asarray(piece["x"])
        assert x[0] == -0.5 and x[-1] == 0.5 and len(piece["train"]) == len(x)
        (centre,) = np.flatnonzero(x == 0.0)
        assert piece["train"][centre] == pytest.approx(solution["train_loss"], rel=1e-5)
        assert piece["test"][centre] == pytest.approx(solution["test_loss"], rel=1e-5)
        assert piece["train"][0] != piece["train"][-1]  # the direction moves the weights


def test_the_result_table_is_built_from_the_runs(result: dict[str, Any]) -> None:
    assert result["comparison"] == comparison(result["runs"][0], result["runs"][-1])
    assert "batch_size" not in result["setup"]


# --- the table ----------------------------------------------------------------------------


def _fake_run(batch_size: int, **numbers: Any) -> dict[str, Any]:
    run = {
        "batch_size": batch_size,
        "seconds_per_update": 1e-5,
        "seconds_per_epoch": 3e-3,
        "gradient_noise": 1.0,
        "train_loss": 0.2,
        "test_loss": 0.3,
        "train_accuracy": 0.95,
        "test_accuracy": 0.9,
        "sharpness": 1.0,
    }
    return run | numbers


def _orders(small: dict[str, Any], large: dict[str, Any]) -> dict[str, int | None]:
    return dict(comparison(small, large)["orders"])


def test_the_comparison_when_the_data_agree_with_the_lecture() -> None:
    small = _fake_run(1, seconds_per_epoch=3e-3, gradient_noise=1.3, sharpness=0.7)
    large = _fake_run(
        300,
        seconds_per_update=2e-4,
        seconds_per_epoch=2e-4,
        gradient_noise=0.0,
        train_accuracy=0.84,
        test_accuracy=0.88,
        sharpness=2.3,
    )
    found = comparison(small, large)
    assert (found["small_batch"], found["large_batch"]) == (1, 300)
    # −1: the small batch's number is lower. Faster updates, slower epochs, a noisier
    # gradient, higher accuracies, a flatter minimum.
    assert found["orders"] == {
        "seconds_per_update": -1,
        "seconds_per_epoch": 1,
        "gradient_noise": 1,
        "train_accuracy": 1,
        "test_accuracy": 1,
        "sharpness": -1,
    }


def test_the_orders_follow_the_numbers_when_they_disagree_with_the_lecture() -> None:
    small = _fake_run(8, gradient_noise=0.1, train_accuracy=0.8, test_accuracy=0.7, sharpness=5)
    large = _fake_run(64, gradient_noise=0.5, sharpness=1.0)
    assert _orders(small, large) == {
        "seconds_per_update": 0,  # equal numbers
        "seconds_per_epoch": 0,
        "gradient_noise": -1,
        "train_accuracy": -1,
        "test_accuracy": -1,
        "sharpness": 1,
    }
    # Within the tolerances the two are alike; an unknown number compares to nothing.
    close = large | {"seconds_per_update": 1.4e-5, "train_accuracy": 0.955, "sharpness": None}
    orders = _orders(_fake_run(8), close)
    assert orders["seconds_per_update"] == 0  # 1.4× apart: within SAME_TIME_RATIO
    assert orders["train_accuracy"] == 0  # half a point apart
    assert orders["sharpness"] is None


def test_regression_compares_losses() -> None:
    small = _fake_run(1, train_accuracy=None, test_accuracy=None, train_loss=0.1, test_loss=0.2)
    large = _fake_run(32, train_accuracy=None, test_accuracy=None, train_loss=0.5, test_loss=0.4)
    orders = _orders(small, large)
    assert "train_accuracy" not in orders
    assert (orders["train_loss"], orders["test_loss"]) == (-1, -1)


# --- validation ---------------------------------------------------------------------------


def test_batch_sizes_clamp_to_the_training_set() -> None:
    assert actual_batch_sizes([64, FULL_BATCH, 1, 4096, 8], 30) == [1, 8, 30]
    with pytest.raises(ValueError, match="at least two different"):
        actual_batch_sizes([FULL_BATCH, 64], 30)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"batch_sizes": (1, -8)}, "not offered"),
        ({"batch_sizes": (1, 3)}, "not offered"),
        ({"batch_sizes": ()}, "at least two"),
        ({"batch_sizes": (FULL_BATCH, 4096)}, "at least two different"),
        ({"setup": replace(TINY, batch_norm=True)}, "batch norm"),
        ({"setup": replace(TINY, loss="mse")}, "does not fit"),
        ({"top_k": 0}, "top_k"),
        ({"resolution": 1}, "resolution"),
        ({"span": 0.0}, "span"),
    ],
)
def test_invalid_parameters_raise_before_training(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run(replace(PARAMS, **changes), lambda fraction: None)
