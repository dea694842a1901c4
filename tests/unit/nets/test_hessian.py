"""The Hessian toolkit against dense references: a tiny MLP and quadratics of known spectrum.

The network is 2-5-3 with tanh and softmax cross-entropy on 20 points, in float64, written
out here with ``jax.numpy`` so that the tests depend on nothing but the module under test.
Its dense Hessian from ``jax.hessian`` and ``numpy.linalg.eigh`` is the reference.
"""

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import Array
from jax.tree_util import Partial

from descentlab.core.nets import chunks, hessian
from descentlab.core.nets.hessian import (
    FULL_SPECTRUM_LIMIT,
    QUADRATURE_BASIS_BYTES,
    dense_hessian,
    full_spectrum,
    hutchinson_trace,
    hvp,
    lanczos,
    minimum_ratio,
    most_negative_eigenvalue,
    quadrature_batch,
    spectral_density,
    top_eigenvalues,
)
from tests.compile_counter import count_compiles

SIZES = ((2, 5), (5,), (5, 3), (3,))
N = sum(int(np.prod(shape)) for shape in SIZES)  # 33 parameters


def mlp_loss(x: Array, y: Array, theta: Array) -> Array:
    """Mean softmax cross-entropy of a 2-5-3 tanh MLP with flat parameters ``theta``."""
    w1 = theta[:10].reshape(2, 5)
    b1 = theta[10:15]
    w2 = theta[15:30].reshape(5, 3)
    b2 = theta[30:33]
    logits = jnp.tanh(x @ w1 + b1[None, :]) @ w2 + b2[None, :]
    log_probs = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(log_probs, y[:, None], axis=1))


def tiny_problem(seed: int) -> tuple[Partial, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(20, 2))
    y = rng.integers(0, 3, size=20)
    theta = rng.normal(scale=1.5, size=N)
    return Partial(mlp_loss, jnp.asarray(x), jnp.asarray(y)), theta


LOSS, THETA = tiny_problem(0)


def reference_hessian(loss: Callable[[Array], Array], theta: np.ndarray) -> np.ndarray:
    hessian = np.asarray(jax.hessian(loss)(jnp.asarray(theta, jnp.float64)))
    return 0.5 * (hessian + hessian.T)


H = reference_hessian(LOSS, THETA)
EIGENVALUES = np.linalg.eigvalsh(H)


def quadratic_loss(matrix: Array, theta: Array) -> Array:
    """½θᵀAθ: its Hessian is A everywhere."""
    return 0.5 * theta @ (matrix @ theta)


def quadratic(matrix: np.ndarray) -> Partial:
    return Partial(quadratic_loss, jnp.asarray(matrix, jnp.float64))


def test_the_reference_has_both_signs() -> None:
    """The tests below mean something only if the point is a saddle with a wide spectrum."""
    assert EIGENVALUES[0] < -1e-3 and EIGENVALUES[-1] > 1e-3


def test_hvp_matches_the_dense_hessian() -> None:
    rng = np.random.default_rng(1)
    for _ in range(3):
        v = rng.normal(size=N)
        np.testing.assert_allclose(np.asarray(hvp(LOSS, THETA, v)), H @ v, rtol=1e-10, atol=1e-12)


def test_dense_hessian_is_exact_symmetric_float64_even_from_float32() -> None:
    dense = dense_hessian(LOSS, THETA)
    assert dense.dtype == np.float64
    np.testing.assert_array_equal(dense, dense.T)
    np.testing.assert_allclose(dense, H, rtol=1e-10, atol=1e-12)
    from_float32 = dense_hessian(LOSS, THETA.astype(np.float32))
    reference = reference_hessian(LOSS, THETA.astype(np.float32).astype(np.float64))
    np.testing.assert_allclose(from_float32, reference, rtol=1e-10, atol=1e-12)


def test_lanczos_builds_an_orthonormal_basis_that_tridiagonalizes_h() -> None:
    result = lanczos(LOSS, THETA, 20, jax.random.key(3))
    assert result.alphas.shape == (20,) and result.betas.shape == (19,)
    assert result.basis.shape == (20, N)
    np.testing.assert_allclose(result.basis @ result.basis.T, np.eye(20), atol=1e-12)
    projected = result.basis @ H @ result.basis.T
    np.testing.assert_allclose(projected, result.tridiagonal(), atol=1e-10)


