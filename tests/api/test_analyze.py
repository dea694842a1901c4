"""POST /api/analyze: gradient, Hessian, eigenpairs and the second-order test at a point."""

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from descentlab.api.schemas.analysis import AnalysisPublic
from tests.api.conftest import analyze_request, strict_json

HIMMELBLAU_MAXIMUM = [-0.2708445906673476, -0.9230385564799816]


def _analyze(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/analyze", json=analyze_request(**overrides))
    assert response.status_code == 200, response.text
    body = strict_json(response.text)
    AnalysisPublic.model_validate(body)
    return body


def _taylor_at(polynomial: list[float], x: float, y: float) -> float:
    c0, cx, cy, cxx, cxy, cyy = polynomial
    return c0 + cx * x + cy * y + cxx * x**2 + cxy * x * y + cyy * y**2


def test_lecture_saddle_at_the_origin(client: TestClient) -> None:
    body = _analyze(client, surface="w1w2_saddle", point=[0.0, 0.0])
    assert body["point"] == [0.0, 0.0]
    assert body["value"] == pytest.approx(1.0)
    assert body["gradient"] == [0.0, 0.0]
    assert body["gradient_norm"] == 0.0
    assert body["hessian"] == [[0.0, -2.0], [-2.0, 0.0]]
    assert body["eigenvalues"] == pytest.approx([-2.0, 2.0])
    assert body["critical"] is True
    assert body["kind"] == "saddle"
    escape = np.array(body["escape_direction"])
    assert np.linalg.norm(escape) == pytest.approx(1.0)
    # ∝ (1, 1): along w1 = w2 the loss falls fastest, toward the minima (±1, ±1).
    assert abs(escape[0]) == pytest.approx(abs(escape[1]))
    assert escape[0] * escape[1] > 0


def test_lecture_saddle_eigenvectors_match_eigenvalues(client: TestClient) -> None:
    body = _analyze(client, surface="w1w2_saddle", point=[0.0, 0.0])
    hessian = np.array(body["hessian"])
    for value, vector in zip(body["eigenvalues"], body["eigenvectors"], strict=True):
        vector = np.array(vector)
        assert np.linalg.norm(vector) == pytest.approx(1.0)
        np.testing.assert_allclose(hessian @ vector, value * vector, atol=1e-12)
    # The escape direction is the eigenvector of the most negative eigenvalue.
    np.testing.assert_allclose(body["escape_direction"], body["eigenvectors"][0])


def test_lecture_saddle_taylor_model(client: TestClient) -> None:
    body = _analyze(client, surface="w1w2_saddle", point=[0.0, 0.0])
    taylor = body["taylor"]
    assert taylor["center"] == [0.0, 0.0]
    assert taylor["value"] == pytest.approx(1.0)
    assert taylor["gradient"] == [0.0, 0.0]
    assert taylor["hessian"] == body["hessian"]
    # (1 − xy)² = 1 − 2xy + x²y²: its quadratic model at the origin is 1 − 2xy.
    np.testing.assert_allclose(taylor["polynomial"], [1.0, 0.0, 0.0, 0.0, -2.0, 0.0], atol=1e-12)


def test_monkey_saddle_origin_is_inconclusive(client: TestClient) -> None:
    body = _analyze(client, surface="monkey_saddle", point=[0.0, 0.0])
    assert body["critical"] is True
    assert body["kind"] == "inconclusive"
    np.testing.assert_allclose(body["hessian"], np.zeros((2, 2)), atol=1e-12)
    assert body["escape_direction"] is None


def test_himmelblau_local_maximum(client: TestClient) -> None:
    body = _analyze(client, surface="himmelblau", point=HIMMELBLAU_MAXIMUM)
    assert body["critical"] is True
    assert body["kind"] == "maximum"
    assert all(value < 0 for value in body["eigenvalues"])
    assert body["eigenvalues"] == sorted(body["eigenvalues"])
    assert body["value"] == pytest.approx(181.6165215225827)
    # The most negative eigenvalue still gives a direction down from a maximum.
    assert body["escape_direction"] is not None


def test_himmelblau_minimum(client: TestClient) -> None:
    body = _analyze(client, surface="himmelblau", point=[3.0, 2.0])
    assert body["kind"] == "minimum"
    assert body["critical"] is True
    assert body["escape_direction"] is None
    assert body["value"] == pytest.approx(0.0, abs=1e-12)


def test_point_that_is_not_critical(client: TestClient) -> None:
    body = _analyze(client, surface="himmelblau", point=[0.0, 0.0])
    assert body["critical"] is False
    assert body["kind"] == "not_critical"
    # ∇f(0, 0) = (2(x²+y−11)·2x + 2(x+y²−7), 2(x²+y−11) + 2(x+y²−7)·2y) = (−14, −22).
    np.testing.assert_allclose(body["gradient"], [-14.0, -22.0])
    assert body["gradient_norm"] == pytest.approx(np.hypot(14.0, 22.0))


def test_taylor_model_matches_value_and_gradient_at_its_center(client: TestClient) -> None:
    point = [0.5, -1.0]
    body = _analyze(client, surface="himmelblau", point=point)
    taylor = body["taylor"]
    assert taylor["center"] == point
    polynomial = taylor["polynomial"]
    assert _taylor_at(polynomial, *point) == pytest.approx(body["value"])
    h = 1e-6
    dqdx = (_taylor_at(polynomial, point[0] + h, point[1]) - _taylor_at(polynomial, *point)) / h
    assert dqdx == pytest.approx(body["gradient"][0], rel=1e-4)


def test_tolerances_are_echoed_and_can_be_set(client: TestClient) -> None:
    default = _analyze(client, surface="monkey_saddle", point=[0.0, 0.0])
    assert default["gradient_tolerance"] > 0
    assert default["eigenvalue_tolerance"] > 0
    # Near (but not at) the origin the gradient is tiny; a loose tolerance calls it critical.
    point = [1e-3, 0.0]
    strict = _analyze(client, surface="monkey_saddle", point=point, gradient_tolerance=1e-9)
    loose = _analyze(client, surface="monkey_saddle", point=point, gradient_tolerance=1.0)
    assert strict["gradient_tolerance"] == 1e-9
    assert strict["critical"] is False
    assert loose["critical"] is True
