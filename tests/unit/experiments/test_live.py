"""Live training: a run of calls is a training job, cut anywhere; the frame is the network."""

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from descentlab.core.experiments import live
from descentlab.core.experiments.live import (
    LiveState,
    SetupChangedError,
    live_step,
    setup_digest,
)
from descentlab.core.experiments.train import NetworkSetup, train_setup
from descentlab.core.nets.models import ACTIVATIONS
from tests.compile_counter import count_compiles

SETUP = NetworkSetup(n_samples=120, widths=(5, 3), batch_size=16, epochs=3)  # 90 train: 6 steps


def _play(setup: NetworkSetup, calls: list[int], state: dict[str, Any] | None = None) -> Any:
    """Each call's frame, the state of one passed to the next (as a client does)."""
    frames = []
    for updates in calls:
        frame = live_step(setup, None if state is None else LiveState.decode(**state), updates)
        frames.append(frame)
        state = frame["state"]
    return frames


def _weights(frame: dict[str, Any], setup: NetworkSetup) -> np.ndarray:
    """The flat weights in a frame's state (the first leaves of the flattened TrainState)."""
    _, _, trained = train_setup(replace(setup, epochs=1))
    size = ravel_pytree(trained.params)[0].size
    return LiveState.decode(**frame["state"]).vector[:size]


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_calls_cut_anywhere_reach_the_weights_of_a_training_job(optimizer: str) -> None:
    setup = replace(SETUP, optimizer=optimizer, regularization="l2", regularization_rate=0.01)
    frames = _play(setup, [0, 1, 4, 7, 6])  # 18 updates: three epochs, cut mid-epoch
    assert [f["updates"] for f in frames] == [0, 1, 5, 12, 18]
    assert frames[-1]["epoch"] == 3.0 and frames[-1]["steps_per_epoch"] == 6
    _, _, job = train_setup(setup)
    np.testing.assert_array_equal(_weights(frames[-1], setup), job.snapshots[-1])
    metrics = frames[-1]["metrics"]
    assert metrics["train_loss"] == job.history["train_loss"][-1]
    assert metrics["test_accuracy"] == job.history["test_accuracy"][-1]
    assert metrics["penalty"] == job.history["penalty"][-1] > 0
    assert frames[0]["metrics"]["batch_loss"] is None  # no update: nothing to average


def test_a_new_learning_rate_acts_on_the_next_update_without_a_restart() -> None:
    first = _play(SETUP, [6])[0]
    state = first["state"]
    slow = _play(replace(SETUP, learning_rate=1e-6), [6], state)[0]
    fast = _play(replace(SETUP, learning_rate=0.1), [6], state)[0]
    assert slow["updates"] == fast["updates"] == 12  # the same run went on
    before = _weights(first, SETUP)
    moved_slow = np.abs(_weights(slow, SETUP) - before).max()
    moved_fast = np.abs(_weights(fast, SETUP) - before).max()
    assert moved_slow < 1e-4 < 1e-2 < moved_fast  # Adam moves each weight about η a step
    # The penalty too: the same state with L2 at rate 1 shrinks the weights' norm.
    shrunk = _play(replace(SETUP, regularization="l2", regularization_rate=1.0), [6], state)[0]
    assert np.linalg.norm(_weights(shrunk, SETUP)) < np.linalg.norm(_weights(fast, SETUP))


def test_any_other_change_needs_a_new_run() -> None:
    digest = setup_digest(SETUP)
    for same in ({"learning_rate": 0.5}, {"regularization": "l1"}, {"regularization_rate": 2.0}):
        assert setup_digest(replace(SETUP, **same)) == digest
    changes = (
        {"widths": (5, 4)}, {"features": ("x1", "x2", "x1_x2")}, {"noise": 0.3},
        {"data_seed": 1}, {"test_fraction": 0.5}, {"optimizer": "sgd"}, {"batch_size": 8},
        {"seed": 1}, {"activation": "relu"},
    )  # fmt: skip
    state = _play(SETUP, [1])[0]["state"]
    for change in changes:
        assert setup_digest(replace(SETUP, **change)) != digest, change
        with pytest.raises(SetupChangedError, match="start again with state null"):
            _play(replace(SETUP, **change), [1], state)
    with pytest.raises(ValueError, match="holds 3 values"):
        live_step(SETUP, LiveState(digest, 1, np.zeros(3, np.float32)), 1)
    with pytest.raises(ValueError, match="not base64"):
        LiveState.decode(digest, 1, "not base64!")


