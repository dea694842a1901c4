"""What recompiles: everything a learner moves with a slider must reuse the compiled code.

The counter listens to JAX's monitoring events and counts *backend* compiles
(``/jax/core/compile/backend_compile_duration``), which fire for every XLA executable
built in-process (a persistent-cache hit fires it too), including the small ones that
eager ``jnp`` calls on the host compile behind the scenes. It also records traces
(``/jax/core/compile/jaxpr_trace_duration``), since a retrace costs time even when the
executable is then found in the cache.

Each test warms its own shapes first, so nothing depends on test order; the positive
controls at the end use step buckets no other test touches.
"""

from typing import Any

import jax
import numpy as np
import pytest

from descentlab.core.analysis import analyze_point
from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.schedules import ScheduleConfig, warm_schedule_kernels
from descentlab.core.surfaces import get_surface
from descentlab.core.sweep import sweep_learning_rates
from descentlab.core.trajectory import RunConfig, run_trajectories, step_bucket
from tests.compile_counter import count_compiles

ADAM = OPTIMIZERS["adam"]
VALLEY = get_surface("elongated_quadratic")
STEPS = 1000  # bucket 1024; the other test files stay at 64


def _objective(condition: float = 100.0, domain: Any = None) -> Objective:
    return Objective.from_surface(VALLEY, params=(condition,), domain=domain)


def _run(**overrides: Any) -> RunConfig:
    settings: dict[str, Any] = {
        "optimizer": ADAM,
        "start": (-9.0, 1.5),
        "hyperparameters": {"learning_rate": 0.1},
        "schedule": ScheduleConfig.of("cosine_decay", decay_steps=100),
    }
    settings.update(overrides)
    return RunConfig(**settings)


@pytest.fixture(scope="module")
def warm() -> None:
    """Compile the shapes this module reuses: one run, 1024-step bucket, cosine schedule."""
    run_trajectories(_objective(), STEPS, [_run()])


VARIATIONS = {
    "learning_rate": (STEPS, _run(hyperparameters={"learning_rate": 0.37})),
    "adam_hyperparameters": (
        STEPS,
        _run(
            hyperparameters={
                "learning_rate": 0.1,
                "b1": 0.5,
                "b2": 0.9,
                "eps": 1e-3,
                "eps_root": 1e-9,
            }
        ),
    ),
    "start": (STEPS, _run(start=(3.0, -1.0))),
    "noise_and_seed": (STEPS, _run(gradient_noise=0.7, seed=12345)),
    "cosine_decay_steps": (STEPS, _run(schedule=ScheduleConfig.of("cosine_decay", decay_steps=7))),
    "cosine_values": (
        STEPS,
        _run(schedule=ScheduleConfig.of("cosine_decay", decay_steps=900, alpha=0.1, exponent=2)),
    ),
    "steps_same_bucket": (700, _run()),
    "everything_at_once": (
        513,
        _run(
            start=(1.0, 1.0),
            hyperparameters={"learning_rate": 0.02, "b1": 0.0},
            gradient_noise=0.1,
            seed=7,
            schedule=ScheduleConfig.of("cosine_decay", decay_steps=2000, alpha=0.5),
        ),
    ),
}


@pytest.mark.usefixtures("warm")
@pytest.mark.parametrize("name", list(VARIATIONS))
def test_run_trajectories_does_not_recompile_for_new_values(name: str) -> None:
    steps, run = VARIATIONS[name]
    with count_compiles() as log:
        (result,) = run_trajectories(_objective(), steps, [run])
    assert len(result.points) == steps + 1  # it really ran
    assert log.compiles == []
    assert log.traces == []


@pytest.mark.usefixtures("warm")
def test_run_trajectories_does_not_recompile_for_surface_constants() -> None:
    with count_compiles() as log:
        (result,) = run_trajectories(_objective(condition=7.5), STEPS, [_run()])
    assert result.loss[0] == pytest.approx(81.0 + 7.5 * 2.25)
    assert log.compiles == []
    assert log.traces == []


@pytest.mark.usefixtures("warm")
def test_a_different_schedule_kind_does_not_recompile_the_scan() -> None:
    schedule = ScheduleConfig.of("exponential_decay", transition_steps=50, decay_rate=0.3)
    with count_compiles() as log:
        (result,) = run_trajectories(_objective(), STEPS, [_run(schedule=schedule)])
    assert result.learning_rate[100] == pytest.approx(0.1 * 0.3**2)
    assert "jit(simulate)" not in log.compiles
    assert "simulate" not in log.traces


