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
