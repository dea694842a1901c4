"""Optimizer runs (``run_trajectories``) and learning-rate sweeps (``sweep_learning_rates``).

Compiles are the cost here (one per surface, optimizer, step bucket and run bucket), so
the tests share a few: Rosenbrock with Adam or SGD and Booth with SGD, 64-step bucket.
"""

import math
from collections.abc import Callable

import numpy as np
import pytest

from descentlab.core.objective import ESCAPE_WIDTHS, Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.schedules import ScheduleConfig
from descentlab.core.surfaces import get_surface
from descentlab.core.sweep import SweepResult, sweep_learning_rates
from descentlab.core.trajectory import RunConfig, RunResult, run_trajectories

SGD, ADAM = OPTIMIZERS["sgd"], OPTIMIZERS["adam"]
ROSENBROCK = Objective.from_surface(get_surface("rosenbrock"))
BOOTH = Objective.from_surface(get_surface("booth"))
STEPS = 64  # exactly one step bucket
ODD_STEPS = 37  # not a power of two: padded to 64 inside the engine

Formula = Callable[[np.ndarray], np.ndarray]


def _rosenbrock(points: np.ndarray) -> np.ndarray:
    x, y = points[..., 0], points[..., 1]
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def _rosenbrock_gradient(points: np.ndarray) -> np.ndarray:
    x, y = points[..., 0], points[..., 1]
    return np.stack([-2.0 * (1.0 - x) - 400.0 * x * (y - x**2), 200.0 * (y - x**2)], axis=-1)


def _booth(points: np.ndarray) -> np.ndarray:
    x, y = points[..., 0], points[..., 1]
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def _booth_gradient(points: np.ndarray) -> np.ndarray:
    x, y = points[..., 0], points[..., 1]
    a, b = x + 2.0 * y - 7.0, 2.0 * x + y - 5.0
    return np.stack([2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b], axis=-1)


def _sgd(start: tuple[float, float], lr: float) -> RunConfig:
    return RunConfig(SGD, start, {"learning_rate": lr})


def _booth_sgd(lr: float, steps: int = STEPS) -> RunResult:
    return run_trajectories(BOOTH, steps, [_sgd((-6.0, -8.0), lr)])[0]


def _assert_consistent_records(result: RunResult, steps: int, f: Formula, grad_f: Formula) -> None:
    n = len(result.points)
    assert n == (steps + 1 if result.diverged_at is None else result.diverged_at)
    assert result.points.shape == (n, 2)
    assert result.loss.shape == (n,)
    assert result.gradient.shape == (n, 2)
    assert result.grad_norm.shape == (n,)
    assert result.learning_rate.shape == (n - 1,)
    for name, series in result.state.items():
        assert series.shape[0] == n - 1, name
    np.testing.assert_allclose(result.loss, f(result.points), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result.gradient, grad_f(result.points), rtol=1e-11, atol=1e-10)
    np.testing.assert_allclose(
        result.grad_norm, np.hypot(result.gradient[:, 0], result.gradient[:, 1]), rtol=1e-14
    )


@pytest.fixture(scope="module")
def noisy_adam() -> RunResult:
    run = RunConfig(
        ADAM, (-1.2, 1.0), {"learning_rate": 0.05, "b1": 0.8}, gradient_noise=0.5, seed=3
    )
    return run_trajectories(ROSENBROCK, STEPS, [run])[0]


def test_record_lengths_and_consistency(noisy_adam: RunResult) -> None:
    result = noisy_adam
    assert result.diverged_at is None
    assert len(result.points) == STEPS + 1
    _assert_consistent_records(result, STEPS, _rosenbrock, _rosenbrock_gradient)
    np.testing.assert_array_equal(result.points[0], [-1.2, 1.0])
    assert result.loss[0] == pytest.approx(24.2, rel=1e-14)
    np.testing.assert_array_equal(result.learning_rate, np.full(STEPS, 0.05))
    assert set(result.state) == {"momentum", "sigma", "sampled_gradient"}
    for series in result.state.values():
        assert series.shape == (STEPS, 2)
        assert np.all(np.isfinite(series))


def test_gradient_noise_is_sampled_gradient_minus_true_gradient(noisy_adam: RunResult) -> None:
    noise = noisy_adam.state["sampled_gradient"] - noisy_adam.gradient[:-1]
    # σ = 0.5: the sample standard deviation of 128 draws is near 0.5 and the mean near 0.
    assert np.std(noise) == pytest.approx(0.5, rel=0.25)
    assert abs(np.mean(noise)) < 0.2
    # Adam's first step moves each coordinate by η against the sign of the sampled gradient.
    first_step = noisy_adam.points[1] - noisy_adam.points[0]
    sampled = noisy_adam.state["sampled_gradient"][0]
    np.testing.assert_allclose(first_step, -0.05 * np.sign(sampled), rtol=1e-6)


