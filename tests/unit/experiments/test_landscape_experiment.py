"""The landscape experiment: a slice through the trained weights, with its sanity checks."""

from typing import Any

import numpy as np
import pytest

from descentlab.core.experiments.landscape import LandscapeParams, run
from descentlab.core.experiments.train import NetworkSetup
from tests.unit.experiments.conftest import CancelledError

SMALL = NetworkSetup(widths=(6,), n_samples=80, epochs=5, batch_size=16)


def test_the_pca_slice_contains_the_path_and_passes_its_checks() -> None:
    progress: list[float] = []
    result = run(LandscapeParams(setup=SMALL, directions="pca", resolution=9), progress.append)
    assert progress == sorted(progress)
    assert progress[-1] == 1.0
    assert result["centre"]["matches"]
    z = np.asarray(result["z"])
    assert z.shape == (9, 9)
    assert np.all(np.isfinite(z))
    path = np.asarray(result["path"])
    assert path.shape == (len(result["path_epochs"]), 2)
    assert np.allclose(path[-1], 0.0, atol=1e-5)  # the path ends at the trained weights
    x, y = np.asarray(result["x"]), np.asarray(result["y"])
    assert x.min() <= path[:, 0].min() and path[:, 0].max() <= x.max()
    assert y.min() <= path[:, 1].min() and path[:, 1].max() <= y.max()
    assert 0.0 < result["path_captured"] <= 1.0 + 1e-9
    assert np.all(np.diff(result["explained_variance_ratio"]) <= 1e-9)  # sorted, largest first


def test_random_directions_span_the_requested_square() -> None:
    result = run(
        LandscapeParams(setup=SMALL, directions="random", resolution=7, span=0.5), lambda f: None
    )
    assert result["centre"]["matches"]
    assert np.asarray(result["x"]).tolist() == np.linspace(-0.5, 0.5, 7).tolist()
    assert "path" not in result


def test_a_cancel_is_noticed_inside_the_slice(cancel_at_third_report_of: Any) -> None:
    progress, reports = cancel_at_third_report_of(0.6)  # the slice starts at 0.6
    setup = NetworkSetup(n_samples=60, epochs=2, widths=(4,))
    with pytest.raises(CancelledError):
        run(LandscapeParams(setup=setup, resolution=9), progress)
    assert max(reports) == 0.6
