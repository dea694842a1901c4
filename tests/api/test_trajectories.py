"""POST /api/trajectories: optimizer races across a surface."""

import math
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from descentlab.api.schemas.trajectories import TrajectoryPublic
from tests.api.conftest import all_finite, run_request, strict_json, trajectory_request

# One steps count (one compiled step bucket) for nearly every test keeps the suite fast.
STEPS = 50
# A steps count that fills the engine's step bucket exactly (same compiled shape as STEPS).
FULL_BUCKET = 64
START = [-1.2, 1.0]
EIGHT_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "radam")


def _race(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/trajectories", json=trajectory_request(**overrides))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = strict_json(response.text)
    TrajectoryPublic.model_validate(body)
    return body


def _rosenbrock(point: np.ndarray) -> float:
    x, y = point
    return float((1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2)


def _rosenbrock_gradient(point: np.ndarray) -> np.ndarray:
    x, y = point
    return np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x**2), 200.0 * (y - x**2)])


def _gradient_descent(start: list[float], learning_rate: float, steps: int) -> np.ndarray:
    """Plain gradient descent on Rosenbrock, written out: steps + 1 points."""
    points = [np.array(start, dtype=float)]
    for _ in range(steps):
        points.append(points[-1] - learning_rate * _rosenbrock_gradient(points[-1]))
    return np.array(points)


def test_contract_of_one_run(client: TestClient) -> None:
    body = _race(client, steps=STEPS, runs=[run_request(start=START)])
    assert body["steps"] == STEPS
    (run,) = body["runs"]
    assert set(run) >= {
        "label",
        "optimizer",
        "points",
        "loss",
        "gradient",
        "grad_norm",
        "learning_rate",
        "state",
        "diverged_at",
    }
    assert run["label"] == "sgd"
    assert run["optimizer"] == "sgd"
    assert run["diverged_at"] is None
    assert len(run["points"]) == STEPS + 1
    assert run["points"][0] == START
    assert len(run["loss"]) == STEPS + 1
    assert len(run["gradient"]) == STEPS + 1
    assert len(run["grad_norm"]) == STEPS + 1
    assert len(run["learning_rate"]) == STEPS
    assert all_finite(run["points"])
    assert all_finite(run["loss"])


def test_loss_gradient_and_norm_describe_each_point(client: TestClient) -> None:
    (run,) = _race(client, steps=STEPS, runs=[run_request(start=START)])["runs"]
    for point, loss, gradient, norm in zip(
        run["points"], run["loss"], run["gradient"], run["grad_norm"], strict=True
    ):
        assert loss == pytest.approx(_rosenbrock(np.array(point)), rel=1e-12)
        np.testing.assert_allclose(gradient, _rosenbrock_gradient(np.array(point)), rtol=1e-10)
        assert norm == pytest.approx(math.hypot(*gradient))
    assert run["loss"][-1] < run["loss"][0]


@pytest.mark.parametrize("steps", [STEPS, FULL_BUCKET])
def test_points_are_plain_gradient_descent(client: TestClient, steps: int) -> None:
    # steps = 64 fills the engine's 64-step bucket exactly; steps = 50 does not, and the
    # last point must still be the one after 50 updates, not after 64.
    learning_rate = 1e-3
    optimizer = {"name": "sgd", "learning_rate": learning_rate}
    (run,) = _race(client, steps=steps, runs=[run_request(optimizer=optimizer, start=START)])[
        "runs"
    ]
    expected = _gradient_descent(START, learning_rate, steps)
    assert len(run["points"]) == steps + 1
    np.testing.assert_allclose(run["points"], expected, rtol=1e-10, atol=1e-12)
    assert run["loss"][-1] == pytest.approx(_rosenbrock(expected[-1]), rel=1e-10)


def test_labels_default_to_the_optimizer_name(client: TestClient) -> None:
    runs = [
        run_request(start=START),
        run_request(start=START, label="my run"),
        run_request(optimizer={"name": "momentum", "learning_rate": 1e-4}, start=START),
    ]
    body = _race(client, steps=STEPS, runs=runs)
    assert [r["label"] for r in body["runs"]] == ["sgd", "my run", "momentum"]
    assert [r["optimizer"] for r in body["runs"]] == ["sgd", "sgd", "momentum"]


def test_eight_runs_one_per_optimizer(client: TestClient) -> None:
    runs = [
        run_request(optimizer={"name": name, "learning_rate": 1e-3}, start=START)
        for name in EIGHT_OPTIMIZERS
    ]
    body = _race(client, steps=STEPS, runs=runs)
    assert [r["optimizer"] for r in body["runs"]] == list(EIGHT_OPTIMIZERS)
    catalogue = {o["name"]: o for o in client.get("/api/optimizers").json()}
    for run in body["runs"]:
        assert run["diverged_at"] is None, run["optimizer"]
        assert len(run["points"]) == STEPS + 1
        assert run["points"][0] == START
        assert run["loss"][-1] < run["loss"][0], run["optimizer"]
        assert all_finite(run["points"])
        assert set(run["state"]) == set(catalogue[run["optimizer"]]["state"])
        for series in run["state"].values():
            assert len(series) == STEPS
            assert all_finite(series)
    # Different optimizers take different paths.
    finals = {tuple(r["points"][-1]) for r in body["runs"]}
    assert len(finals) == len(EIGHT_OPTIMIZERS)