def test_a_different_schedule_kind_compiles_nothing_once_kernels_are_warm() -> None:
    # ``schedules.schedule_shape`` evaluates optax's schedule with eager jnp ops: the first
    # use of a kind at a step bucket builds a few tiny kernels, which start-up builds ahead
    # of time with ``warm_schedule_kernels``. A step bucket of its own (8192) keeps other
    # tests from warming those kernels first.
    steps = 5000
    run_trajectories(_objective(), steps, [_run()])
    warm_schedule_kernels(step_bucket(steps))
    schedule = ScheduleConfig.of("inverse_sqrt", timescale=10.0)
    with count_compiles() as log:
        (result,) = run_trajectories(_objective(), steps, [_run(schedule=schedule)])
    assert result.learning_rate[30] == pytest.approx(0.1 / 2.0)
    assert log.compiles == []


def test_an_unwarmed_schedule_kind_compiles_only_small_kernels_and_new_values_nothing() -> None:
    # Positive control for the test above, at a bucket nothing else uses (16384).
    steps = 10_000
    run_trajectories(_objective(), steps, [_run()])
    first = ScheduleConfig.of("exponential_decay", transition_steps=50, decay_rate=0.5)
    with count_compiles() as log:
        run_trajectories(_objective(), steps, [_run(schedule=first)])
    assert log.compiles, "the first use of a kind at a new bucket builds eager kernels"
    assert "jit(simulate)" not in log.compiles
    other = ScheduleConfig.of("exponential_decay", transition_steps=70, decay_rate=0.25)
    with count_compiles() as log:
        (result,) = run_trajectories(_objective(), steps, [_run(schedule=other)])
    assert result.learning_rate[70] == pytest.approx(0.1 * 0.25)
    assert log.compiles == []


def test_analyze_point_does_not_recompile_for_a_new_point_or_constants() -> None:
    analyze_point(_objective(), (1.0, 1.0))
    with count_compiles() as log:
        moved = analyze_point(_objective(), (-3.0, 0.25))
        reshaped = analyze_point(_objective(condition=9.0), (0.0, 0.0))
    np.testing.assert_array_equal(moved.gradient, [-6.0, 50.0])
    np.testing.assert_array_equal(reshaped.hessian, [[2.0, 0.0], [0.0, 18.0]])
    assert log.compiles == []
    assert log.traces == []


def test_evaluate_grid_does_not_recompile_for_a_new_domain_or_resolution() -> None:
    evaluate_grid(_objective(), 100)
    with count_compiles() as log:
        grid = evaluate_grid(_objective(domain=((0.0, 1.0), (-5.0, 5.0))), 77)
        other = evaluate_grid(_objective(condition=2.0), 128)
    assert grid.z.shape == (77, 77) and other.z.shape == (128, 128)
    assert grid.x[-1] == 1.0 and grid.y[0] == -5.0
    assert log.compiles == []
    assert log.traces == []


@pytest.mark.usefixtures("warm")
def test_sweep_does_not_recompile_for_new_rates_steps_or_start() -> None:
    sweep_learning_rates(_objective(), STEPS, [_run()], np.geomspace(1e-3, 1.0, 6))
    with count_compiles() as log:
        (first,) = sweep_learning_rates(_objective(), STEPS, [_run()], np.geomspace(1e-2, 3.0, 8))
        (second,) = sweep_learning_rates(
            _objective(condition=3.0),
            600,
            [_run(start=(2.0, 1.0), hyperparameters={"b1": 0.3})],
            np.array([0.5, 0.05, 0.005, 0.0005, 0.2]),
            metric="mean",
        )
    assert first.final_loss.shape == (8,) and second.final_loss.shape == (5,)
    assert log.compiles == []
    assert log.traces == []


# ---------------------------------------------------------------- positive controls


@pytest.mark.usefixtures("warm")
def test_control_a_new_step_bucket_does_compile() -> None:
    with count_compiles() as log:
        (result,) = run_trajectories(_objective(), 1500, [_run()])  # bucket 2048
    assert len(result.points) == 1501
    assert "jit(simulate)" in log.compiles
    assert "simulate" in log.traces


def test_control_a_new_grid_bucket_and_a_new_rate_bucket_do_compile() -> None:
    with count_compiles() as log:
        evaluate_grid(_objective(), 300)  # bucket 512
    assert log.compiles == ["jit(_grid_values)"]
    with count_compiles() as log:
        sweep_learning_rates(_objective(), 3000, [_run()], np.geomspace(1e-3, 1.0, 3))
    assert "jit(sweep_losses)" in log.compiles


def test_counter_sees_only_what_happens_inside_it() -> None:
    with count_compiles() as outside:
        pass
    with count_compiles() as inside:
        jax.jit(lambda x: x * 3.0 - 1.0)(np.arange(5.0))
    jax.jit(lambda x: x * 5.0 - 2.0)(np.arange(5.0))  # after both have exited
    assert outside.compiles == []
    assert len(inside.compiles) == 1
