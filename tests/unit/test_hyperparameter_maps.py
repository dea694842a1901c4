"""Hyperparameter maps: every cell is the run it names, and the map tells the truth.

The truth check is Polyak's: heavy-ball momentum (m ← μm + g, θ ← θ − ηm) on a quadratic
with Hessian eigenvalues λ converges exactly when 0 < ηλ < 2(1 + μ) for every λ (the
roots of z² − (1 + μ − ηλ)z + μ lie inside the unit circle), so on the elongated valley
x² + κy² (λ = 2, 2κ) a run diverges exactly when η·2κ ≥ 2(1 + μ). The map's divergence
must agree cell by cell, away from the cells the boundary itself runs through.
"""

import numpy as np
import pytest

from descentlab.core.hyperparameter_maps import (
    MapAxis,
    axis_parameters,
    hyperparameter_map,
    tolerance_target,
)
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig
from tests.reference.numpy_optimizers import make_numpy_optimizer

VALLEY = get_surface("elongated_quadratic")
START = (-9.0, 1.5)


def _valley(condition: float) -> Objective:
    return Objective.from_surface(VALLEY, params=(condition,))


def _momentum(**hyperparameters: float) -> RunConfig:
    return RunConfig(OPTIMIZERS["momentum"], START, hyperparameters)


def _away_from_the_boundary(unstable: np.ndarray) -> np.ndarray:
    """Cells whose eight neighbours (and themselves) are all on the same side."""
    padded = np.pad(unstable, 1, mode="edge")
    rows, cols = unstable.shape
    same = np.ones_like(unstable, dtype=bool)
    for dj in (-1, 0, 1):
        for di in (-1, 0, 1):
            same &= padded[1 + dj : 1 + dj + rows, 1 + di : 1 + di + cols] == unstable
    return same


@pytest.mark.parametrize("condition", [10.0, 100.0])
def test_momentum_diverges_exactly_outside_polyaks_stability_region(condition: float) -> None:
    eta = MapAxis.spaced("learning_rate", 1e-4, 1.0, 96, "log")
    beta = MapAxis.spaced("momentum", 0.0, 0.99, 64, "linear")
    result = hyperparameter_map(_valley(condition), 500, _momentum(), eta, beta)

    largest = 2.0 * condition
    unstable = eta.values[None, :] * largest >= 2.0 * (1.0 + beta.values[:, None])
    checked = _away_from_the_boundary(unstable)
    # Both sides are well represented, and every checked cell agrees.
    assert unstable[checked].sum() > 1000 and (~unstable[checked]).sum() > 1000
    np.testing.assert_array_equal(result.diverged[checked], unstable[checked])
    # Stable runs converge as fast as the theory says: where the slowest root's
    # 500th power is tiny, so is the loss (the start's is 103.5 at κ = 10, 306 at 100).
    rate = _spectral_radius(eta.values[None, :], beta.values[:, None], (2.0, largest))
    fast = checked & ~unstable & (500 * np.log(rate) < np.log(1e-6))
    assert fast.sum() > 500
    assert np.all(result.final_loss[fast] < 1e-6)
    assert np.all(np.isfinite(result.final_loss[checked & ~unstable]))


def _spectral_radius(
    eta: np.ndarray, beta: np.ndarray, eigenvalues: tuple[float, ...]
) -> np.ndarray:
    """The largest |root| of z² − (1 + μ − ηλ)z + μ over the Hessian's eigenvalues λ."""
    radius = np.zeros(np.broadcast_shapes(eta.shape, beta.shape))
    for lam in eigenvalues:
        trace = 1.0 + beta - eta * lam
        root = np.sqrt((trace**2 - 4.0 * beta).astype(complex))
        both = np.maximum(np.abs((trace + root) / 2.0), np.abs((trace - root) / 2.0))
        radius = np.maximum(radius, both)
    return radius


def _numpy_momentum(eta: float, beta: float, condition: float, steps: int) -> np.ndarray:
    """The losses f(θ_0) … f(θ_steps) of the reference heavy ball (NumPy, one step at a time)."""
    optimizer = make_numpy_optimizer("momentum", momentum=beta)
    theta = np.array(START)
    scale = np.array([1.0, condition])
    losses = [float(theta**2 @ scale)]
    for _ in range(steps):
        theta = optimizer.step(theta, 2.0 * scale * theta, eta)
        losses.append(float(theta**2 @ scale))
    return np.array(losses)


