"""POST /api/grid: surface values (and gradients) on a grid, in Plotly's layout."""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from fastapi.testclient import TestClient

from descentlab.core.surfaces import SURFACES
from tests.api.conftest import all_finite, grid_request, strict_json


def _grid(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/grid", json=grid_request(**overrides))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return strict_json(response.text)


def _reference(surface_id: str, x: list[float], y: list[float], **params: float) -> np.ndarray:
    """f(x[i], y[j]) at [j][i], from the engine's surface function, point by point."""
    spec = SURFACES[surface_id]
    theta = jnp.asarray(spec.params_from(params), dtype=jnp.float64)
    fn = jax.jit(lambda p: spec.fn(p, theta))
    return np.array([[float(fn(jnp.array([xi, yj], dtype=jnp.float64))) for xi in x] for yj in y])


def test_values_are_z_j_i_equals_f_of_x_i_y_j(client: TestClient) -> None:
    # Rosenbrock is not symmetric in x and y, so a transposed grid would not match.
    body = _grid(client, surface="rosenbrock", resolution=8)
    z = np.array(body["z"])
    expected = _reference("rosenbrock", body["x"], body["y"])
    np.testing.assert_allclose(z, expected, rtol=1e-12, atol=1e-12)
    assert not np.allclose(z, expected.T)


def test_axes_span_the_surface_domain(client: TestClient) -> None:
    body = _grid(client, surface="rosenbrock", resolution=8)
    (x_lo, x_hi), (y_lo, y_hi) = SURFACES["rosenbrock"].domain
    np.testing.assert_allclose(body["x"], np.linspace(x_lo, x_hi, 8))
    np.testing.assert_allclose(body["y"], np.linspace(y_lo, y_hi, 8))


def test_default_resolution_is_128(client: TestClient) -> None:
    body = client.post("/api/grid", json={"surface": "booth"}).json()
    assert len(body["x"]) == len(body["y"]) == 128
    assert np.array(body["z"]).shape == (128, 128)


@pytest.mark.parametrize("resolution", [2, 8, 33])
def test_resolution_is_respected(client: TestClient, resolution: int) -> None:
    body = _grid(client, surface="rosenbrock", resolution=resolution)
    assert len(body["x"]) == resolution
    assert len(body["y"]) == resolution
    assert np.array(body["z"]).shape == (resolution, resolution)
    # The axes are not padded: they end exactly at the domain's upper corner.
    assert body["x"][-1] == pytest.approx(2.0)
    assert body["y"][-1] == pytest.approx(3.0)
    assert "dz_dx" not in body
    assert "dz_dy" not in body


def test_domain_override(client: TestClient) -> None:
    domain = {"x": [0.5, 1.5], "y": [-0.25, 0.75]}
    body = _grid(client, surface="rosenbrock", resolution=8, domain=domain)
    np.testing.assert_allclose(body["x"], np.linspace(0.5, 1.5, 8))
    np.testing.assert_allclose(body["y"], np.linspace(-0.25, 0.75, 8))
    expected = _reference("rosenbrock", body["x"], body["y"])
    np.testing.assert_allclose(body["z"], expected, rtol=1e-12, atol=1e-12)


def test_gradients_on_request(client: TestClient) -> None:
    body = _grid(client, surface="rosenbrock", resolution=8, gradients=True)
    x, y = np.meshgrid(body["x"], body["y"])  # x[j, i] = x_i, y[j, i] = y_j
    dz_dx = -2.0 * (1.0 - x) - 400.0 * x * (y - x**2)
    dz_dy = 200.0 * (y - x**2)
    np.testing.assert_allclose(body["dz_dx"], dz_dx, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(body["dz_dy"], dz_dy, rtol=1e-12, atol=1e-9)
    assert all_finite(body["dz_dx"])


def test_surface_selection_params_change_values(client: TestClient) -> None:
    domain = {"x": [-2.0, 2.0], "y": [-1.0, 1.0]}
    default = _grid(client, surface="elongated_quadratic", resolution=8, domain=domain)
    changed = _grid(
        client,
        surface={"id": "elongated_quadratic", "params": {"condition": 3}},
        resolution=8,
        domain=domain,
    )
    x, y = np.meshgrid(changed["x"], changed["y"])
    np.testing.assert_allclose(changed["z"], x**2 + 3.0 * y**2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(default["z"], x**2 + 100.0 * y**2, rtol=1e-12, atol=1e-12)


def test_surface_selection_without_params_is_the_default(client: TestClient) -> None:
    bare = _grid(client, surface="elongated_quadratic", resolution=8)
    selected = _grid(client, surface={"id": "elongated_quadratic"}, resolution=8)
    assert bare == selected


def test_unknown_surface_param_is_422(client: TestClient) -> None:
    response = client.post(
        "/api/grid",
        json=grid_request(surface={"id": "elongated_quadratic", "params": {"kappa": 3}}),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "kappa" in strict_json(response.text)["detail"]


@pytest.mark.parametrize("condition", [0.5, 1e5])
def test_out_of_range_surface_param_is_422(client: TestClient, condition: float) -> None:
    response = client.post(
        "/api/grid",
        json=grid_request(
            surface={"id": "elongated_quadratic", "params": {"condition": condition}}
        ),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = strict_json(response.text)["detail"]
    assert "surface.params: condition must be within [1, 10000]" in detail
