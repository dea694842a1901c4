"""POST /api/live/steps over HTTP: Play as a client plays it, and every refusal a 4xx."""

import base64
import json
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from descentlab.api.settings import Settings
from descentlab.core.experiments.live import MAX_PARAMETERS
from descentlab.core.nets.datasets import FEATURES
from tests.api.conftest import PROBLEM_JSON, strict_json

SETUP = {"n_samples": 100, "widths": [4, 4], "features": ["x1", "x2", "x1_squared"]}


def _step(client: TestClient, body: dict[str, Any], status: int = 200) -> Any:
    response = client.post("/api/live/steps", json=body)
    assert response.status_code == status, response.text
    if status != 200:
        assert response.headers["content-type"] == PROBLEM_JSON
    return strict_json(response.content)


def test_play_pause_step_as_a_client_does(client: TestClient) -> None:
    first = _step(client, {"setup": SETUP, "updates": 0})
    assert first["updates"] == 0 and first["epoch"] == 0 and "data" in first
    steps = first["steps_per_epoch"]
    assert steps == 3  # 75 training rows in batches of 32
    state = first["state"]
    epochs = []
    for learning_rate in (0.01, 0.01, 0.05):  # a new rate while it plays: no restart
        frame = _step(
            client,
            {"setup": {**SETUP, "learning_rate": learning_rate}, "state": state, "updates": steps},
        )
        state = frame["state"]
        epochs.append(frame["epoch"])
        assert "data" not in frame and frame["metrics"]["batch_loss"] is not None
    assert epochs == [1.0, 2.0, 3.0]
    layers = frame["network"]["layers"]
    assert [len(layer["units"]) for layer in layers] == [3, 4, 4, 2]
    assert np.shape(frame["boundary"]["z"]) == (40, 40, 2)


def test_the_features_come_in_their_order_with_their_labels(client: TestClient) -> None:
    answer = client.get("/api/features").json()
    assert [f["name"] for f in answer] == list(FEATURES)
    assert answer[2] == {"name": "x1_squared", "label": "x₁²"}


def test_refusals_name_the_problem(client: TestClient) -> None:
    state = _step(client, {"setup": SETUP, "updates": 1})["state"]
    changed = _step(client, {"setup": {**SETUP, "widths": [4]}, "state": state, "updates": 1}, 409)
    assert "start again with state null" in changed["detail"]
    # It names what may change while a run plays: each such change is taken, not refused.
    changeable = {"learning_rate": 0.05, "regularization": "l2", "regularization_rate": 0.01}
    for field in ("learning_rate", "regularization", "regularization_rate", "epochs"):
        assert field in changed["detail"]
    _step(client, {"setup": {**SETUP, **changeable, "epochs": 3}, "state": state, "updates": 1})
    bad = {**state, "vector": "@@@@"}
    assert "base64" in _step(client, {"setup": SETUP, "state": bad, "updates": 1}, 422)["detail"]
    short = {**state, "vector": base64.b64encode(np.zeros(3, "<f4").tobytes()).decode()}
    assert (
        "holds 3 values"
        in _step(client, {"setup": SETUP, "state": short, "updates": 1}, 422)["detail"]
    )
    nan = {**state, "vector": base64.b64encode(np.full(5, np.nan, "<f4").tobytes()).decode()}
    _step(client, {"setup": SETUP, "state": nan, "updates": 1}, 422)
    for body, words in (
        ({"setup": {"dataset": "digits", "architecture": "cnn"}}, "takes an mlp"),
        ({"setup": {"widths": [128, 64]}}, f"up to {MAX_PARAMETERS} parameters"),
        ({"setup": SETUP, "updates": 1001}, "less than or equal to 1000"),
        ({"setup": {"dataset": "iris", "features": ["x1_squared"]}}, "iris has 4 inputs"),
        ({"setup": {**SETUP, "features": ["x1", "x1"]}}, "repeat"),
        ({"setup": {**SETUP, "regularization": "l3"}}, "regularization"),
        ({"setup": {**SETUP, "test_fraction": 0.95}}, "test_fraction"),
        ({"setup": SETUP, "state": {**state, "digest": "x"}}, "digest"),
    ):
        assert words in str(_step(client, body, 422)), body


def test_a_diverged_run_is_strict_json_without_a_state(client: TestClient) -> None:
    setup = {"dataset": "regression", "loss": "mse", "optimizer": "sgd", "learning_rate": 10.0}
    state = _step(client, {"setup": setup, "updates": 1})["state"]
    frame = _step(client, {"setup": setup, "state": state, "updates": 40})
    assert frame["diverged"] and frame["state"] is None and frame["network"] is None


def test_the_largest_state_fits_the_request_body_limit(client: TestClient) -> None:
    """Adam's state of the largest admitted network goes back within the default limit."""
    widths = [64, 64, 8]  # 2·64+64 + 64·64+64 + 64·8+8 + 8·2+2 = 4,874 parameters
    setup = {"widths": widths, "n_samples": 40}
    first = _step(client, {"setup": setup, "updates": 0})
    assert MAX_PARAMETERS - 200 < first["parameters"] <= MAX_PARAMETERS
    body = {"setup": setup, "state": first["state"], "updates": 2}
    assert len(json.dumps(body)) < Settings().max_body_bytes
    assert _step(client, body)["updates"] == 2
