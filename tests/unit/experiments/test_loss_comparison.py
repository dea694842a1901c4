"""Cross-entropy vs MSE over two logits: the plateau is real, and it stalls a run."""

import jax
import numpy as np

from descentlab.core.experiments.loss_comparison import LossComparisonParams, run
from descentlab.core.surfaces import logits_cross_entropy, logits_mse


def test_at_a_confidently_wrong_point_mse_has_almost_no_slope_and_cross_entropy_does() -> None:
    wrong = jax.numpy.array([-8.0, 8.0])  # class 2 is favoured; the target is class 1
    y3 = jax.numpy.array([-20.0])
    mse_slope = float(jax.numpy.linalg.norm(jax.grad(logits_mse)(wrong, y3)))
    ce_slope = float(jax.numpy.linalg.norm(jax.grad(logits_cross_entropy)(wrong, y3)))
    assert float(logits_mse(wrong, y3)) > 1.99  # a large loss …
    assert mse_slope < 1e-5  # … with a tiny gradient: the plateau
    assert ce_slope > 1.0
    assert ce_slope / mse_slope > 1e5


def test_the_same_run_stalls_under_mse_and_descends_under_cross_entropy() -> None:
    progress: list[float] = []
    result = run(LossComparisonParams(resolution=16, steps=300), progress.append)
    assert progress == [0.5, 1.0]
    mse, ce = result["losses"]["mse"]["run"], result["losses"]["cross_entropy"]["run"]
    assert np.linalg.norm(mse["points"][-1] - mse["points"][0]) < 1e-3
    assert mse["loss"][-1] > 0.99 * mse["loss"][0]
    assert ce["loss"][-1] < 1e-2 * ce["loss"][0]
    grid = result["losses"]["mse"]["grid"]
    assert grid["z"].shape == (16, 16)
    assert grid["x"][0] == -10.0 and grid["x"][-1] == 10.0