def test_each_cell_is_the_run_it_names_against_a_numpy_reference() -> None:
    eta = MapAxis.spaced("learning_rate", 1e-3, 5e-2, 5, "log")
    beta = MapAxis.spaced("momentum", 0.0, 0.9, 4, "linear")
    steps, condition = 120, 10.0
    target = tolerance_target(VALLEY, 1e-2)
    result = hyperparameter_map(_valley(condition), steps, _momentum(), eta, beta, target)
    assert result.final_loss.shape == (4, 5)  # [j, i] for y[j], x[i]
    for j, b in enumerate(beta.values):
        for i, e in enumerate(eta.values):
            losses = _numpy_momentum(e, b, condition, steps)
            assert result.final_loss[j, i] == pytest.approx(losses[-1], rel=1e-9, abs=1e-12)
            assert result.mean_loss[j, i] == pytest.approx(losses.mean(), rel=1e-9)
            reached = np.flatnonzero(losses <= target)
            expected = float(reached[0]) if reached.size else np.nan
            np.testing.assert_equal(result.reached_at[j, i], expected)
    # Both kinds of cell occur: some reach the target within the steps, some do not.
    assert np.isnan(result.reached_at).any() and np.isfinite(result.reached_at).any()


def test_the_template_sets_what_the_axes_do_not() -> None:
    # Adam with b1 fixed at 0: the map over (η, b2) equals runs whose b1 is 0, not 0.9.
    template = RunConfig(OPTIMIZERS["adam"], START, {"b1": 0.0, "learning_rate": 0.3})
    x = MapAxis.spaced("b2", 0.5, 0.99, 3, "linear")
    y = MapAxis.spaced("eps", 1e-8, 1e-2, 2, "log")
    result = hyperparameter_map(_valley(100.0), 60, template, x, y)
    for j, eps in enumerate(y.values):
        for i, b2 in enumerate(x.values):
            optimizer = make_numpy_optimizer("adam", b1=0.0, b2=b2, eps=eps)
            theta, scale = np.array(START), np.array([1.0, 100.0])
            for _ in range(60):
                theta = optimizer.step(theta, 2.0 * scale * theta, 0.3)
            assert result.final_loss[j, i] == pytest.approx(theta**2 @ scale, rel=1e-9)


def test_diverged_cells_have_no_loss_and_say_where() -> None:
    eta = MapAxis.spaced("learning_rate", 0.5, 2.0, 2, "linear")
    other = MapAxis.spaced("momentum", 0.0, 0.5, 2, "linear")
    result = hyperparameter_map(_valley(100.0), 200, _momentum(), eta, other)
    assert result.diverged.all()  # η·200 ≥ 2(1 + μ) everywhere
    assert np.isnan(result.final_loss).all() and np.isnan(result.mean_loss).all()
    assert ((result.diverged_at > 0) & (result.diverged_at <= 200)).all()
    np.testing.assert_array_equal(result.metric("diverged"), np.ones((2, 2)))


def test_axes_must_be_the_optimizers_own_distinct_knobs() -> None:
    spec = OPTIMIZERS["momentum"]
    with pytest.raises(ValueError, match="momentum has no hyperparameter 'b2'"):
        axis_parameters(spec, "learning_rate", "b2")
    with pytest.raises(ValueError, match="different"):
        axis_parameters(spec, "momentum", "momentum")
    with pytest.raises(ValueError, match="min > 0"):
        MapAxis.spaced("learning_rate", 0.0, 1.0, 4, "log")


def test_steps_to_tolerance_needs_a_known_minimum() -> None:
    assert tolerance_target(get_surface("styblinski_tang"), 0.5) == pytest.approx(-78.3323314 + 0.5)
    with pytest.raises(ValueError, match="known minimum"):
        tolerance_target(get_surface("saddle"), 1e-3)
    with pytest.raises(ValueError, match="known minimum"):
        tolerance_target(None, 1e-3)


def test_a_run_that_passes_the_target_and_then_diverges_did_not_reach_it() -> None:
    # From (0.001, 0.001) the loss starts within 1e-3 of the minimum; at η = 0.15 (ηλ = 3)
    # the run then leaves: no step counts as reached. At η = 0.01 it stays: step 0.
    result = hyperparameter_map(
        _valley(10.0),
        400,
        RunConfig(OPTIMIZERS["momentum"], (0.001, 0.001)),
        MapAxis("learning_rate", np.array([0.01, 0.15])),
        MapAxis("momentum", np.array([0.0])),
        tolerance_target(VALLEY, 1e-3),
    )
    assert result.diverged.tolist() == [[False, True]]
    assert result.reached_at[0, 0] == 0.0 and np.isnan(result.reached_at[0, 1])
