"""POST /api/sweeps: every optimizer at log-spaced learning rates, and the best rate of each."""

import math
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from descentlab.api.schemas.sweeps import SweepPublic
from tests.api.conftest import run_request, strict_json, sweep_request, trajectory_request

STEPS = 50
START = [-1.2, 1.0]
# SGD on Rosenbrock from (−1.2, 1) over 50 steps: the top rate diverges, the best final
# loss and the best mean loss come from different rates.
RATES = {"min": 1e-4, "max": 1e-2, "count": 8}


def _sweep(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = sweep_request(start=START, steps=STEPS, learning_rates=RATES)
    body.update(overrides)
    response = client.post("/api/sweeps", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    result = strict_json(response.text)  # raises on NaN / Infinity tokens
    SweepPublic.model_validate(result)
    return result


def _argmin_ignoring_null(values: list[float | None]) -> int:
    finite = [(v, i) for i, v in enumerate(values) if v is not None]
    assert finite
    return min(finite)[1]


@pytest.fixture(scope="module")
def final(client: TestClient) -> dict[str, Any]:
    return _sweep(client)


@pytest.fixture(scope="module")
def mean(client: TestClient) -> dict[str, Any]:
    return _sweep(client, metric="mean")


def test_learning_rates_are_log_spaced(final: dict[str, Any]) -> None:
    rates = final["learning_rates"]
    assert len(rates) == RATES["count"]
    assert rates[0] == pytest.approx(RATES["min"], rel=1e-12)
    assert rates[-1] == pytest.approx(RATES["max"], rel=1e-12)
    np.testing.assert_allclose(np.diff(np.log(rates)), math.log(100.0) / 7, rtol=1e-9)
    assert final["steps"] == STEPS
    assert final["metric"] == "final"


def test_results_per_optimizer(final: dict[str, Any]) -> None:
    (result,) = final["results"]
    assert result["optimizer"] == "sgd"
    assert result["label"] == "sgd"
    count = RATES["count"]
    assert len(result["final_loss"]) == count
    assert len(result["mean_loss"]) == count
    assert len(result["diverged_at"]) == count
    for loss, average, diverged_at in zip(
        result["final_loss"], result["mean_loss"], result["diverged_at"], strict=True
    ):
        if diverged_at is None:
            assert math.isfinite(loss)
            assert math.isfinite(average)
        else:
            assert isinstance(diverged_at, int)
            assert not isinstance(diverged_at, bool)
            assert 0 <= diverged_at <= STEPS
            assert loss is None
            assert average is None
    # This sweep is chosen so the largest rate diverges and the smallest does not.
    assert result["diverged_at"][-1] is not None
    assert result["diverged_at"][0] is None


def test_best_rate_has_the_lowest_final_loss(final: dict[str, Any]) -> None:
    (result,) = final["results"]
    best = _argmin_ignoring_null(result["final_loss"])
    assert result["best_learning_rate"] == final["learning_rates"][best]
    assert result["best_loss"] == result["final_loss"][best]


def test_mean_metric_ranks_by_mean_loss(final: dict[str, Any], mean: dict[str, Any]) -> None:
    (result,) = mean["results"]
    assert mean["metric"] == "mean"
    best = _argmin_ignoring_null(result["mean_loss"])
    assert result["best_learning_rate"] == mean["learning_rates"][best]
    assert result["best_loss"] == result["mean_loss"][best]
    # The losses themselves do not depend on the metric; only the ranking does.
    assert result["final_loss"] == final["results"][0]["final_loss"]
    assert result["best_learning_rate"] != final["results"][0]["best_learning_rate"]


def test_all_diverged_has_no_best(client: TestClient) -> None:
    body = _sweep(client, learning_rates={"min": 10.0, "max": 100.0, "count": 4})
    (result,) = body["results"]
    assert result["best_learning_rate"] is None
    assert result["best_loss"] is None
    assert result["final_loss"] == [None] * 4
    assert result["mean_loss"] == [None] * 4
    assert all(isinstance(d, int) for d in result["diverged_at"])


def test_several_optimizers_and_labels(client: TestClient) -> None:
    body = _sweep(
        client,
        optimizers=[
            {"optimizer": {"name": "sgd"}, "label": "plain"},
            {"optimizer": {"name": "adam"}},
        ],
    )
    assert [r["label"] for r in body["results"]] == ["plain", "adam"]
    assert [r["optimizer"] for r in body["results"]] == ["sgd", "adam"]
    assert body["results"][0]["final_loss"] != body["results"][1]["final_loss"]


def test_the_optimizer_learning_rate_is_ignored(client: TestClient, final: dict[str, Any]) -> None:
    body = _sweep(client, optimizers=[{"optimizer": {"name": "sgd", "learning_rate": 5.0}}])
    assert body["results"] == final["results"]


def test_default_learning_rates(client: TestClient) -> None:
    body = sweep_request(start=START, steps=STEPS)
    del body["learning_rates"]
    response = client.post("/api/sweeps", json=body)
    assert response.status_code == 200
    rates = strict_json(response.text)["learning_rates"]
    assert len(rates) == 64
    assert rates[0] == pytest.approx(1e-5)
    assert rates[-1] == pytest.approx(100.0)


@pytest.mark.parametrize("steps", [STEPS, 64])
def test_sweep_agrees_with_a_trajectory_at_the_same_rate(client: TestClient, steps: int) -> None:
    # The sweep and the race must tell the same story: final and mean loss of the run
    # at one rate. steps = 64 fills the engine's step bucket; steps = 50 does not.
    rate = 1e-3
    sweep = _sweep(client, steps=steps, learning_rates={"min": rate, "max": 2 * rate, "count": 2})
    result = sweep["results"][0]
    optimizer = {"name": "sgd", "learning_rate": rate}
    race = client.post(
        "/api/trajectories",
        json=trajectory_request(steps=steps, runs=[run_request(optimizer=optimizer, start=START)]),
    ).json()
    (run,) = race["runs"]
    assert run["diverged_at"] is None
    assert result["diverged_at"][0] is None
    assert result["final_loss"][0] == pytest.approx(run["loss"][-1], rel=1e-10)
    assert result["mean_loss"][0] == pytest.approx(np.mean(run["loss"]), rel=1e-10)