def test_runs_keep_request_order_and_do_not_interact(client: TestClient) -> None:
    fast = run_request(optimizer={"name": "sgd", "learning_rate": 1e-3}, start=START, label="a")
    other = run_request(optimizer={"name": "adam", "learning_rate": 1e-2}, start=START, label="b")
    slow = run_request(optimizer={"name": "sgd", "learning_rate": 1e-4}, start=[0.5, 0.5])
    together = _race(client, steps=STEPS, runs=[fast, other, slow])["runs"]
    alone = _race(client, steps=STEPS, runs=[slow])["runs"][0]
    assert [r["label"] for r in together] == ["a", "b", "sgd"]
    assert together[2]["points"] == alone["points"]
    assert together[0]["points"] != together[2]["points"]


def test_momentum_state_is_the_velocity(client: TestClient) -> None:
    optimizer = {"name": "momentum", "learning_rate": 1e-4, "momentum": 0.5}
    runs = [run_request(optimizer=optimizer, start=START)]
    (run,) = _race(client, steps=FULL_BUCKET, runs=runs)["runs"]
    momentum = np.array(run["state"]["momentum"])
    gradient = np.array(run["gradient"])
    # m_t = μ m_{t−1} + g_t, starting from m = 0.
    np.testing.assert_allclose(momentum[0], gradient[0])
    np.testing.assert_allclose(momentum[1], 0.5 * momentum[0] + gradient[1])
    np.testing.assert_allclose(
        np.diff(run["points"], axis=0), -1e-4 * momentum, rtol=1e-9, atol=1e-15
    )


def test_diverging_run_is_strict_json_and_cut(client: TestClient) -> None:
    optimizer = {"name": "sgd", "learning_rate": 10}
    response = client.post(
        "/api/trajectories",
        json=trajectory_request(steps=STEPS, runs=[run_request(optimizer=optimizer, start=START)]),
    )
    assert response.status_code == 200
    body = strict_json(response.text)  # raises on NaN / Infinity tokens
    TrajectoryPublic.model_validate(body)
    (run,) = body["runs"]
    diverged_at = run["diverged_at"]
    assert isinstance(diverged_at, int)
    assert not isinstance(diverged_at, bool)
    assert 1 <= diverged_at <= STEPS
    # Arrays end at the last healthy step: points 0 … diverged_at − 1.
    assert len(run["points"]) == diverged_at
    assert len(run["loss"]) == diverged_at
    assert len(run["gradient"]) == diverged_at
    assert len(run["grad_norm"]) == diverged_at
    assert len(run["learning_rate"]) == diverged_at - 1
    assert run["points"][0] == START
    assert all_finite(run["points"])
    assert all_finite(run["loss"])
    assert all_finite(run["grad_norm"])


def test_nan_mid_run_is_cut_and_strict_json(client: TestClient) -> None:
    # Adam with ε = 0 at the minimum divides a zero moment by zero: a NaN step.
    optimizer = {"name": "adam", "eps": 0.0}
    response = client.post(
        "/api/trajectories",
        json=trajectory_request(
            steps=STEPS, runs=[run_request(optimizer=optimizer, start=[1.0, 1.0])]
        ),
    )
    assert response.status_code == 200
    (run,) = strict_json(response.text)["runs"]
    assert run["diverged_at"] == 1
    assert run["points"] == [[1.0, 1.0]]
    assert all_finite(run["loss"])
    assert all(all_finite(series) for series in run["state"].values())


def test_start_outside_the_escape_box_diverges_at_zero(client: TestClient) -> None:
    (run,) = _race(client, steps=STEPS, runs=[run_request(start=[1e5, 1e5])])["runs"]
    assert run["diverged_at"] == 0
    assert run["points"] == []
    assert run["loss"] == []
    assert run["learning_rate"] == []


def test_constant_learning_rate_without_schedule(client: TestClient) -> None:
    optimizer = {"name": "sgd", "learning_rate": 2e-4}
    (run,) = _race(client, steps=STEPS, runs=[run_request(optimizer=optimizer, start=START)])[
        "runs"
    ]
    assert run["learning_rate"] == [2e-4] * STEPS