def test_top_three_eigenvalues_match_eigh() -> None:
    top = top_eigenvalues(LOSS, THETA, 3, N, jax.random.key(4), vectors=True)
    np.testing.assert_allclose(top.values, EIGENVALUES[::-1][:3], rtol=1e-6)
    assert top.vectors is not None
    for value, vector in zip(top.values, top.vectors, strict=True):
        assert np.linalg.norm(H @ vector - value * vector) < 1e-8 * abs(EIGENVALUES).max()


def test_the_top_eigenvalue_converges_in_fewer_steps_than_n() -> None:
    top = top_eigenvalues(LOSS, THETA, 1, 20, jax.random.key(5))  # shares the compile above
    assert top.iterations == 20
    np.testing.assert_allclose(top.values[0], EIGENVALUES[-1], rtol=1e-6)
    assert top.residuals[0] < 1e-3 * EIGENVALUES[-1]


def test_most_negative_eigenvalue_matches_eigh_with_its_escape_direction() -> None:
    bottom = most_negative_eigenvalue(LOSS, THETA, N, jax.random.key(6), vectors=True)
    np.testing.assert_allclose(bottom.values[0], EIGENVALUES[0], rtol=1e-6)
    assert bottom.vectors is not None
    u = bottom.vectors[0]
    assert u @ H @ u == pytest.approx(EIGENVALUES[0], rel=1e-6)


def test_lanczos_restarts_when_the_krylov_space_runs_out() -> None:
    """Two distinct eigenvalues: the Krylov space of any start has dimension 2."""
    loss = quadratic(np.diag([1.0, 1.0, 1.0, 2.0, 2.0]))
    top = top_eigenvalues(loss, np.zeros(5), 5, 10, jax.random.key(7))
    assert top.iterations == 5  # never more steps than dimensions
    np.testing.assert_allclose(top.values, [2.0, 2.0, 1.0, 1.0, 1.0], atol=1e-12)
    flat = top_eigenvalues(quadratic(np.zeros((5, 5))), np.zeros(5), 2, 10, jax.random.key(7))
    np.testing.assert_array_equal(flat.values, [0.0, 0.0])  # H = 0: no NaN from 0/0


def test_float32_parameters_stay_float32_and_agree() -> None:
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(20, 2)), jnp.float32)
    y = jnp.asarray(rng.integers(0, 3, size=20))
    loss = Partial(mlp_loss, x, y)
    result = lanczos(loss, THETA.astype(np.float32), N, jax.random.key(8))
    assert result.basis.dtype == np.float32 and result.alphas.dtype == np.float32
    top = top_eigenvalues(loss, THETA.astype(np.float32), 1, N, jax.random.key(8))
    np.testing.assert_allclose(top.values[0], EIGENVALUES[-1], rtol=1e-4)


def test_hutchinson_trace_is_within_a_few_standard_errors() -> None:
    estimate = hutchinson_trace(LOSS, THETA, 300, jax.random.key(9))
    assert estimate.samples == 300
    assert estimate.standard_error > 0
    assert abs(estimate.trace - np.trace(H)) < 4 * estimate.standard_error


def test_hutchinson_is_exact_for_a_diagonal_hessian() -> None:
    """zᵢ² = 1 for Rademacher probes, so zᵀDz = tr D with no variance at all."""
    estimate = hutchinson_trace(quadratic(np.diag([3.0, -1.0, 0.5, 0.0, 2.0])), np.zeros(5), 7)
    assert estimate.trace == pytest.approx(4.5, abs=1e-12)
    assert estimate.standard_error == pytest.approx(0.0, abs=1e-12)


def test_spectral_density_integrates_to_one_with_mean_trace_over_n() -> None:
    result = spectral_density(LOSS, THETA, N, 40, jax.random.key(10))
    assert np.trapezoid(result.density, result.grid) == pytest.approx(1.0, abs=1e-12)
    assert np.all(result.density >= 0)
    np.testing.assert_allclose(result.weights.sum(axis=1), 1.0, atol=1e-10)
    per_probe = np.sum(result.weights * result.nodes, axis=1)  # vᵀHv for unit probes v
    mean = np.trapezoid(result.grid * result.density, result.grid)
    assert mean == pytest.approx(per_probe.mean(), abs=1e-6 * np.abs(EIGENVALUES).max())
    error = 4 * per_probe.std(ddof=1) / np.sqrt(len(per_probe))
    assert abs(mean - np.trace(H) / N) < error


