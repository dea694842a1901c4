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
    from descentlab.core.nets.models import MLPSpec
    from descentlab.core.nets.network_losses import flat_loss, network_loss

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


def _trained_hessian(setup: NetworkSetup, rows: int = 512) -> tuple[Any, np.ndarray]:
    """The dense float64 Hessian of the setup's trained training loss over its first
    ``rows`` training rows (the experiment's ``samples``), and its spec."""
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree
    from jax.tree_util import Partial

    from descentlab.core.experiments.train import train_setup
    from descentlab.core.nets import hessian
    from descentlab.core.nets.network_losses import flat_loss

    dataset, spec, trained = train_setup(setup)
    theta, _ = ravel_pytree(trained.params)
    data = (jnp.asarray(dataset.x_train[:rows]), jnp.asarray(dataset.y_train[:rows]))
    bound = Partial(flat_loss(spec, setup.loss), trained.batch_stats, *data)
    return spec, hessian.dense_hessian(bound, theta)


@pytest.mark.parametrize(
    "setup",
    [
        NetworkSetup(widths=(6, 5), n_samples=60, epochs=3, batch_size=16),
        NetworkSetup(widths=(5,), n_samples=60, epochs=3, batch_size=16, batch_norm=True),
        NetworkSetup(
            dataset="digits", architecture="cnn", depth=4, channels=2, epochs=1, batch_size=128
        ),
    ],
    ids=["mlp", "batch-norm", "cnn"],
)
def test_each_layers_block_agrees_with_the_dense_hessian(setup: NetworkSetup) -> None:
    from descentlab.core.nets.models import layer_blocks

    # A CNN's Hessian over 128 digits of its 1,348 (the experiment's ``samples``).
    samples = 128 if setup.architecture == "cnn" else 512
    params = HessianParams(setup=setup, iterations=60, probes=64, samples=samples)
    result = run(params, lambda *_: None)
    spec, dense = _trained_hessian(setup, samples)
    blocks = layer_blocks(spec)
    assert [row["layer"] for row in result["per_layer"]] == [name for name, _, _ in blocks]
    assert sum(size for _, _, size in blocks) == result["parameters"] == dense.shape[0]
    for row, (_, start, size) in zip(result["per_layer"], blocks, strict=True):
        block = dense[start : start + size, start : start + size]
        assert row["parameters"] == size
        top = np.linalg.eigvalsh(block)[-1]
        # Lanczos on the block alone; exact where its steps cover the block, else converged.
        assert row["top_eigenvalue"] == pytest.approx(top, rel=1e-3, abs=1e-6)
        trace = row["trace"]
        assert abs(trace["estimate"] - np.trace(block)) <= 5 * trace["standard_error"] + 1e-6
    # A diagonal block's top eigenvalue never exceeds the whole Hessian's (interlacing).
    assert max(row["top_eigenvalue"] for row in result["per_layer"]) <= np.linalg.eigvalsh(dense)[
        -1
    ] * (1 + 1e-6)


def test_the_top_eigenvector_is_the_sharpest_direction() -> None:
    setup = NetworkSetup(widths=(6,), n_samples=80, epochs=20, batch_size=16)
    result = run(HessianParams(setup=setup, iterations=40, probes=4), lambda *_: None)
    slices = result["eigenvector_slices"]
    x = np.asarray(slices["x"])
    assert x[0] == -0.5 and x[-1] == 0.5 and x[len(x) // 2] == 0.0
    top, random = np.asarray(slices["top_eigenvector"]), np.asarray(slices["random"])
    assert top[len(x) // 2] == random[len(x) // 2]  # the same trained weights at α = 0
    # Near α = 0 the loss rises as ½λα² along a unit eigenvector: the curve's second
    # difference there is the top eigenvalue (to the step's third-order terms).
    h = x[1] - x[0]
    middle = len(x) // 2
    curvature = (top[middle + 1] - 2 * top[middle] + top[middle - 1]) / h**2
    assert curvature == pytest.approx(result["top_eigenvalues"][0], rel=0.05)
    random_curvature = (random[middle + 1] - 2 * random[middle] + random[middle - 1]) / h**2
    assert random_curvature < curvature


def test_a_landscape_along_the_top_two_eigenvectors() -> None:
    from descentlab.core.experiments.landscape import LandscapeParams
    from descentlab.core.experiments.landscape import run as landscape_run

    setup = NetworkSetup(widths=(6,), n_samples=80, epochs=20, batch_size=16)
    params = LandscapeParams(setup=setup, directions="hessian", resolution=21, span=0.2)
    result = landscape_run(params, lambda *_: None)
    _, dense = _trained_hessian(setup)
    values = np.linalg.eigvalsh(dense)[::-1][:2]
    assert result["eigenvalues"] == pytest.approx(values, rel=1e-3)
    z, x = np.asarray(result["z"]), np.asarray(result["x"])
    h, middle = x[1] - x[0], len(x) // 2
    # The slice curves as ½λ₁α² along x and ½λ₂β² along y at its centre.
    along_x = (z[middle, middle + 1] - 2 * z[middle, middle] + z[middle, middle - 1]) / h**2
    along_y = (z[middle + 1, middle] - 2 * z[middle, middle] + z[middle - 1, middle]) / h**2
    assert along_x == pytest.approx(values[0], rel=0.05)
    assert along_y == pytest.approx(values[1], rel=0.05)


def test_the_hessian_is_read_on_its_samples_rows() -> None:
    """``samples`` rows of the (shuffled) training set, as PyHessian reads one batch: the
    spectrum is that of the loss over those rows, not over all of them."""
    setup = NetworkSetup(widths=(4,), n_samples=200, epochs=5, batch_size=16)  # 150 rows
    result = run(HessianParams(setup=setup, iterations=40, probes=4, samples=30), lambda *_: None)
    _, on_rows = _trained_hessian(setup, 30)
    _, on_all = _trained_hessian(setup, 150)
    assert result["spectrum"] == pytest.approx(np.linalg.eigvalsh(on_rows), abs=1e-6)
    assert not np.allclose(np.linalg.eigvalsh(on_all), np.linalg.eigvalsh(on_rows), atol=1e-3)


def test_a_convolutional_networks_probes_run_fewer_at_once() -> None:
    """Probes vmapped together hold their activations together: a depth-8 CNN over 512
    digits takes fewer at once than an MLP, within ``HVP_BATCH_BYTES``."""
    from descentlab.core.experiments.train import load_dataset, model_for
    from descentlab.core.nets import hessian
    from descentlab.core.nets.models import activations

    cnn_setup = NetworkSetup(dataset="digits", architecture="cnn")
    cnn = activations(model_for(cnn_setup, load_dataset(cnn_setup)))
    mlp = activations(model_for(NetworkSetup(), load_dataset(NetworkSetup())))
    assert hessian.hvp_batch(16, 300, mlp) == 16
    fewer = hessian.hvp_batch(16, 512, cnn)
    assert 1 <= fewer < 16
    assert fewer * hessian.hvp_bytes(512, cnn) <= hessian.HVP_BATCH_BYTES
    assert (fewer + 1) * hessian.hvp_bytes(512, cnn) > hessian.HVP_BATCH_BYTES