def test_noise_is_deterministic_per_seed_and_absent_without_noise(noisy_adam: RunResult) -> None:
    same = RunConfig(
        ADAM, (-1.2, 1.0), {"learning_rate": 0.05, "b1": 0.8}, gradient_noise=0.5, seed=3
    )
    other = RunConfig(
        ADAM, (-1.2, 1.0), {"learning_rate": 0.05, "b1": 0.8}, gradient_noise=0.5, seed=4
    )
    quiet = RunConfig(ADAM, (-1.2, 1.0), {"learning_rate": 0.05, "b1": 0.8})
    again, reseeded = run_trajectories(ROSENBROCK, STEPS, [same, other])
    (clean,) = run_trajectories(ROSENBROCK, STEPS, [quiet])
    np.testing.assert_array_equal(again.points, noisy_adam.points)
    assert not np.allclose(reseeded.points, noisy_adam.points)
    assert "sampled_gradient" not in clean.state
    assert set(clean.state) == {"momentum", "sigma"}


def test_sgd_steps_are_plain_gradient_steps() -> None:
    result = _booth_sgd(0.01)
    assert result.diverged_at is None
    _assert_consistent_records(result, STEPS, _booth, _booth_gradient)
    expected_next = result.points[:-1] - 0.01 * _booth_gradient(result.points[:-1])
    np.testing.assert_allclose(result.points[1:], expected_next, rtol=1e-12, atol=1e-12)
    assert result.state == {}


def test_odd_step_count_gives_exactly_steps_plus_one_points() -> None:
    result = _booth_sgd(0.01, ODD_STEPS)
    assert result.diverged_at is None
    assert len(result.points) == ODD_STEPS + 1
    assert len(result.learning_rate) == ODD_STEPS
    _assert_consistent_records(result, ODD_STEPS, _booth, _booth_gradient)


def test_odd_step_count_last_point_is_after_exactly_that_many_updates() -> None:
    # Regression: ``_cut`` once took the last point from the scan's final carry, which
    # has taken a whole bucket (64) of updates, not ``steps`` (37).
    result = _booth_sgd(0.01, ODD_STEPS)
    full = _booth_sgd(0.01, STEPS)
    np.testing.assert_array_equal(result.points[:-1], full.points[:ODD_STEPS])
    expected_last = result.points[-2] - 0.01 * _booth_gradient(result.points[-2])
    np.testing.assert_allclose(result.points[-1], expected_last, rtol=1e-12)
    np.testing.assert_array_equal(result.points[-1], full.points[ODD_STEPS])


def test_odd_step_count_does_not_report_a_divergence_after_the_last_step() -> None:
    # Regression (same cause): at η = 0.115 SGD on Booth is unstable (1 − 18η < −1), but
    # it leaves the escape box only at step 47. A 37-step run stays inside; it was once
    # reported diverged at 37 (the health of point 64) and lost its last point.
    assert _booth_sgd(0.115, STEPS).diverged_at == 47
    result = _booth_sgd(0.115, ODD_STEPS)
    assert result.diverged_at is None
    assert len(result.points) == ODD_STEPS + 1


def test_results_keep_the_order_of_interleaved_runs() -> None:
    first = RunConfig(ADAM, (-1.2, 1.0), {"learning_rate": 0.01})
    middle = _sgd((0.5, 0.5), 1e-3)
    last = RunConfig(ADAM, (1.5, 2.0), {"learning_rate": 0.02})
    a, b, c = run_trajectories(ROSENBROCK, STEPS, [first, middle, last])
    np.testing.assert_array_equal(a.points[0], [-1.2, 1.0])
    np.testing.assert_array_equal(b.points[0], [0.5, 0.5])
    np.testing.assert_array_equal(c.points[0], [1.5, 2.0])
    np.testing.assert_array_equal(a.learning_rate, np.full(STEPS, 0.01))
    np.testing.assert_array_equal(c.learning_rate, np.full(STEPS, 0.02))
    assert b.state == {} and set(a.state) == {"momentum", "sigma"}
    np.testing.assert_allclose(
        b.points[1], b.points[0] - 1e-3 * _rosenbrock_gradient(b.points[0]), rtol=1e-14
    )
    # The same runs in another order give the same trajectories, permuted.
    c2, b2, a2 = run_trajectories(ROSENBROCK, STEPS, [last, middle, first])
    for mine, theirs in ((a, a2), (b, b2), (c, c2)):
        np.testing.assert_array_equal(mine.points, theirs.points)
        np.testing.assert_array_equal(mine.loss, theirs.loss)