def test_spectral_density_nodes_are_the_eigenvalues_with_enough_steps() -> None:
    spectrum = np.array([-2.0, -0.5, 1.0, 3.0, 7.0])
    result = spectral_density(quadratic(np.diag(spectrum)), np.zeros(5), 5, 3, jax.random.key(11))
    for nodes in result.nodes:
        np.testing.assert_allclose(np.sort(nodes), spectrum, atol=1e-10)
    grid = np.linspace(-5.0, 10.0, 3001)
    given = spectral_density(
        quadratic(np.diag(spectrum)), np.zeros(5), 5, 3, jax.random.key(11), grid, sigma=0.1
    )
    np.testing.assert_array_equal(given.grid, grid)
    assert given.sigma == 0.1
    peaks = grid[1:-1][
        (given.density[1:-1] > given.density[:-2]) & (given.density[1:-1] > given.density[2:])
    ]
    np.testing.assert_allclose(peaks, spectrum, atol=0.01)


def test_quadrature_probes_in_batches_give_the_same_density(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    together = spectral_density(LOSS, THETA, 20, 6, jax.random.key(12))
    # Room for the bases of 4 probes: batches of 4 and 2 (the remainder), not 6 at once.
    monkeypatch.setattr(hessian, "QUADRATURE_BASIS_BYTES", 4 * 20 * N * 8)
    assert quadrature_batch(6, 20, N, 8) == 4
    batched = spectral_density(LOSS, THETA, 20, 6, jax.random.key(12))
    np.testing.assert_allclose(batched.nodes, together.nodes, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(batched.weights, together.weights, rtol=1e-9, atol=1e-12)


def test_quadrature_bases_never_exceed_their_budget_but_one_probe_always_runs() -> None:
    # The hessian experiment's maximums (64 probes × 200 steps × 199k float32 parameters)
    # took 16 GB with every basis at once.
    for probes, steps, n in ((64, 200, 199_000), (64, 200, 2_000), (8, 64, 33), (3, 5, 10**8)):
        batch = quadrature_batch(probes, steps, n)
        assert 1 <= batch <= probes
        assert batch == 1 or batch * steps * n * 4 <= QUADRATURE_BASIS_BYTES
    assert quadrature_batch(64, 200, 199_000) == 1
    assert quadrature_batch(8, 64, 33) == 8


def test_full_spectrum_matches_eigh() -> None:
    spectrum = full_spectrum(LOSS, THETA, vectors=True)
    np.testing.assert_allclose(spectrum.eigenvalues, EIGENVALUES, atol=1e-12)
    assert spectrum.eigenvectors is not None
    rebuilt = spectrum.eigenvectors.T @ np.diag(spectrum.eigenvalues) @ spectrum.eigenvectors
    np.testing.assert_allclose(rebuilt, H, atol=1e-12)
    assert full_spectrum(LOSS, THETA).eigenvectors is None


def test_the_curriculum_saddle_has_minimum_ratio_one_half() -> None:
    """L = ½θᵀHθ with H = [[0, −2], [−2, 0]]: eigenvalues ±2, escape along (1, 1)."""
    spectrum = full_spectrum(
        quadratic(np.array([[0.0, -2.0], [-2.0, 0.0]])), np.zeros(2), vectors=True
    )
    np.testing.assert_allclose(spectrum.eigenvalues, [-2.0, 2.0], atol=1e-15)
    assert spectrum.eigenvectors is not None
    np.testing.assert_allclose(spectrum.eigenvectors[0], [np.sqrt(0.5), np.sqrt(0.5)])
    ratio = minimum_ratio(spectrum.eigenvalues)
    assert (ratio.ratio, ratio.positive, ratio.negative, ratio.near_zero) == (0.5, 1, 1, 0)


@pytest.mark.parametrize(
    ("eigenvalues", "tolerance", "expected"),
    [
        ([1.0, 2.0, 3.0], None, (1.0, 3, 0, 0)),
        ([-3.0, -1.0], None, (0.0, 0, 2, 0)),
        ([-1.0, 0.0, 1e-12, 2.0], None, (0.25, 1, 1, 2)),  # 1e-12 < 1e-6·2: zero
        ([-1.0, 0.0, 1e-12, 2.0], 0.0, (0.5, 2, 1, 1)),
        ([-1.0, 0.5, 2.0, 4.0], 1.0, (0.5, 2, 0, 2)),
        ([0.0, 0.0], None, (0.0, 0, 0, 2)),  # H = 0: inconclusive, never "positive"
    ],
)
def test_minimum_ratio_on_known_spectra(
    eigenvalues: list[float], tolerance: float | None, expected: tuple[float, int, int, int]
) -> None:
    result = minimum_ratio(np.array(eigenvalues), tolerance)
    assert (result.ratio, result.positive, result.negative, result.near_zero) == expected
    assert result.total == len(eigenvalues)


def test_minimum_ratio_default_tolerance_is_relative() -> None:
    assert minimum_ratio(np.array([-4.0, 1.0, 2.0])).tolerance == pytest.approx(4e-6)
    with pytest.raises(ValueError, match="no eigenvalues"):
        minimum_ratio(np.array([]))


def test_full_spectrum_refuses_above_the_limit() -> None:
    with pytest.raises(ValueError, match=str(FULL_SPECTRUM_LIMIT)):
        full_spectrum(jnp.sum, np.zeros(FULL_SPECTRUM_LIMIT + 1))


def test_a_new_point_key_or_dataset_reuses_the_compiled_lanczos() -> None:
    other_loss, other_theta = tiny_problem(1)  # same shapes, new data through the Partial
    keys = [jax.random.key(seed) for seed in (20, 21, 22)]
    top_eigenvalues(LOSS, THETA, 2, 20, keys[0])
    with count_compiles() as log:
        top_eigenvalues(LOSS, THETA + 0.1, 2, 20, keys[1])
        top_eigenvalues(other_loss, other_theta, 3, 20, keys[2], vectors=True)
        most_negative_eigenvalue(other_loss, other_theta, 20, keys[1])
        lanczos(other_loss, other_theta, 20, keys[1])
    assert log.compiles == [] and log.traces == []


def test_lanczos_in_pieces_checks_between_them_and_gives_the_same_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = top_eigenvalues(LOSS, THETA, 3, 20, jax.random.key(4))
    monkeypatch.setattr(chunks, "CHECK_INTERVAL_S", 0.0)  # every step its own piece
    checks: list[int] = []
    pieces = top_eigenvalues(
        LOSS, THETA, 3, 20, jax.random.key(4), between=lambda: checks.append(1)
    )
    assert len(checks) == 19  # between the 20 steps
    np.testing.assert_allclose(pieces.values, whole.values, rtol=1e-12)
    density = spectral_density(LOSS, THETA, 10, 3, jax.random.key(5))
    checks.clear()
    in_pieces = spectral_density(
        LOSS, THETA, 10, 3, jax.random.key(5), between=lambda: checks.append(1)
    )
    assert len(checks) == 9  # the 3 probes run side by side (one batch): 10 steps
    np.testing.assert_allclose(in_pieces.nodes, density.nodes, rtol=1e-12, atol=1e-12)
    trace = hutchinson_trace(LOSS, THETA, 8, jax.random.key(6), batch=2)
    checks.clear()
    again = hutchinson_trace(
        LOSS, THETA, 8, jax.random.key(6), batch=2, between=lambda: checks.append(1)
    )
    assert len(checks) == 3 and again.trace == pytest.approx(trace.trace, rel=1e-12)


def test_a_cancel_between_pieces_stops_the_lanczos_run(monkeypatch: pytest.MonkeyPatch) -> None:
    class CancelledError(Exception):
        pass

    monkeypatch.setattr(chunks, "CHECK_INTERVAL_S", 0.0)
    steps: list[int] = []

    def cancel_after_five() -> None:
        steps.append(1)
        if len(steps) == 5:
            raise CancelledError

    with pytest.raises(CancelledError):
        top_eigenvalues(LOSS, THETA, 1, 30, jax.random.key(1), between=cancel_after_five)
    assert len(steps) == 5