def test_the_state_travels_exactly() -> None:
    vector = np.array([0.1, -3.5e-8, 1e30, 7.0], dtype=np.float32)
    again = LiveState.decode(**LiveState("0" * 32, 5, vector).encode())
    np.testing.assert_array_equal(again.vector, vector)
    assert again.updates == 5


def test_the_diagram_is_the_network_unit_by_unit() -> None:
    """Each hidden unit's picture is tanh(inputs · w + b) from the frame's own weights, the
    feature pictures are the features, and the output pictures are class probabilities."""
    setup = replace(SETUP, features=("x1", "x2", "x1_x2"), widths=(4,))
    frame = _play(setup, [12])[0]
    network = frame["network"]
    features, hidden, output = network["layers"]
    assert [u["label"] for u in features["units"]] == ["x₁", "x₂", "x₁x₂"]
    x, y = np.meshgrid(network["x"], network["y"])  # rows follow y, as z does
    inputs = np.stack([x, y, x * y], axis=-1)
    for j, unit in enumerate(features["units"]):
        np.testing.assert_allclose(unit["z"], inputs[..., j], atol=6e-4)
    w, b = np.asarray(hidden["weights"]), np.asarray(hidden["biases"])
    assert w.shape == (3, 4) and len(hidden["units"]) == 4
    expected = ACTIVATIONS["tanh"](inputs @ w + b)
    for j, unit in enumerate(hidden["units"]):
        np.testing.assert_allclose(unit["z"], expected[..., j], atol=6e-4)
    probabilities = np.stack([np.asarray(u["z"]) for u in output["units"]], axis=-1)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=3e-3)
    assert [u["label"] for u in output["units"]] == ["class 0", "class 1"]
    # The boundary is the same network on a finer grid of the same plane.
    boundary = frame["boundary"]
    assert boundary["x"][0] == network["x"][0] and boundary["x"][-1] == network["x"][-1]
    assert np.asarray(boundary["z"]).shape == (40, 40, 2)


def test_the_diagram_and_boundary_need_the_plane_and_a_narrow_network() -> None:
    wide = _play(replace(SETUP, widths=(17,)), [0])[0]
    assert wide["network"] is None and "boundary" in wide
    table = _play(replace(SETUP, dataset="iris"), [0])[0]
    assert table["network"] is None and "boundary" not in table
    assert np.asarray(table["data"]["x_train"]).shape[1] == 4
    on_features = _play(replace(SETUP, features=("sin_x1", "sin_x2", "x1_squared")), [0])[0]
    assert np.asarray(on_features["data"]["x_train"]).shape[1] == 2  # the points, drawn


def test_only_the_first_frame_carries_the_data() -> None:
    first, second = _play(SETUP, [0, 1])
    assert set(first["data"]) >= {"x_train", "y_train", "x_test", "y_test", "task"}
    assert "data" not in second


def test_a_diverged_run_ends_without_a_state() -> None:
    setup = replace(SETUP, dataset="regression", loss="mse", optimizer="sgd", learning_rate=10.0)
    frames = _play(setup, [1, 30])
    assert not frames[0]["diverged"]
    assert frames[-1]["diverged"] and frames[-1]["state"] is None
    assert frames[-1]["network"] is None and "boundary" not in frames[-1]


def test_the_bounds() -> None:
    with pytest.raises(ValueError, match="takes an mlp"):
        live_step(NetworkSetup(dataset="digits", architecture="cnn"), None, 1)
    with pytest.raises(ValueError, match="up to 5000 parameters"):
        live_step(replace(SETUP, widths=(256, 256)), None, 1)
    with pytest.raises(ValueError, match="over 32768 a call"):
        live_step(replace(SETUP, batch_size=4096, n_samples=4000), None, 20)
    with pytest.raises(ValueError, match="updates must be 0 to 1000"):
        live_step(SETUP, None, live.MAX_UPDATES + 1)


def test_a_live_run_compiles_once_per_setup_shape() -> None:
    state = _play(SETUP, [1, 1])[0]["state"]  # warm: a first call, and one going on
    changed = [
        replace(SETUP, learning_rate=0.3),
        replace(SETUP, regularization="l1", regularization_rate=0.1),
        replace(SETUP, regularization="l2", regularization_rate=3.0),
    ]
    with count_compiles() as log:
        for setup in changed:
            _play(setup, [1, 7, 0], state)
        _play(replace(SETUP, data_seed=4, noise=0.5), [0, 13])  # other data of the same size
    assert log.compiles == [] and log.traces == [], (log.compiles, log.traces)
    with count_compiles() as log:  # the control: another shape is another program
        _play(replace(SETUP, widths=(6, 3)), [1])
    assert any("train_epoch" in name for name in log.compiles), log.compiles
