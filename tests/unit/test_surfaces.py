"""The surface catalogue: formulas, derivatives, listed minima and domains."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from descentlab.core.surfaces import SURFACES, SurfaceFn, get_surface

SURFACE_IDS = list(SURFACES)
FD_POINTS = 20


@partial(jax.jit, static_argnums=0)
def _batched(fn: SurfaceFn, points: jax.Array, theta: jax.Array) -> tuple[jax.Array, ...]:
    """Value, gradient and Hessian at each point: one compile per surface, not per op."""
    over = partial(jax.vmap, in_axes=(0, None))
    return (
        over(fn)(points, theta),
        over(jax.grad(fn))(points, theta),
        over(jax.hessian(fn))(points, theta),
    )


def _evaluate(
    surface_id: str, points: np.ndarray, params: tuple[float, ...] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_batched`` at ``points`` (padded to ``FD_POINTS`` rows to share the compile)."""
    surface = SURFACES[surface_id]
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    count = len(points)
    padded = np.concatenate([points, np.repeat(points[:1], FD_POINTS - count, axis=0)])
    theta = surface.default_params() if params is None else params
    values, gradients, hessians = jax.device_get(
        _batched(surface.fn, jnp.asarray(padded), jnp.asarray(theta, dtype=jnp.float64))
    )
    return values[:count], gradients[:count], hessians[:count]


def _value(surface_id: str, x: float, y: float, params: tuple[float, ...] | None = None) -> float:
    return float(_evaluate(surface_id, np.array([x, y]), params)[0][0])


def _random_points(surface_id: str, count: int) -> np.ndarray:
    (x_lo, x_hi), (y_lo, y_hi) = SURFACES[surface_id].domain
    rng = np.random.default_rng(sum(map(ord, surface_id)))
    points = np.column_stack(
        [rng.uniform(x_lo, x_hi, 4 * count), rng.uniform(y_lo, y_hi, 4 * count)]
    )
    if surface_id == "ackley":  # the kink at the origin has no derivative
        points = points[np.linalg.norm(points, axis=1) > 1e-2]
    return points[:count]


def test_ids_are_unique_and_match_keys() -> None:
    ids = [surface.id for surface in SURFACES.values()]
    assert len(ids) == len(set(ids))
    assert ids == list(SURFACES)
    assert len(ids) >= 15


def test_get_surface_unknown_id_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="rosenbrock"):
        get_surface("no_such_surface")


@pytest.mark.parametrize("surface_id", SURFACE_IDS)
def test_default_start_and_minima_lie_inside_the_domain(surface_id: str) -> None:
    surface = SURFACES[surface_id]
    (x_lo, x_hi), (y_lo, y_hi) = surface.domain
    assert x_lo < x_hi and y_lo < y_hi
    x0, y0 = surface.default_start
    assert x_lo <= x0 <= x_hi and y_lo <= y0 <= y_hi
    for minimum in surface.minima:
        assert x_lo <= minimum.x <= x_hi and y_lo <= minimum.y <= y_hi


@pytest.mark.parametrize("surface_id", SURFACE_IDS)
def test_gradient_matches_central_finite_differences(surface_id: str) -> None:
    points = _random_points(surface_id, FD_POINTS)
    assert points.shape == (FD_POINTS, 2)
    values, autodiff, _ = _evaluate(surface_id, points)
    eps = np.finfo(np.float64).eps
    for axis in range(2):
        h = 1e-6 * np.maximum(1.0, np.abs(points[:, axis]))
        offset = np.zeros_like(points)
        offset[:, axis] = h
        plus = _evaluate(surface_id, points + offset)[0]
        minus = _evaluate(surface_id, points - offset)[0]
        central = (plus - minus) / (2.0 * h)
        # 1e-6 relative to the gradient's size, plus the rounding floor of the difference
        # quotient (a few ulps of f divided by the step).
        tolerance = 1e-6 * np.maximum(1.0, np.linalg.norm(autodiff, axis=1))
        tolerance += 8.0 * eps * np.maximum(1.0, np.abs(values)) / h
        np.testing.assert_array_less(np.abs(central - autodiff[:, axis]), tolerance)


