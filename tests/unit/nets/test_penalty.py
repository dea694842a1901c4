"""L1 / L2 weight penalties: their value, their gradient in training, their Hessian."""

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from descentlab.core.experiments.batch_size import BatchSizeParams
from descentlab.core.experiments.batch_size import check_params as check_batch_size
from descentlab.core.experiments.train import (
    NetworkSetup,
    flat_objective,
    load_dataset,
    mlp_for,
    objective_data,
)
from descentlab.core.nets.models import (
    init_batch_stats,
    init_params,
    penalty_rates,
    weight_penalty,
)
from descentlab.core.nets.network_losses import network_loss
from descentlab.core.nets.training import (
    NO_PENALTY,
    TrainState,
    init_optimizer_state,
    train_epoch,
    whole_epoch,
)
from descentlab.core.optimizers import OPTIMIZERS

SETUP = NetworkSetup(n_samples=40, widths=(3,), batch_size="full")


def _params() -> dict:
    return {
        "layers": [
            {"w": jnp.array([[1.0, -2.0], [0.5, 0.0]]), "b": jnp.array([7.0, -7.0])},
            {"w": jnp.array([[-3.0], [1.0]]), "b": jnp.array([100.0])},
        ]
    }


def test_the_penalty_is_on_weights_only() -> None:
    params = _params()
    # Σ|w| = 1 + 2 + 0.5 + 0 + 3 + 1 = 7.5; Σw² = 1 + 4 + 0.25 + 9 + 1 = 15.25.
    assert float(weight_penalty(params, penalty_rates("l1", 0.1))) == pytest.approx(0.75)
    assert float(weight_penalty(params, penalty_rates("l2", 0.1))) == pytest.approx(0.7625)
    assert float(weight_penalty(params, penalty_rates("none", 0.1))) == 0.0
    grad = jax.grad(lambda p: weight_penalty(p, penalty_rates("l2", 0.5)))(params)
    np.testing.assert_allclose(grad["layers"][0]["w"], 0.5 * params["layers"][0]["w"])
    np.testing.assert_array_equal(grad["layers"][1]["b"], [0.0])  # biases are free
    grad = jax.grad(lambda p: weight_penalty(p, penalty_rates("l1", 0.5)))(params)
    np.testing.assert_allclose(grad["layers"][1]["w"], [[-0.5], [0.5]])


def _one_full_batch_step(regularization: str, rate: float) -> np.ndarray:
    """One step of plain gradient descent (η = 0.1) over the whole training set."""
    dataset = load_dataset(SETUP)
    spec = mlp_for(SETUP, dataset)
    sgd = OPTIMIZERS["sgd"]
    params = init_params(spec, jax.random.key(0))
    eta = jnp.asarray(0.1, dtype=jnp.float32)
    state = TrainState(params, init_batch_stats(spec), init_optimizer_state(sgd, params, eta, {}))
    x, y = jnp.asarray(dataset.x_train), jnp.asarray(dataset.y_train)
    new, _ = train_epoch(
        spec, "cross_entropy", len(dataset.x_train), sgd, state, x, y, jax.random.key(1),
        jnp.full(1, 0.1, dtype=jnp.float32), {}, penalty_rates(regularization, rate),  # type: ignore[arg-type]
        whole_epoch(1),
    )  # fmt: skip
    return np.asarray(ravel_pytree(new.params)[0]), np.asarray(ravel_pytree(params)[0])


def _weight_mask() -> np.ndarray:
    spec = mlp_for(SETUP, load_dataset(SETUP))
    params = init_params(spec, jax.random.key(0))
    marks = jax.tree_util.tree_map_with_path(
        lambda path, leaf: jnp.full(leaf.shape, path[-1].key == "w", dtype=jnp.float32), params
    )
    return np.asarray(ravel_pytree(marks)[0]).astype(bool)


def test_a_training_step_descends_the_penalty_too() -> None:
    """Gradient descent's step with L2 is the plain step plus −ηλ₂w on each weight (PyTorch's
    weight decay), with L1 plus −ηλ₁·sign(w); biases move as without a penalty."""
    plain, start = _one_full_batch_step("none", 0.3)
    weights = _weight_mask()
    l2, _ = _one_full_batch_step("l2", 0.3)
    np.testing.assert_allclose(l2 - plain, np.where(weights, -0.1 * 0.3 * start, 0), atol=2e-7)
    l1, _ = _one_full_batch_step("l1", 0.3)
    np.testing.assert_allclose(
        l1 - plain, np.where(weights, -0.1 * 0.3 * np.sign(start), 0), atol=2e-7
    )


def test_the_landscape_and_hessian_see_the_penalty() -> None:
    """The objective they read is the data's loss plus the penalty; its Hessian is the
    data's plus λ₂ on each weight's diagonal entry (L1's second derivative is zero)."""
    dataset = load_dataset(SETUP)
    spec = mlp_for(SETUP, dataset)
    params = init_params(spec, jax.random.key(3))
    stats = init_batch_stats(spec)
    l2 = replace(SETUP, regularization="l2", regularization_rate=0.25)
    loss = network_loss(spec, SETUP.loss)
    plain = float(loss(params, objective_data(SETUP, stats, dataset.x_train, dataset.y_train)))
    with_l2 = float(loss(params, objective_data(l2, stats, dataset.x_train, dataset.y_train)))
    assert with_l2 - plain == pytest.approx(
        float(weight_penalty(params, penalty_rates("l2", 0.25)))
    )

    theta = ravel_pytree(params)[0].astype(jnp.float64)
    dense = {}
    for name, setup in (("none", SETUP), ("l2", l2), ("l1", replace(l2, regularization="l1"))):
        objective = flat_objective(spec, setup, stats, dataset.x_train, dataset.y_train)
        dense[name] = np.asarray(jax.hessian(objective)(theta))
    difference = dense["l2"] - dense["none"]
    np.testing.assert_allclose(difference, np.diag(0.25 * _weight_mask()), atol=1e-9)
    np.testing.assert_allclose(dense["l1"], dense["none"], atol=1e-9)


def test_no_penalty_is_the_unregularized_program() -> None:
    setup = replace(SETUP, regularization="l2", regularization_rate=0.0)
    dataset = load_dataset(setup)
    data = objective_data(setup, {}, dataset.x_train, dataset.y_train)
    assert len(data) == 3  # no penalty entry: the programs every other setup runs
    assert NO_PENALTY.dtype == np.float32 and not NO_PENALTY.any()


def test_experiments_that_compare_the_data_loss_refuse_a_penalty() -> None:
    params = BatchSizeParams()
    regularized = replace(params, setup=replace(params.setup, regularization="l2"))
    with pytest.raises(ValueError, match="regularization is not offered here"):
        check_batch_size(regularized)
    check_batch_size(params)
