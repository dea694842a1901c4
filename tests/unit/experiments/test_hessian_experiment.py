"""The hessian experiment: Lanczos, Hutchinson and the full spectrum agree on a trained net."""

from typing import Any

import numpy as np
import pytest

from descentlab.core.experiments.hessian import HessianParams, run
from descentlab.core.experiments.train import NetworkSetup
from tests.unit.experiments.conftest import CancelledError

SMALL = NetworkSetup(widths=(4,), n_samples=60, epochs=3, batch_size=16)


def test_the_estimates_agree_with_the_full_spectrum() -> None:
    progress: list[float] = []
    result = run(HessianParams(setup=SMALL, top_k=3, iterations=30, probes=32), progress.append)
    assert progress == sorted(progress)
    assert progress[-1] == 1.0
    spectrum = np.sort(np.asarray(result["spectrum"]))
    assert len(spectrum) == result["parameters"] == (2 + 1) * 4 + (4 + 1) * 2
    # Lanczos with as many steps as parameters is exact at both ends of the spectrum.
    assert result["top_eigenvalues"] == pytest.approx(spectrum[::-1][:3], rel=1e-4, abs=1e-6)
    assert result["most_negative_eigenvalue"] == pytest.approx(spectrum[0], rel=1e-4, abs=1e-6)
    trace = result["trace"]
    assert abs(trace["estimate"] - spectrum.sum()) <= 5 * trace["standard_error"] + 1e-6
    ratio = result["minimum_ratio"]
    assert ratio["positive"] + ratio["negative"] + ratio["near_zero"] == len(spectrum)
    assert ratio["ratio"] == pytest.approx(ratio["positive"] / len(spectrum))
    density = result["density"]
    assert np.trapezoid(density["y"], density["x"]) == pytest.approx(1.0, abs=1e-3)


def test_flat_loss_is_one_function_however_its_arguments_are_passed() -> None:
    from descentlab.core.experiments.hessian import flat_loss
    from descentlab.core.experiments.landscape import network_loss
    from descentlab.core.nets.models import MLPSpec

    spec = MLPSpec(2, (3,), 2, "tanh")
    # the Hessian kernels compile per function object: one object, one compile
    assert flat_loss(spec, "cross_entropy") is flat_loss(spec, "cross_entropy", False)
    assert flat_loss(spec, "cross_entropy") is not flat_loss(spec, "cross_entropy", True)
    assert network_loss(spec, "cross_entropy") is network_loss(spec, "cross_entropy", False)


def test_a_cancel_is_noticed_inside_the_lanczos_run(cancel_at_third_report_of: Any) -> None:
    """The job's progress report (which raises on a cancel) runs between pieces of the
    Lanczos run, not only between the experiment's phases."""
    # Training ends at 0.6; two pieces of the run later, the cancel.
    progress, reports = cancel_at_third_report_of(0.6)
    setup = NetworkSetup(n_samples=60, epochs=2, widths=(4,))
    with pytest.raises(CancelledError):
        run(HessianParams(setup=setup, iterations=16, probes=2), progress)
    assert max(reports) == 0.6  # stopped inside the top eigenvalues' run