def test_warmup_then_cosine_schedule(client: TestClient) -> None:
    eta, warmup, decay = 1e-3, 10, 40
    schedule = {
        "name": "warmup",
        "warmup_steps": warmup,
        "init_value": 0.0,
        "then": {"name": "cosine_decay", "decay_steps": decay},
    }
    run = run_request(optimizer={"name": "sgd", "learning_rate": eta}, schedule=schedule)
    (result,) = _race(client, steps=STEPS, runs=[run])["runs"]
    rates = np.array(result["learning_rate"])
    assert len(rates) == STEPS
    t = np.arange(STEPS)
    expected = np.where(
        t < warmup,
        eta * t / warmup,
        eta * 0.5 * (1.0 + np.cos(np.pi * np.minimum(t - warmup, decay) / decay)),
    )
    np.testing.assert_allclose(rates, expected, rtol=1e-9, atol=1e-15)
    assert rates[0] == 0.0
    assert rates.max() == pytest.approx(eta)
    # The first update used η₀ = 0: the run did not move.
    assert result["points"][1] == result["points"][0]


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ({"name": "step", "step_size": 20, "gamma": 0.5}, lambda t: 0.5 ** (t // 20)),
        ({"name": "inverse_sqrt", "timescale": 4.0}, lambda t: 1.0 / np.sqrt(1.0 + t / 4.0)),
        (
            {"name": "exponential_decay", "transition_steps": 10, "decay_rate": 0.5},
            lambda t: 0.5 ** (t / 10),
        ),
    ],
)
def test_plain_schedules_shape_the_learning_rate(
    client: TestClient, schedule: dict[str, Any], expected: Any
) -> None:
    eta = 1e-3
    run = run_request(optimizer={"name": "sgd", "learning_rate": eta}, schedule=schedule)
    (result,) = _race(client, steps=STEPS, runs=[run])["runs"]
    t = np.arange(STEPS)
    np.testing.assert_allclose(result["learning_rate"], eta * expected(t), rtol=1e-9)


def test_gradient_noise_is_seeded(client: TestClient) -> None:
    def noisy(seed: int) -> dict[str, Any]:
        run = run_request(start=START, gradient_noise=1.0, seed=seed)
        return _race(client, steps=FULL_BUCKET, runs=[run])["runs"][0]

    first, again, other = noisy(1), noisy(1), noisy(2)
    assert first["points"] == again["points"]
    assert first["points"] != other["points"]
    sampled = np.array(first["state"]["sampled_gradient"])
    assert sampled.shape == (FULL_BUCKET, 2)
    # The optimizer was given the noisy gradient, not the true one.
    assert not np.allclose(sampled, np.array(first["gradient"][:FULL_BUCKET]))
    np.testing.assert_allclose(
        np.diff(first["points"], axis=0), -1e-3 * sampled, rtol=1e-9, atol=1e-15
    )
    quiet = _race(client, steps=STEPS, runs=[run_request(start=START)])["runs"][0]
    assert "sampled_gradient" not in quiet["state"]


def test_surface_params_reach_the_run(client: TestClient) -> None:
    def final_y(condition: float) -> float:
        surface = {"id": "elongated_quadratic", "params": {"condition": condition}}
        run = run_request(optimizer={"name": "sgd", "learning_rate": 1e-3}, start=[-9.0, 1.5])
        body = _race(client, surface=surface, steps=STEPS, runs=[run])
        return body["runs"][0]["points"][1][1]

    # One SGD step: y ← y − η·2κy.
    assert final_y(3.0) == pytest.approx(1.5 - 1e-3 * 2 * 3.0 * 1.5)
    assert final_y(100.0) == pytest.approx(1.5 - 1e-3 * 2 * 100.0 * 1.5)


def test_a_quadratic_surface_comes_with_its_eigenbasis_and_each_runs_parts(
    client: TestClient,
) -> None:
    """x² + 100y² (the valley): λ = 2 along x, 200 across; plain descent at η = 0.005 takes
    the across part to zero in one step (1 − ηλ = 0) while the along part keeps 98 %."""
    body = _race(
        client,
        surface={"id": "elongated_quadratic", "params": {"condition": 100.0}},
        steps=20,
        runs=[run_request(optimizer={"name": "sgd", "learning_rate": 0.005}, start=[-9.0, 1.5])],
    )
    quadratic = body["quadratic"]
    assert quadratic["minimum"] == pytest.approx([0.0, 0.0], abs=1e-12)
    assert quadratic["value"] == pytest.approx(0.0, abs=1e-10)
    assert quadratic["eigenvalues"] == pytest.approx([2.0, 200.0])
    (run,) = body["runs"]
    parts = np.array(run["eigen_components"])
    assert parts.shape == (21, 2)
    np.testing.assert_allclose(parts.sum(axis=1), run["loss"], rtol=1e-12, atol=1e-10)
    assert parts[0].tolist() == pytest.approx([81.0, 225.0])
    assert parts[1, 1] < 1e-20 and parts[1, 0] == pytest.approx(81.0 * 0.99**2)


def test_other_surfaces_have_no_eigen_parts(client: TestClient) -> None:
    body = _race(client)
    assert body["quadratic"] is None
    assert all(run["eigen_components"] is None for run in body["runs"])
