"""The shared network setup: consistency checks and what a training run reports."""

from typing import Any

import numpy as np
import pytest

from descentlab.core.experiments.train import NetworkSetup, check, load_dataset, model_for, run


def test_check_rejects_parts_that_do_not_fit() -> None:
    check(NetworkSetup())  # the defaults fit
    check(NetworkSetup(dataset="regression", loss="mse"))
    for setup, message in [
        (NetworkSetup(dataset="regression"), "does not fit"),
        (NetworkSetup(loss="mse"), "does not fit"),
        (NetworkSetup(dataset="mnist"), "unknown dataset"),
        (NetworkSetup(loss="hinge"), "unknown loss"),
    ]:
        with pytest.raises(ValueError, match=message):
            check(setup)
    with pytest.raises(ValueError, match="unknown optimizer"):
        check(NetworkSetup(optimizer="sgdx"))


def test_the_model_fits_the_dataset() -> None:
    iris = load_dataset(NetworkSetup(dataset="iris"))
    spec = model_for(NetworkSetup(dataset="iris", widths=(5,)), iris)
    assert (spec.input_dim, spec.widths, spec.output_dim) == (4, (5,), 3)


def test_a_run_reports_monotone_progress_curves_and_boundaries() -> None:
    progress: list[float] = []
    partials: list[Any] = []

    def report(fraction: float, partial: Any = None, /) -> None:
        progress.append(fraction)
        partials.append(partial)

    result = run(NetworkSetup(epochs=4, widths=(8,), n_samples=120), report)
    assert progress == sorted(progress)
    assert progress[-1] == pytest.approx(1.0)
    assert len(result["history"]["train_loss"]) == 5
    boundary = result["boundary"]
    # class probabilities per grid point, rows along y as Plotly draws them
    assert boundary["z"][0].shape == (len(boundary["y"]), len(boundary["x"]), 2)
    assert np.allclose(boundary["z"][-1].sum(axis=-1), 1.0, atol=1e-5)
    assert np.all(np.isfinite(result["history"]["train_loss"]))

    # each epoch's report carries the curves so far and that epoch's boundary, live
    assert [len(p["history"]["train_loss"]) for p in partials] == [2, 3, 4, 5]
    assert partials[-1]["history"] == result["history"]
    assert [p["boundary"]["epoch"] for p in partials] == [1, 2, 3, 4]
    assert np.array_equal(partials[-1]["boundary"]["z"], boundary["z"][-1])
    assert partials[0]["history"]["train_loss"] == result["history"]["train_loss"][:2]


def test_a_network_on_features_is_drawn_over_its_points() -> None:
    """The result's data are the points on the plane and its boundary covers them, while
    the network reads their features (so the boundary is the network at features of the
    grid: a model on x₁² alone does not change with x₂, and is the same at ±x₁)."""
    setup = NetworkSetup(n_samples=80, features=("x1_squared",), widths=(), epochs=3)
    result = run(setup, lambda *_: None)
    points = load_dataset(setup).plane
    assert points is not None
    np.testing.assert_array_equal(result["data"]["x_train"], points[0])
    boundary = result["boundary"]
    z = np.asarray(boundary["z"][-1])[..., 1]  # rows follow x₂, columns x₁
    np.testing.assert_allclose(z, np.broadcast_to(z[0], z.shape), atol=1e-6)
    x = np.asarray(boundary["x"])
    assert np.ptp(z[0]) > 0.01  # it does change with x₁ ...
    mirrored = np.interp(-x[x < 0], x, z[0])  # ... but only through x₁²
    np.testing.assert_allclose(z[0][x < 0], mirrored, atol=0.01)