@pytest.mark.parametrize(
    ("surface_id", "minimum_index"),
    [(sid, i) for sid in SURFACE_IDS for i in range(len(SURFACES[sid].minima))],
)
def test_listed_minimum_has_listed_value_zero_gradient_and_positive_curvature(
    surface_id: str, minimum_index: int
) -> None:
    minimum = SURFACES[surface_id].minima[minimum_index]
    (value,), (gradient,), (hessian,) = _evaluate(surface_id, np.array([minimum.x, minimum.y]))
    assert value == pytest.approx(minimum.value, abs=1e-9, rel=1e-12)
    np.testing.assert_allclose(gradient, 0.0, atol=1e-9)
    eigenvalues = np.linalg.eigvalsh(hessian)
    if surface_id == "w1w2_saddle":
        # Not isolated: the whole hyperbola w1·w2 = 1 is a valley of minima, so the
        # Hessian there is [[2, 2], [2, 2]]: eigenvalues 0 (along the valley) and 4.
        np.testing.assert_allclose(eigenvalues, [0.0, 4.0], atol=1e-12)
    else:
        assert eigenvalues[0] > 1e-4 * eigenvalues[1] > 0  # Rosenbrock: κ ≈ 2500


def test_every_surface_except_the_saddles_lists_a_minimum() -> None:
    without = {sid for sid, surface in SURFACES.items() if not surface.minima}
    # The loss surfaces over logits only approach their infimum (0) as y₁ → ∞.
    assert without == {"saddle", "monkey_saddle", "logits_cross_entropy", "logits_mse"}


# Textbook definitions at non-trivial points. The numbers are worked out by hand (the
# arithmetic is in the comments) or, for the transcendental ones, with plain ``math``.
HAND_VALUES = [
    # (1 + 1.2)² + 100 (1 − 1.44)² = 4.84 + 19.36
    ("rosenbrock", -1.2, 1.0, 24.2),
    # 0.5² + 100 (−0.5 − 0.25)² = 0.25 + 56.25
    ("rosenbrock", 0.5, -0.5, 56.5),
    # 1.5² + 2.25² + 2.625²
    ("beale", 1.0, 1.0, 14.203125),
    # (−0.5)² + 0.25² + 0.625²
    ("beale", 2.0, 0.0, 0.703125),
    # 121 + 49
    ("himmelblau", 0.0, 0.0, 170.0),
    # (−9)² + (−5)²
    ("himmelblau", 1.0, 1.0, 106.0),
    # 20 + (1 − 10) + (0 − 10)
    ("rastrigin", 1.0, 0.0, 1.0),
    # 20 + 2 (0.25 + 10)
    ("rastrigin", 0.5, 0.5, 40.5),
    # 20 + (0.0625 − 10 cos(π/2)) + (0 − 10)
    ("rastrigin", 0.25, 0.0, 10.0625),
    # 20 (1 − e^{−0.2}): the cosine term is e¹, cancelling +e
    ("ackley", 1.0, 1.0, 3.6253849384403636),
    # 20 (1 − e^{−0.2·√0.5})
    ("ackley", 1.0, 0.0, 2.637531092108303),
    # −20 e^{−0.2·√0.125} − e⁰ + e + 20
    ("ackley", 0.5, 0.0, 3.0836533599911533),
    # 7² + 5²
    ("booth", 0.0, 0.0, 74.0),
    # (−3)² + 0²
    ("booth", 2.0, 1.0, 9.0),
    # (1 + 1·19)(30 + 0)
    ("goldstein_price", 0.0, 0.0, 600.0),
    # (1 + 9·3)(30 + 1·37) = 28 · 67
    ("goldstein_price", 1.0, 1.0, 1876.0),
    # (4 − 2.1 + 1/3) + 1 + 0
    ("six_hump_camel", 1.0, 1.0, 3.2333333333333334),
    # (4 − 0.525 + 0.0625/3)·0.25 − 0.25 − 3·0.25
    ("six_hump_camel", 0.5, -0.5, -0.1260416666666666),
    # ½ · 2 (1 − 16 + 5)
    ("styblinski_tang", 1.0, 1.0, -10.0),
    # ½ (0 + 16 − 64 + 10)
    ("styblinski_tang", 0.0, 2.0, -19.0),
    # 0.26 · 2 − 0.48
    ("matyas", 1.0, 1.0, 0.04),
    # 0.26 · 5 + 0.96
    ("matyas", 2.0, -1.0, 2.26),
    ("saddle", 1.0, 2.0, -3.0),
    ("saddle", -1.5, 0.5, 2.0),
    # 1 − 3
    ("monkey_saddle", 1.0, 1.0, -2.0),
    # 8 − 6
    ("monkey_saddle", 2.0, 1.0, 2.0),
    # 1 + 100 · 1 (κ = 100 by default)
    ("elongated_quadratic", 1.0, 1.0, 101.0),
    ("elongated_quadratic", -3.0, 0.5, 34.0),
    ("w1w2_saddle", 0.0, 0.0, 1.0),
    ("w1w2_saddle", 0.5, 1.0, 0.25),
    ("w1w2_saddle", 2.0, 1.5, 4.0),
    # −e^{−1/(2·0.15²)} − e^{−2.25/(2·0.7²)}
    ("sharp_flat", 0.0, 0.0, -0.10066889999626091),
    # 0.05 − 1 − e^{−6.25/(2·0.7²)}
    ("sharp_flat", -1.0, 0.0, -0.9516992793655527),
    # 0.05·2.5 − e^{−6.5/(2·0.15²)} − e^{−0.25/(2·0.7²)}
    ("sharp_flat", 1.5, 0.5, -0.6498374288832492),
    # y₃ = −20 by default: ln(2 + e^{−20}) at equal logits; with plain math elsewhere
    ("logits_cross_entropy", 0.0, 0.0, 0.693147181590522),
    ("logits_cross_entropy", 2.0, -1.0, 0.048587351839459544),
    ("logits_cross_entropy", -8.0, 8.0, 16.00000011253586),
    # (1 − ½)² + ½² (+ e^{−40}-small)
    ("logits_mse", 0.0, 0.0, 0.5),
    ("logits_mse", 2.0, -1.0, 0.004498426916122443),
    ("logits_mse", -8.0, 8.0, 1.999999549857994),
]