def test_sgd_with_huge_rate_on_rosenbrock_diverges_cleanly() -> None:
    (result,) = run_trajectories(ROSENBROCK, STEPS, [_sgd((-1.2, 1.0), 10.0)])
    assert isinstance(result.diverged_at, int)
    assert 0 < result.diverged_at <= STEPS
    assert len(result.points) == result.diverged_at
    _assert_consistent_records(result, STEPS, _rosenbrock, _rosenbrock_gradient)
    for series in (result.points, result.loss, result.gradient, result.grad_norm):
        assert np.all(np.isfinite(series))
    # The first point it cut is indeed unhealthy: one SGD step from the last kept point.
    nxt = result.points[-1] - 10.0 * _rosenbrock_gradient(result.points[-1])
    box = ROSENBROCK.escape_box()
    inside = np.all(nxt >= box[0]) and np.all(nxt <= box[1])
    assert not (inside and np.isfinite(_rosenbrock(nxt)))


def test_leaving_the_domain_while_finite_counts_as_divergence() -> None:
    # η = 0.2 on Booth: the error along (1, 1) grows by |1 − 0.2·18| = 2.6 per step, so
    # the run flies out of the box within a few steps while every value stays finite.
    result = _booth_sgd(0.2)
    assert isinstance(result.diverged_at, int)
    assert len(result.points) == result.diverged_at
    assert np.all(np.isfinite(result.points)) and np.all(np.isfinite(result.loss))
    box = BOOTH.escape_box()
    (x_lo, x_hi), (y_lo, y_hi) = BOOTH.domain
    np.testing.assert_array_equal(
        box,
        [
            [x_lo - ESCAPE_WIDTHS * (x_hi - x_lo), y_lo - ESCAPE_WIDTHS * (y_hi - y_lo)],
            [x_hi + ESCAPE_WIDTHS * (x_hi - x_lo), y_hi + ESCAPE_WIDTHS * (y_hi - y_lo)],
        ],
    )
    assert np.all(result.points >= box[0]) and np.all(result.points <= box[1])
    nxt = result.points[-1] - 0.2 * _booth_gradient(result.points[-1])
    assert np.isfinite(_booth(nxt))
    assert np.any(nxt < box[0]) or np.any(nxt > box[1])


def test_converging_run_has_no_divergence() -> None:
    # η = 0.1: both error components shrink by |1 − 2η| = |1 − 18η| = 0.8 per step.
    result = _booth_sgd(0.1)
    assert result.diverged_at is None
    assert len(result.points) == STEPS + 1
    assert result.loss[-1] < 1e-9 * result.loss[0]
    np.testing.assert_allclose(result.points[-1], [1.0, 3.0], atol=1e-4)


