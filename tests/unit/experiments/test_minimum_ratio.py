"""The minimum ratio experiment: polished points are critical, their spectra are right."""

import itertools
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import Array
from jax.flatten_util import ravel_pytree
from jax.tree_util import Partial

from descentlab.core.experiments import minimum_ratio as minimum_ratio_module
from descentlab.core.experiments.minimum_ratio import (
    MinimumRatioParams,
    epochs_trained,
    find_critical_point,
    run,
)
from descentlab.core.experiments.train import NetworkSetup, load_dataset, model_for
from descentlab.core.nets.datasets import Dataset
from descentlab.core.nets.hessian import minimum_ratio
from descentlab.core.nets.models import MLPSpec, Weights, apply, cross_entropy, init_params
from descentlab.core.nets.network_losses import flat_loss
from descentlab.core.nets.training import TrainingRun, train
from descentlab.core.optimizers import get_optimizer
from tests.compile_counter import count_compiles

# 40 moons: 15 training points per class, so the classes are exactly balanced.
SETUP = NetworkSetup(n_samples=40, widths=(3,), learning_rate=0.03, batch_size=16, epochs=6)
DECAY = 3e-3
SMALL = MinimumRatioParams(setup=SETUP, widths=((3,), (2, 2)), seeds=3, polish_steps=200)


def independent_objective(
    spec: MLPSpec, x: np.ndarray, y: np.ndarray, decay: float
) -> Callable[[Array], Array]:
    """F(θ) = mean cross-entropy + (α/2)‖θ‖², built from the model, not from ``flat_loss``."""
    xs, ys = jnp.asarray(x, jnp.float64), jnp.asarray(y)

    def objective(theta: Array) -> Array:
        logits, _ = apply(spec, _cut(spec, theta), {"mean": [], "var": []}, xs, False)
        return cross_entropy(logits, ys) + 0.5 * decay * jnp.sum(theta**2)

    return objective


def _cut(spec: MLPSpec, theta: Array) -> Weights:
    """θ cut by hand into layers, each bias then weights (``ravel_pytree``'s key order)."""
    layers, at = [], 0
    for fan_in, fan_out in itertools.pairwise(spec.sizes):
        bias = theta[at : at + fan_out]
        at += fan_out
        weights = theta[at : at + fan_in * fan_out].reshape(fan_in, fan_out)
        at += fan_in * fan_out
        layers.append({"b": bias, "w": weights})
    assert at == theta.size
    return {"layers": layers}


def trained_problem(epochs: int, seed: int = 1) -> tuple[MLPSpec, Partial, np.ndarray, Dataset]:
    dataset = load_dataset(SETUP)
    spec = model_for(SETUP, dataset)
    run = TrainingRun(
        spec,
        SETUP.loss,
        get_optimizer("adam"),
        {"learning_rate": SETUP.learning_rate},
        SETUP.batch_size,
        epochs,
        seed,
        boundary_resolution=None,
    )
    trained = train(run, dataset)
    data_loss = Partial(
        flat_loss(spec, SETUP.loss),
        trained.batch_stats,
        jnp.asarray(dataset.x_train),
        jnp.asarray(dataset.y_train),
    )
    return spec, data_loss, np.asarray(ravel_pytree(trained.params)[0]), dataset


def test_polishing_drives_the_gradient_norm_to_rounding_level() -> None:
    spec, data_loss, theta, dataset = trained_problem(epochs=20)
    objective = independent_objective(spec, dataset.x_train, dataset.y_train, DECAY)
    before = float(jnp.linalg.norm(jax.grad(objective)(jnp.asarray(theta, jnp.float64))))
    point = find_critical_point(data_loss, theta, DECAY, steps=200)
    after = float(jnp.linalg.norm(jax.grad(objective)(jnp.asarray(point.theta))))
    assert point.converged
    assert before > 1e-3
    assert after < 1e-10 * before
    assert point.gradient_norm == pytest.approx(after, abs=1e-12)
    assert point.loss == pytest.approx(
        float(objective(jnp.asarray(point.theta))) - 0.5 * DECAY * np.sum(point.theta**2)
    )
    assert point.distance == pytest.approx(float(np.linalg.norm(point.theta - theta)))