def test_hand_values_cover_every_surface() -> None:
    assert {surface_id for surface_id, *_ in HAND_VALUES} == set(SURFACES)


@pytest.mark.parametrize(("surface_id", "x", "y", "expected"), HAND_VALUES)
def test_textbook_definition_at_hand_computed_point(
    surface_id: str, x: float, y: float, expected: float
) -> None:
    assert _value(surface_id, x, y) == pytest.approx(expected, rel=1e-13, abs=1e-13)


def test_elongated_quadratic_condition_sets_the_hessian() -> None:
    surface = SURFACES["elongated_quadratic"]
    (parameter,) = surface.parameters
    assert parameter.name == "condition"
    assert surface.default_params() == (100.0,)
    for kappa in (1.0, 7.5, 100.0, 1e4):
        (_,), (_,), (hessian,) = _evaluate("elongated_quadratic", np.array([0.3, -1.7]), (kappa,))
        np.testing.assert_array_equal(hessian, [[2.0, 0.0], [0.0, 2.0 * kappa]])
        assert _value("elongated_quadratic", 2.0, 1.0, (kappa,)) == 4.0 + kappa


def test_params_from_fills_defaults_and_rejects_unknown_names() -> None:
    surface = SURFACES["elongated_quadratic"]
    assert surface.params_from(None) == (100.0,)
    assert surface.params_from({"condition": 3}) == (3.0,)
    with pytest.raises(ValueError, match="kappa"):
        surface.params_from({"kappa": 3.0})
    assert SURFACES["rosenbrock"].params_from({}) == ()


def test_lecture_saddle_at_the_origin_is_exact() -> None:
    (value,), (gradient,), (hessian,) = _evaluate("w1w2_saddle", np.zeros(2))
    assert value == 1.0
    np.testing.assert_array_equal(gradient, [0.0, 0.0])
    np.testing.assert_array_equal(hessian, [[0.0, -2.0], [-2.0, 0.0]])


def test_ackley_gradient_at_its_kink_is_zero_not_nan() -> None:
    (value,), (gradient,), _ = _evaluate("ackley", np.zeros(2))
    assert value == pytest.approx(0.0, abs=1e-14)
    np.testing.assert_array_equal(gradient, [0.0, 0.0])


@pytest.mark.parametrize("surface_id", SURFACE_IDS)
def test_values_are_float64_and_finite_over_the_domain(surface_id: str) -> None:
    values, gradients, _ = _evaluate(surface_id, _random_points(surface_id, FD_POINTS))
    assert values.dtype == np.float64 and gradients.dtype == np.float64
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(gradients))