def test_schedule_shapes_the_learning_rate_series() -> None:
    schedule = ScheduleConfig.of("cosine_decay", decay_steps=STEPS)
    run = RunConfig(SGD, (-6.0, -8.0), {"learning_rate": 0.04}, schedule=schedule)
    (result,) = run_trajectories(BOOTH, STEPS, [run])
    t = np.arange(STEPS)
    np.testing.assert_allclose(
        result.learning_rate, 0.04 * 0.5 * (1.0 + np.cos(np.pi * t / STEPS)), rtol=1e-12
    )
    expected_next = result.points[:-1] - result.learning_rate[:, None] * _booth_gradient(
        result.points[:-1]
    )
    np.testing.assert_allclose(result.points[1:], expected_next, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------- sweeps

SWEEP_RATES = np.geomspace(1e-3, 0.5, 8)  # SGD on Booth is unstable above 2/18 ≈ 0.111


@pytest.fixture(scope="module")
def booth_sweep() -> dict[int, SweepResult]:
    return {
        steps: sweep_learning_rates(BOOTH, steps, [_sgd((-6.0, -8.0), 1.0)], SWEEP_RATES)[0]
        for steps in (STEPS, ODD_STEPS)
    }


def test_sweep_marks_diverged_rates_and_picks_the_best_finite_one(
    booth_sweep: dict[int, SweepResult],
) -> None:
    sweep = booth_sweep[STEPS]
    np.testing.assert_array_equal(sweep.learning_rates, SWEEP_RATES)
    unstable = SWEEP_RATES > 2.0 / 18.0
    assert unstable.sum() == 2
    for rate, loss, mean, diverged in zip(
        SWEEP_RATES, sweep.final_loss, sweep.mean_loss, sweep.diverged_at, strict=True
    ):
        if rate > 2.0 / 18.0:
            assert math.isnan(loss) and math.isnan(mean)
            assert isinstance(diverged, int) and 0 < diverged <= STEPS
        else:
            assert np.isfinite(loss) and np.isfinite(mean)
            assert diverged is None
    finite = np.where(np.isfinite(sweep.final_loss), sweep.final_loss, np.inf)
    assert sweep.best_index == int(np.argmin(finite))
    assert sweep.best_index == int(np.flatnonzero(~unstable)[-1])  # largest stable rate


def test_sweep_mean_metric_ranks_by_mean_loss(booth_sweep: dict[int, SweepResult]) -> None:
    sweep = booth_sweep[STEPS]
    (by_mean,) = sweep_learning_rates(
        BOOTH, STEPS, [_sgd((-6.0, -8.0), 1.0)], SWEEP_RATES, metric="mean"
    )
    finite = np.where(np.isfinite(sweep.mean_loss), sweep.mean_loss, np.inf)
    assert by_mean.best_index == int(np.argmin(finite))
    np.testing.assert_array_equal(by_mean.mean_loss, sweep.mean_loss)


def test_sweep_where_everything_diverges_has_no_best() -> None:
    (sweep,) = sweep_learning_rates(
        BOOTH, STEPS, [_sgd((-6.0, -8.0), 1.0)], np.linspace(0.3, 0.8, 8)
    )
    assert sweep.best_index is None
    assert all(isinstance(d, int) for d in sweep.diverged_at)
    assert np.all(np.isnan(sweep.final_loss))


@pytest.mark.parametrize("steps", [STEPS, ODD_STEPS])
def test_sweep_agrees_with_run_trajectories(
    booth_sweep: dict[int, SweepResult], steps: int
) -> None:
    # At ODD_STEPS this caught the ``_cut`` bug: run_trajectories' last point (and its
    # divergence verdict) came from step 64 while the sweep read step 37.
    sweep = booth_sweep[steps]
    for k, rate in enumerate(SWEEP_RATES):
        run = _booth_sgd(float(rate), steps)
        assert sweep.diverged_at[k] == run.diverged_at, rate
        if run.diverged_at is None:
            assert sweep.final_loss[k] == pytest.approx(run.loss[-1], rel=1e-12, abs=1e-300)
            assert sweep.mean_loss[k] == pytest.approx(np.mean(run.loss), rel=1e-12)
            assert len(run.loss) == steps + 1


def test_a_run_from_its_mapping_is_the_one_built_by_hand() -> None:
    """``RunConfig.from_mapping`` is the one converter (API, lessons, notebooks): the API's
    form gives the config a learner set up, defaults filled in where left out."""
    from descentlab.core.optimizers import get_optimizer
    from descentlab.core.schedules import ScheduleConfig

    run = {
        "optimizer": {"name": "momentum", "learning_rate": 0.01, "momentum": 0.5},
        "schedule": {"name": "warmup", "warmup_steps": 5, "then": {"name": "cosine_decay"}},
        "start": [1, -2],
        "gradient_noise": 0.1,
        "seed": 3,
    }
    by_hand = RunConfig(
        optimizer=get_optimizer("momentum"),
        start=(1.0, -2.0),
        hyperparameters={"learning_rate": 0.01, "momentum": 0.5},
        schedule=ScheduleConfig.of(
            "warmup", then=ScheduleConfig.of("cosine_decay"), warmup_steps=5.0
        ),
        gradient_noise=0.1,
        seed=3,
    )
    assert RunConfig.from_mapping(run) == by_hand
    bare = RunConfig.from_mapping({"optimizer": {"name": "adam"}, "start": (0, 0)})
    assert bare.value("learning_rate") == get_optimizer("adam").learning_rate.default
    assert (bare.schedule, bare.gradient_noise, bare.seed) == (None, 0.0, 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"optimizer": {"name": "sgdx"}}, "unknown optimizer 'sgdx'"),
        ({"optimizer": {"name": "sgd", "momentum": 0.9}}, "sgd has no hyperparameter 'momentum'"),
        ({"schedule": {"name": "cosine"}}, "unknown schedule 'cosine'"),
        ({"schedule": {"name": "cosine_decay", "steps": 3}}, "has no setting 'steps'"),
        ({"schedule": {"name": "cosine_decay", "then": {"name": "constant"}}}, "only a warmup"),
    ],
)
def test_a_run_mapping_with_unknown_names_is_refused_by_name(
    change: dict[str, object], message: str
) -> None:
    run = {"optimizer": {"name": "sgd"}, "start": (0.0, 0.0), **change}
    with pytest.raises(ValueError, match=message):
        RunConfig.from_mapping(run)
