"""Your own model from Python (``descentlab.networks``): an Equinox model and a plain pytree,
their Hessians against ``jax.hessian``, layer blocks by the pytree's structure, landscapes
along eigenvectors, the lab's figures drawing the results, and no compile on a repeat."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from descentlab import figures, networks
from descentlab.core.nets.datasets import moons
from tests.compile_counter import count_compiles

DATA = moons(n_samples=120, noise=0.2, seed=1)
X, Y = jnp.asarray(DATA.x_train, jnp.float64), jnp.asarray(DATA.y_train)


def _cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    picked = jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1)
    return -jnp.mean(picked)


MODEL = eqx.nn.MLP(2, 2, 5, 2, activation=jnp.tanh, key=jax.random.key(0))
ARRAYS, STATIC = eqx.partition(MODEL, eqx.is_array)
PARAMS = jax.tree.map(lambda a: a.astype(jnp.float64), ARRAYS)


def equinox_loss(params: Any, data: tuple[jax.Array, jax.Array]) -> jax.Array:
    model = eqx.combine(params, STATIC)
    x, y = data
    return _cross_entropy(jax.vmap(model)(x), y)


def _dense(loss: Any, params: Any, data: Any) -> np.ndarray:
    theta, unravel = ravel_pytree(params)
    return np.asarray(jax.hessian(lambda t: loss(unravel(t), data))(theta))


def test_an_equinox_models_hessian_per_layer_and_whole() -> None:
    result = networks.hessian(equinox_loss, PARAMS, (X, Y), top_k=3, iterations=60, probes=64)
    dense = _dense(equinox_loss, PARAMS, (X, Y))
    eigenvalues = np.linalg.eigvalsh(dense)
    assert result["parameters"] == dense.shape[0] == 2 * 5 + 5 + 5 * 5 + 5 + 5 * 2 + 2
    np.testing.assert_allclose(result["spectrum"], eigenvalues, atol=1e-10)
    assert result["top_eigenvalues"] == pytest.approx(eigenvalues[::-1][:3], rel=1e-6)
    assert result["loss"] == pytest.approx(float(equinox_loss(PARAMS, (X, Y))))
    # Equinox's MLP holds its Linear layers in a list: one block per layer, named by path.
    names = [row["layer"] for row in result["per_layer"]]
    assert names == ["layers.0", "layers.1", "layers.2"]
    start = 0
    for row in result["per_layer"]:
        block = dense[start : start + row["parameters"], start : start + row["parameters"]]
        assert row["top_eigenvalue"] == pytest.approx(np.linalg.eigvalsh(block)[-1], rel=1e-6)
        trace = row["trace"]
        assert abs(trace["estimate"] - np.trace(block)) <= 5 * trace["standard_error"] + 1e-9
        start += row["parameters"]
    figure = figures.hessian_spectrum(result=result)
    assert figure.data[0].name == "density"


def test_a_landscape_along_the_hessians_eigenvectors_and_a_random_plane() -> None:
    dense = _dense(equinox_loss, PARAMS, (X, Y))
    top_two = np.linalg.eigvalsh(dense)[::-1][:2]
    along = networks.landscape(
        equinox_loss, PARAMS, (X, Y), directions="hessian", resolution=11, span=0.1
    )
    assert along["eigenvalues"] == pytest.approx(top_two, rel=1e-6)
    assert along["centre"]["matches"]
    z, h = np.asarray(along["z"]), along["x"][1] - along["x"][0]
    # ½λα² along each eigenvector: the grid's second differences at the centre.
    assert (z[5, 6] - 2 * z[5, 5] + z[5, 4]) / h**2 == pytest.approx(top_two[0], rel=0.02)
    assert (z[6, 5] - 2 * z[5, 5] + z[4, 5]) / h**2 == pytest.approx(top_two[1], rel=0.02)
    plane = networks.landscape(equinox_loss, PARAMS, (X, Y), resolution=7)
    assert np.asarray(plane["z"]).shape == (7, 7) and plane["directions"] == "random"
    assert figures.landscape(result=plane).data[0].type == "contour"
    with pytest.raises(ValueError, match="directions"):
        networks.landscape(equinox_loss, PARAMS, (X, Y), directions="pca")  # type: ignore[arg-type]


def plain_loss(params: dict[str, Any], data: tuple[jax.Array, jax.Array]) -> jax.Array:
    x, y = data
    hidden = jnp.tanh(x @ params["hidden"]["kernel"] + params["hidden"]["bias"][None, :])
    return _cross_entropy(hidden @ params["out"]["kernel"] + params["out"]["bias"][None, :], y)


def test_a_plain_pytree_names_its_blocks_and_a_repeat_compiles_nothing() -> None:
    key = jax.random.split(jax.random.key(3), 2)
    params = {
        "hidden": {"kernel": jax.random.normal(key[0], (2, 4)), "bias": jnp.zeros(4)},
        "out": {"kernel": jax.random.normal(key[1], (4, 2)), "bias": jnp.zeros(2)},
    }
    assert networks.layer_blocks(params) == [("hidden", 0, 12), ("out", 12, 10)]
    assert networks.layer_blocks({"w": jnp.zeros(3)}) == [("w", 0, 3)]
    networks.hessian(plain_loss, params, (X, Y), top_k=2, iterations=16, probes=4)
    moved = jax.tree.map(lambda a: a + 0.1, params)  # other values, same shapes
    other = (X[::-1], Y[::-1])  # other data, same shapes
    with count_compiles() as log:
        networks.hessian(plain_loss, moved, other, top_k=2, iterations=16, probes=4)
    assert log.compiles == []
