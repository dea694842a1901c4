"""Surface values and gradients on a regular grid (Plotly's layout: z[j][i] = f(x[i], y[j]))."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from descentlab.core.grid import Grid, evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.surfaces import get_surface

# Non-square on purpose (different extents and different centres), so x/y swaps show.
DOMAIN = ((-4.0, 1.0), (-1.5, 3.5))
RESOLUTION = 37  # not a power of two: the engine pads to 64 and must cut back


def _himmelblau(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Independent NumPy formula; not symmetric in x and y."""
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def _himmelblau_gradient(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    a, b = x**2 + y - 11.0, x + y**2 - 7.0
    return np.stack([4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b], axis=-1)


@pytest.fixture(scope="module")
def grid() -> Grid:
    objective = Objective.from_surface(get_surface("himmelblau"), domain=DOMAIN)
    return evaluate_grid(objective, RESOLUTION, with_gradient=True)


def test_axes_have_resolution_points_and_span_the_domain(grid: Grid) -> None:
    (x_lo, x_hi), (y_lo, y_hi) = DOMAIN
    assert grid.x.shape == (RESOLUTION,) and grid.y.shape == (RESOLUTION,)
    assert grid.x[0] == x_lo and grid.x[-1] == x_hi
    assert grid.y[0] == y_lo and grid.y[-1] == y_hi
    np.testing.assert_allclose(np.diff(grid.x), (x_hi - x_lo) / (RESOLUTION - 1), rtol=1e-12)
    np.testing.assert_allclose(np.diff(grid.y), (y_hi - y_lo) / (RESOLUTION - 1), rtol=1e-12)


def test_layout_is_z_row_j_column_i(grid: Grid) -> None:
    assert grid.z.shape == (RESOLUTION, RESOLUTION)
    expected = _himmelblau(grid.x[None, :], grid.y[:, None])
    np.testing.assert_allclose(grid.z, expected, rtol=1e-14, atol=1e-12)
    # A couple of cells by hand: (x[0], y[0]) = (−4, −1.5) and (x[-1], y[0]) = (1, −1.5).
    assert grid.z[0, 0] == pytest.approx((16 - 1.5 - 11) ** 2 + (-4 + 2.25 - 7) ** 2)
    assert grid.z[0, -1] == pytest.approx((1 - 1.5 - 11) ** 2 + (1 + 2.25 - 7) ** 2)
    # The transpose is a different surface here, so a swapped layout cannot pass.
    assert not np.allclose(grid.z, expected.T)


def test_gradients_match_jax_grad_pointwise(grid: Grid) -> None:
    assert grid.gradient is not None
    assert grid.gradient.shape == (RESOLUTION, RESOLUTION, 2)
    surface = get_surface("himmelblau")
    points = np.stack(np.meshgrid(grid.x, grid.y), axis=-1).reshape(-1, 2)
    autodiff = jax.vmap(jax.grad(surface.fn), in_axes=(0, None))(jnp.asarray(points), jnp.zeros(0))
    np.testing.assert_allclose(
        grid.gradient,
        np.asarray(autodiff).reshape(RESOLUTION, RESOLUTION, 2),
        rtol=1e-12,
        atol=1e-11,  # compiled and eager code round differently near zeros of ∇f
    )
    np.testing.assert_allclose(
        grid.gradient,
        _himmelblau_gradient(grid.x[None, :], grid.y[:, None]),
        rtol=1e-12,
        atol=1e-11,
    )


def test_without_gradient_returns_none_and_the_same_values(grid: Grid) -> None:
    objective = Objective.from_surface(get_surface("himmelblau"), domain=DOMAIN)
    plain = evaluate_grid(objective, RESOLUTION)
    assert plain.gradient is None
    np.testing.assert_array_equal(plain.z, grid.z)


@pytest.mark.parametrize("resolution", [16, 17, 33, 64])
def test_bucket_edges_give_exact_resolution(resolution: int) -> None:
    objective = Objective.from_surface(get_surface("booth"), domain=((0.0, 3.0), (-2.0, 0.0)))
    result = evaluate_grid(objective, resolution)
    assert result.x.shape == (resolution,) and result.y.shape == (resolution,)
    assert result.z.shape == (resolution, resolution)
    assert (result.x[0], result.x[-1], result.y[0], result.y[-1]) == (0.0, 3.0, -2.0, 0.0)
    x, y = result.x[None, :], result.y[:, None]
    expected = (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2
    np.testing.assert_allclose(result.z, expected, rtol=1e-14)


def test_default_domain_and_surface_params_are_used() -> None:
    surface = get_surface("elongated_quadratic")
    result = evaluate_grid(Objective.from_surface(surface, params=(3.0,)), 21)
    (x_lo, x_hi), (y_lo, y_hi) = surface.domain
    assert (result.x[0], result.x[-1], result.y[0], result.y[-1]) == (x_lo, x_hi, y_lo, y_hi)
    np.testing.assert_allclose(result.z, result.x[None, :] ** 2 + 3.0 * result.y[:, None] ** 2)