def test_polishing_in_chunks_gives_the_numbers_of_one_call_and_reports_between(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, data_loss, theta, _ = trained_problem(epochs=20)
    reports: list[int] = []
    whole = find_critical_point(data_loss, theta, DECAY, steps=45)
    monkeypatch.setattr(minimum_ratio_module, "POLISH_CHUNK", 7)
    chunked = find_critical_point(
        data_loss, theta, DECAY, steps=45, between_chunks=lambda: reports.append(1)
    )
    np.testing.assert_array_equal(chunked.theta, whole.theta)
    np.testing.assert_array_equal(chunked.eigenvalues, whole.eigenvalues)
    assert chunked.steps == whole.steps
    # 45 steps in chunks of 7: a report after each full chunk but the last (unless the
    # loop stopped early, when the damping ran away).
    assert len(reports) == (6 if whole.steps == 45 else whole.steps // 7)


def test_a_cancel_stops_polishing_at_the_next_chunk() -> None:
    _, data_loss, theta, _ = trained_problem(epochs=20)

    class CancelledError(Exception):
        pass

    def cancel() -> None:
        raise CancelledError

    with pytest.raises(CancelledError):
        find_critical_point(data_loss, theta, DECAY, steps=1000, between_chunks=cancel)


def test_the_spectrum_and_ratio_match_an_independent_hessian() -> None:
    spec, data_loss, theta, dataset = trained_problem(epochs=40, seed=3)
    point = find_critical_point(data_loss, theta, DECAY, steps=200)
    assert point.converged
    objective = independent_objective(spec, dataset.x_train, dataset.y_train, DECAY)
    hessian = np.asarray(jax.hessian(objective)(jnp.asarray(point.theta)))
    eigenvalues = np.linalg.eigvalsh(hessian)
    scale = np.max(np.abs(eigenvalues))
    assert point.eigenvalues == pytest.approx(eigenvalues, abs=1e-10 * scale)
    reference = minimum_ratio(eigenvalues)
    reported = minimum_ratio(point.eigenvalues)
    assert (reported.positive, reported.negative, reported.near_zero) == (
        reference.positive,
        reference.negative,
        reference.near_zero,
    )
    assert reported.ratio == reference.ratio


def test_the_origin_is_a_saddle_with_the_analytic_spectrum() -> None:
    """At θ = 0 a tanh net's hidden units output 0, and with balanced classes every gradient
    vanishes. F's Hessian there couples each unit's input weights to its output weights
    through M = mean xₙ(½ − ŷₙ)ᵀ (d × 2, rank 1), so it has eigenvalues α ± √2‖m‖ (m: M's
    first column) once per hidden unit, α + ½ for the output biases' difference, and α for
    everything else: a saddle with exactly (hidden units) negative eigenvalues.
    """
    dataset = load_dataset(SETUP)
    assert np.bincount(dataset.y_train).tolist() == [15, 15]
    spec = model_for(SETUP, dataset)
    n = int(ravel_pytree(init_params(spec, jax.random.key(0)))[0].size)
    data_loss = Partial(
        flat_loss(spec, SETUP.loss),
        {"mean": [], "var": []},
        jnp.asarray(dataset.x_train),
        jnp.asarray(dataset.y_train),
    )
    nearby = 1e-3 * np.random.default_rng(0).standard_normal(n)
    point = find_critical_point(data_loss, nearby, DECAY, steps=100)
    assert point.converged
    assert np.max(np.abs(point.theta)) < 1e-9  # polishing went back to the origin
    x = dataset.x_train.astype(np.float64)
    m = np.mean(x * (0.5 - (dataset.y_train == 0))[:, None], axis=0)
    coupling = np.sqrt(2.0) * np.linalg.norm(m)
    assert coupling > DECAY
    width = SETUP.widths[0]
    expected = np.sort(
        [DECAY - coupling] * width
        + [DECAY + coupling] * width
        + [DECAY + 0.5]
        + [DECAY] * (n - 2 * width - 1)
    )
    assert point.eigenvalues == pytest.approx(expected, abs=1e-9)
    ratio = minimum_ratio(point.eigenvalues)
    assert ratio.negative == width
    assert ratio.ratio == pytest.approx((n - width) / n)
    assert ratio.ratio < 1.0


def test_the_result_lists_every_network_and_adds_up() -> None:
    progress: list[float] = []
    result = run(SMALL, progress.append)
    json.dumps(result, allow_nan=False)
    networks = result["networks"]
    assert len(networks) == len(SMALL.widths) * SMALL.seeds
    assert len(progress) >= len(networks)
    assert progress == sorted(progress)
    assert progress[-1] == 1.0
    assert [n["widths"] for n in networks] == [[3]] * 3 + [[2, 2]] * 3
    assert [n["seed"] for n in networks] == [0, 1, 2] * 2
    assert [n["epochs_trained"] for n in networks] == [0, 2, 6] * 2
    assert [n["parameters"] for n in networks] == [17] * 3 + [18] * 3
    for n in networks:
        assert n["positive"] + n["negative"] + n["near_zero"] == n["parameters"]
        assert n["minimum_ratio"] == pytest.approx(n["positive"] / n["parameters"])
        assert n["converged"] == (n["gradient_norm"] <= 1e-8)
    scatter = result["scatter"]
    assert scatter["x"] == [n["train_loss"] for n in networks]
    assert scatter["y"] == [n["minimum_ratio"] for n in networks]
    assert scatter["converged"] == [n["converged"] for n in networks]
    assert scatter["text"][4].startswith("widths 2-2, seed 1")
    summary = result["summary"]
    critical = [n["minimum_ratio"] for n in networks if n["converged"]]
    assert summary["networks"] == 6
    assert summary["converged"] == len(critical) >= 4
    assert summary["mean_ratio"] == pytest.approx(np.mean(critical))
    assert summary["median_ratio"] == pytest.approx(np.median(critical))
    assert summary["reached_one"] == sum(r == 1.0 for r in critical)
    assert result["setup"]["dataset"] == "moons"


def test_other_seeds_and_settings_reuse_the_compiled_code() -> None:
    run(SMALL, lambda f: None)
    other = replace(SMALL, setup=replace(SETUP, seed=7), polish_steps=50, weight_decay=1e-2)
    with count_compiles() as log:
        run(other, lambda f: None)
    assert log.compiles == []
    assert log.traces == []


def test_epochs_are_spread_from_none_to_all() -> None:
    assert [epochs_trained(i, 5, 100) for i in range(5)] == [0, 6, 25, 56, 100]
    assert epochs_trained(0, 1, 30) == 30


@pytest.mark.parametrize(
    "change",
    [{"batch_norm": True}, {"activation": "relu"}, {"loss": "mse"}],
)
def test_unsupported_setups_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        run(replace(SMALL, setup=replace(SETUP, **change)), lambda f: None)
