"""POST /api/maps: a run per cell over two hyperparameters, laid out like /api/grid."""

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from descentlab.api.schemas.maps import MapPublic
from tests.api.conftest import PROBLEM_JSON, map_request, run_request, strict_json


def _map(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/maps", json=map_request(**overrides))
    assert response.status_code == 200, response.text
    body = strict_json(response.text)  # null, never NaN, where a run diverged
    MapPublic.model_validate(body)
    return body


def _refusal(client: TestClient, **overrides: Any) -> str:
    response = client.post("/api/maps", json=map_request(**overrides))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return str(response.json()["detail"])


@pytest.fixture(scope="module")
def final(client: TestClient) -> dict[str, Any]:
    return _map(client)


def test_axes_are_spaced_as_asked(final: dict[str, Any]) -> None:
    np.testing.assert_allclose(final["x"], np.geomspace(1e-3, 0.3, 6), rtol=1e-12)
    np.testing.assert_allclose(final["y"], [0.0, 0.3, 0.6, 0.9], atol=1e-12)
    assert (final["x_param"], final["y_param"], final["metric"]) == (
        "learning_rate",
        "momentum",
        "final_loss",
    )
    assert len(final["z"]) == 4 and all(len(row) == 6 for row in final["z"])
    assert len(final["diverged"]) == 4 and all(len(row) == 6 for row in final["diverged"])


def test_cell_j_i_is_the_race_of_x_i_and_y_j(client: TestClient, final: dict[str, Any]) -> None:
    """Each cell against the trajectory endpoint's run of the same hyperparameters."""
    for j, i in [(0, 0), (1, 4), (3, 2), (2, 5)]:
        run = run_request(
            optimizer={
                "name": "momentum",
                "learning_rate": final["x"][i],
                "momentum": final["y"][j],
            },
            start=[-9.0, 1.5],
        )
        response = client.post(
            "/api/trajectories",
            json={"surface": map_request()["surface"], "steps": 100, "runs": [run]},
        )
        (race,) = response.json()["runs"]
        if race["diverged_at"] is None:
            assert not final["diverged"][j][i]
            assert final["z"][j][i] == pytest.approx(race["loss"][-1], rel=1e-12, abs=1e-300)
        else:
            assert final["diverged"][j][i] and final["z"][j][i] is None


def test_divergence_is_marked_and_has_no_loss(final: dict[str, Any]) -> None:
    # η = 0.3 on λ = 20: ηλ = 6 ≥ 2(1 + μ) for every μ ≤ 0.9; η = 1e-3 converges slowly.
    assert all(row[-1] for row in final["diverged"])
    assert all(row[-1] is None for row in final["z"])
    assert not any(row[0] for row in final["diverged"])
    assert all(isinstance(row[0], float) for row in final["z"])


def test_metrics(client: TestClient, final: dict[str, Any]) -> None:
    diverged = _map(client, metric="diverged")
    assert diverged["z"] == [[1.0 if d else 0.0 for d in row] for row in final["diverged"]]
    steps = _map(client, metric="steps_to_tolerance", tolerance=1.0)
    reached = [v for row in steps["z"] for v in row if v is not None]
    assert reached and all(float(v).is_integer() and 0 < v <= 100 for v in reached)
    mean = _map(client, metric="mean_loss")
    for j, row in enumerate(mean["z"]):  # the mean over the steps is at least the last loss
        for i, value in enumerate(row):
            if value is not None:
                assert value >= final["z"][j][i]


def test_learning_rate_need_not_be_an_axis(client: TestClient) -> None:
    body = _map(
        client,
        surface="rosenbrock",
        start=[-1.2, 1.0],
        optimizer={"name": "adam", "learning_rate": 0.05},
        x={"param": "b1", "min": 0.0, "max": 0.99, "count": 3},
        y={"param": "b2", "min": 0.5, "max": 0.999, "count": 2},
    )
    assert (body["x_param"], body["y_param"]) == ("b1", "b2")
    assert len(body["z"]) == 2 and len(body["z"][0]) == 3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"x": {"param": "b2", "min": 0.1, "max": 0.9}}, "momentum has no hyperparameter 'b2'"),
        (
            {"y": {"param": "learning_rate", "min": 0.1, "max": 0.9}},
            "must be different hyperparameters",
        ),
        ({"y": {"param": "momentum", "min": 0.0, "max": 1.5}}, "min < max ≤"),
        ({"y": {"param": "momentum", "min": 0.5, "max": 0.5}}, "min < max"),
        (
            {"x": {"param": "learning_rate", "min": 0.0, "max": 0.1, "scale": "log"}},
            "log axis needs min > 0",
        ),
        ({"surface": "saddle", "metric": "steps_to_tolerance"}, "known minimum"),
        (
            {
                "steps": 2000,
                "x": {"param": "learning_rate", "min": 1e-3, "max": 0.1, "count": 128},
                "y": {"param": "momentum", "min": 0.0, "max": 0.9, "count": 128},
            },
            "cells × steps",
        ),
        (  # 65 × 64 cells run in the 16,384 batch: 16,384 × 1,001 steps is too many
            {
                "steps": 1001,
                "x": {"param": "learning_rate", "min": 1e-3, "max": 0.1, "count": 65},
                "y": {"param": "momentum", "min": 0.0, "max": 0.9, "count": 64},
            },
            "rounded up to the compiled batch",
        ),
        (
            {
                "surface": {"expression": "x^2 + 3*y^2 + sin(x*y) + cos(x) + exp(-y^2)"},
                "steps": 1000,
                "x": {"param": "learning_rate", "min": 1e-3, "max": 0.1, "count": 128},
                "y": {"param": "momentum", "min": 0.0, "max": 0.9, "count": 128},
            },
            "typed surface",
        ),
    ],
)
def test_maps_that_cannot_work_or_cost_too_much_are_422s(
    client: TestClient, overrides: dict[str, Any], message: str
) -> None:
    assert message in _refusal(client, **overrides)


@pytest.mark.parametrize(
    "axis",
    [{"count": 1}, {"count": 129}, {"scale": "cubic"}, {"extra": 1}, {"min": "nan"}],
)
def test_axis_bounds_are_in_the_schema(client: TestClient, axis: dict[str, Any]) -> None:
    x = {"param": "learning_rate", "min": 1e-3, "max": 0.1, **axis}
    _refusal(client, x=x)
