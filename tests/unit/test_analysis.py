"""Point analysis: derivatives, eigenpairs, the second-order test and the Taylor model."""

import math

import numpy as np
import pytest

from descentlab.core.analysis import (
    EIGENVALUE_RTOL,
    GRADIENT_RTOL,
    PointAnalysis,
    analyze_point,
    classify,
)
from descentlab.core.objective import Objective
from descentlab.core.surfaces import SURFACES, get_surface

HIMMELBLAU_MAXIMUM = (-0.2708445906673476, -0.9230385564799816)


def _analyze(surface_id: str, point: tuple[float, float], **tolerances: float) -> PointAnalysis:
    return analyze_point(Objective.from_surface(get_surface(surface_id)), point, **tolerances)


def _f(surface_id: str, x: float, y: float) -> float:
    """Plain-Python formulas, independent of the engine."""
    formulas = {
        "w1w2_saddle": lambda: (1.0 - x * y) ** 2,
        "rosenbrock": lambda: (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2,
        "booth": lambda: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
        "saddle": lambda: x**2 - y**2,
    }
    return formulas[surface_id]()


def _assert_orthonormal_eigenpairs(analysis: PointAnalysis) -> None:
    vectors = analysis.eigenvectors
    np.testing.assert_allclose(vectors @ vectors.T, np.eye(2), atol=1e-12)
    for value, vector in zip(analysis.eigenvalues, vectors, strict=True):
        np.testing.assert_allclose(analysis.hessian @ vector, value * vector, atol=1e-9)
    assert analysis.eigenvalues[0] <= analysis.eigenvalues[1]


def test_lecture_saddle_at_origin() -> None:
    analysis = _analyze("w1w2_saddle", (0.0, 0.0))
    assert analysis.kind == "saddle"
    assert analysis.critical
    assert analysis.value == 1.0
    np.testing.assert_array_equal(analysis.gradient, [0.0, 0.0])
    assert analysis.gradient_norm == 0.0
    np.testing.assert_array_equal(analysis.hessian, [[0.0, -2.0], [-2.0, 0.0]])
    np.testing.assert_array_equal(analysis.eigenvalues, [-2.0, 2.0])
    np.testing.assert_allclose(np.linalg.norm(analysis.eigenvectors, axis=1), 1.0, rtol=1e-15)
    _assert_orthonormal_eigenpairs(analysis)
    escape = analysis.escape_direction
    assert escape is not None
    np.testing.assert_allclose(escape, np.array([1.0, 1.0]) / math.sqrt(2.0), rtol=1e-15)
    np.testing.assert_array_equal(escape, analysis.eigenvectors[0])


def test_step_along_the_escape_direction_lowers_the_loss_as_the_quadratic_model_says() -> None:
    analysis = _analyze("w1w2_saddle", (0.0, 0.0))
    assert analysis.escape_direction is not None
    for size in (0.1, 0.03):
        u = size * analysis.escape_direction
        after = _f("w1w2_saddle", *u)
        predicted = analysis.value + 0.5 * analysis.eigenvalues[0] * float(u @ u)
        assert after < analysis.value
        # The model is exact up to the quartic term (w1 w2)² = ‖u‖⁴/4 along (1, 1)/√2.
        assert after - predicted == pytest.approx(float(u @ u) ** 2 / 4, rel=1e-9)
    # The opposite eigenvector is a direction of ascent.
    v = 0.1 * analysis.eigenvectors[1]
    assert _f("w1w2_saddle", *v) > analysis.value


def test_monkey_saddle_origin_is_inconclusive() -> None:
    analysis = _analyze("monkey_saddle", (0.0, 0.0))
    assert analysis.critical
    np.testing.assert_array_equal(analysis.hessian, np.zeros((2, 2)))
    assert analysis.kind == "inconclusive"
    assert analysis.escape_direction is None


def test_plain_saddle_escapes_along_y() -> None:
    analysis = _analyze("saddle", (0.0, 0.0))
    assert analysis.kind == "saddle"
    np.testing.assert_array_equal(analysis.eigenvalues, [-2.0, 2.0])
    _assert_orthonormal_eigenpairs(analysis)
    assert analysis.escape_direction is not None
    np.testing.assert_allclose(np.abs(analysis.escape_direction), [0.0, 1.0], atol=1e-15)
    assert _f("saddle", *(0.1 * analysis.escape_direction)) < 0.0


def test_himmelblau_local_maximum() -> None:
    analysis = _analyze("himmelblau", HIMMELBLAU_MAXIMUM)
    assert analysis.kind == "maximum"
    assert np.all(analysis.eigenvalues < 0)
    _assert_orthonormal_eigenpairs(analysis)
    # Both curvatures are negative: the steeper way down is the first eigenvector.
    assert analysis.escape_direction is not None
    np.testing.assert_array_equal(analysis.escape_direction, analysis.eigenvectors[0])


@pytest.mark.parametrize("index", range(4))
def test_himmelblau_minima(index: int) -> None:
    minimum = SURFACES["himmelblau"].minima[index]
    analysis = _analyze("himmelblau", (minimum.x, minimum.y))
    assert analysis.kind == "minimum"
    assert analysis.escape_direction is None
    assert analysis.value == pytest.approx(0.0, abs=1e-20)


def test_rosenbrock_minimum() -> None:
    analysis = _analyze("rosenbrock", (1.0, 1.0))
    assert analysis.kind == "minimum"
    # By hand: H = [[2 + 1200x² − 400y, −400x], [−400x, 200]] = [[802, −400], [−400, 200]].
    np.testing.assert_array_equal(analysis.hessian, [[802.0, -400.0], [-400.0, 200.0]])
    # Eigenvalues 501 ∓ √(301² + 400²) = 501 ∓ √250601.
    np.testing.assert_allclose(
        analysis.eigenvalues, [501 - math.sqrt(250_601), 501 + math.sqrt(250_601)], rtol=1e-12
    )


def test_lecture_saddle_valley_minimum_is_inconclusive() -> None:
    # On the hyperbola w1 w2 = 1 the Hessian [[2, 2], [2, 2]] is singular: a valley, not
    # an isolated minimum, and the second-order test says so.
    analysis = _analyze("w1w2_saddle", (1.0, 1.0))
    assert analysis.critical
    np.testing.assert_allclose(analysis.eigenvalues, [0.0, 4.0], atol=1e-12)
    assert analysis.kind == "inconclusive"


def test_non_critical_point_with_positive_curvature() -> None:
    analysis = _analyze("booth", (0.0, 0.0))
    assert not analysis.critical
    assert analysis.kind == "not_critical"
    assert analysis.escape_direction is None
    # By hand: ∇ = (2(−7) + 4(−5), 4(−7) + 2(−5)) = (−34, −38).
    np.testing.assert_array_equal(analysis.gradient, [-34.0, -38.0])
    assert analysis.gradient_norm == pytest.approx(math.hypot(34, 38), rel=1e-15)
    np.testing.assert_allclose(analysis.eigenvalues, [2.0, 18.0], rtol=1e-14)


def test_non_critical_point_with_negative_curvature_still_offers_an_escape() -> None:
    analysis = _analyze("saddle", (1.0, 1.0))
    assert analysis.kind == "not_critical"
    assert analysis.escape_direction is not None
    np.testing.assert_allclose(np.abs(analysis.escape_direction), [0.0, 1.0], atol=1e-15)


@pytest.mark.parametrize(
    ("surface_id", "center"),
    [("rosenbrock", (-1.2, 1.0)), ("w1w2_saddle", (0.3, -0.7)), ("booth", (2.0, -1.0))],
)
def test_taylor_polynomial_reproduces_value_gradient_hessian_and_quadratic_model(
    surface_id: str, center: tuple[float, float]
) -> None:
    analysis = _analyze(surface_id, center)
    taylor = analysis.taylor
    np.testing.assert_array_equal(taylor.center, center)
    assert taylor.value == analysis.value == pytest.approx(_f(surface_id, *center), rel=1e-14)
    np.testing.assert_array_equal(taylor.gradient, analysis.gradient)
    np.testing.assert_array_equal(taylor.hessian, analysis.hessian)
    c0, cx, cy, cxx, cxy, cyy = taylor.polynomial

    def poly(x: float, y: float) -> float:
        return c0 + cx * x + cy * y + cxx * x**2 + cxy * x * y + cyy * y**2

    x0, y0 = center
    scale = max(1.0, abs(analysis.value), float(np.abs(analysis.hessian).max()))
    assert poly(x0, y0) == pytest.approx(analysis.value, abs=1e-12 * scale)
    poly_gradient = [cx + 2 * cxx * x0 + cxy * y0, cy + cxy * x0 + 2 * cyy * y0]
    np.testing.assert_allclose(poly_gradient, analysis.gradient, atol=1e-11 * scale)
    np.testing.assert_allclose(
        [[2 * cxx, cxy], [cxy, 2 * cyy]], analysis.hessian, atol=1e-12 * scale
    )
    g, H = analysis.gradient, analysis.hessian
    for d in (np.array([0.1, 0.0]), np.array([-0.05, 0.2]), np.array([0.3, -0.4])):
        model = analysis.value + g @ d + 0.5 * d @ H @ d
        assert poly(*(np.asarray(center) + d)) == pytest.approx(model, abs=1e-11 * scale)
        if surface_id == "booth":  # a quadratic is its own Taylor model
            assert _f("booth", *(np.asarray(center) + d)) == pytest.approx(model, rel=1e-13)


def test_rosenbrock_derivatives_by_hand() -> None:
    analysis = _analyze("rosenbrock", (-1.2, 1.0))
    # ∂x = −2(1 − x) − 400x(y − x²) = −4.4 − 211.2; ∂y = 200(y − x²) = −88.
    np.testing.assert_allclose(analysis.gradient, [-215.6, -88.0], rtol=1e-13)
    # H = [[2 + 1200x² − 400y, −400x], [−400x, 200]]
    np.testing.assert_allclose(analysis.hessian, [[1330.0, 480.0], [480.0, 200.0]], rtol=1e-13)


@pytest.mark.parametrize(
    ("critical", "eigenvalues", "tolerance", "expected"),
    [
        (False, [1.0, 2.0], 1e-6, "not_critical"),
        (False, [-1.0, 2.0], 1e-6, "not_critical"),
        (True, [1.0, 2.0], 1e-6, "minimum"),
        (True, [-2.0, -1.0], 1e-6, "maximum"),
        (True, [-1.0, 2.0], 1e-6, "saddle"),
        (True, [0.0, 0.0], 0.0, "inconclusive"),
        (True, [1e-7, 2.0], 1e-6, "inconclusive"),
        (True, [-1e-7, -2.0], 1e-6, "inconclusive"),
        (True, [-1e-7, 2.0], 1e-6, "inconclusive"),
        # The edge: |λ| equal to the tolerance is still "zero"; just above it is not.
        (True, [0.5, 2.0], 0.5, "inconclusive"),
        (True, [-0.5, 2.0], 0.5, "inconclusive"),
        (True, [np.nextafter(0.5, 1.0), 2.0], 0.5, "minimum"),
        (True, [-np.nextafter(0.5, 1.0), 2.0], 0.5, "saddle"),
        (True, [-2.0, -np.nextafter(0.5, 1.0)], 0.5, "maximum"),
    ],
)
def test_classify(
    critical: bool, eigenvalues: list[float], tolerance: float, expected: str
) -> None:
    assert classify(critical, np.array(eigenvalues), tolerance) == expected


def test_default_tolerances_scale_with_the_surface() -> None:
    analysis = _analyze("w1w2_saddle", (0.0, 0.0))
    # Over [−2, 2]² the 33-point grid holds w1 w2 = −4 (value 25) and (1, 1) (value 0):
    # range 25 over extent 4.
    assert analysis.gradient_tolerance == pytest.approx(GRADIENT_RTOL * 25 / 4, rel=1e-12)
    assert analysis.eigenvalue_tolerance == pytest.approx(EIGENVALUE_RTOL * 25 / 16, rel=1e-12)


def test_user_gradient_tolerance_is_honored() -> None:
    near = (1.0, 3.0 + 1e-3)  # Booth's minimum is (1, 3); ∇ here is (8e-3, 1e-2)
    assert _analyze("booth", near).kind == "not_critical"
    loose = _analyze("booth", near, gradient_tolerance=1.0)
    assert loose.gradient_tolerance == 1.0
    assert loose.critical and loose.kind == "minimum"
    tight = _analyze("booth", (1.0, 3.0), gradient_tolerance=0.0)
    assert tight.critical  # the gradient there is exactly zero: ‖∇‖ ≤ 0 holds
    assert _analyze("rosenbrock", (1.0, 1.0 + 1e-9), gradient_tolerance=0.0).kind == (
        "not_critical"
    )


def test_user_eigenvalue_tolerance_is_honored() -> None:
    # Booth's Hessian eigenvalues are 2 and 18.
    assert _analyze("booth", (1.0, 3.0), eigenvalue_tolerance=1.9).kind == "minimum"
    wide = _analyze("booth", (1.0, 3.0), eigenvalue_tolerance=2.1)
    assert wide.eigenvalue_tolerance == 2.1
    assert wide.kind == "inconclusive"
    # The escape direction uses the same tolerance: λ = −2 is not "negative" within 2.5.
    assert _analyze("w1w2_saddle", (0.0, 0.0), eigenvalue_tolerance=2.5).escape_direction is None
