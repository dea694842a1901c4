"""What compiles: a small fixed set of programs, each once, and nothing on the request path.

The counter (tests/compile_counter.py) listens to JAX's monitoring events and counts
backend compiles, which fire for every XLA executable built in-process (a persistent-
cache hit fires it too), including the small ones eager ``jnp`` calls build, and traces.

After ``warm_everything`` (the server's start-up), everything a learner can change is
data for those programs: surfaces, constants, optimizers, hyperparameters, schedules,
step and run counts, starts, noise, grids, points and typed expressions. The API-level
tour of the whole lab is tests/api/test_no_compiles.py.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jax
import numpy as np
import pytest

from descentlab.core.analysis import analyze_point
from descentlab.core.expressions import compile_expression
from descentlab.core.grid import GRID, MAX_RESOLUTION, evaluate_grid
from descentlab.core.hyperparameter_maps import (
    MAX_AXIS_COUNT,
    MapAxis,
    hyperparameter_map,
    tolerance_target,
)
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.programs import Kernel, smallest_fit
from descentlab.core.schedules import SCHEDULES, ScheduleConfig
from descentlab.core.surfaces import SURFACES, get_surface
from descentlab.core.sweep import sweep_learning_rates
from descentlab.core.trajectory import (
    MAP,
    MAP_BUCKETS,
    MAX_RUNS_PER_CALL,
    MAX_STEPS,
    MAX_SWEEP_RATES,
    RATE_BUCKETS,
    RUN_BUCKETS,
    SIMULATE,
    STEP_BUCKETS,
    SWEEP,
    RunConfig,
    inputs_for,
    run_trajectories,
)
from descentlab.core.warmup import compiled_programs, every_program, warm_everything
from tests.compile_counter import count_compiles

ADAM = OPTIMIZERS["adam"]
VALLEY = get_surface("elongated_quadratic")


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
    warm_everything()
    assert compiled_programs() == len(every_program())


# ---------------------------------------------------------------- the fixed set


def test_the_set_of_programs_is_small() -> None:
    # Five kernels; the shapes are buffers (steps), batches (runs, rates, map cells) and
    # nothing else.
    assert len(every_program()) <= 11
    assert {kernel.name for kernel, _ in every_program()} == {
        "simulate",
        "sweep",
        "map",
        "grid",
        "derivatives",
    }


def test_every_admissible_size_fits_a_compiled_shape() -> None:
    for steps in (1, 511, 512, 513, 2048, 5000, 8192, 8193, MAX_STEPS):
        for runs in range(1, MAX_RUNS_PER_CALL + 1):
            shape = (smallest_fit(runs, RUN_BUCKETS), smallest_fit(steps, STEP_BUCKETS))
            assert shape in SIMULATE.shapes
    for rates in range(2, MAX_SWEEP_RATES + 1):
        assert (smallest_fit(rates, RATE_BUCKETS),) in SWEEP.shapes
    for cells in (4, 1024, 1025, MAX_AXIS_COUNT**2):
        assert (smallest_fit(cells, MAP_BUCKETS),) in MAP.shapes
    assert GRID.shapes == ((),)


def test_a_size_beyond_the_table_is_refused_and_compiles_nothing() -> None:
    with count_compiles() as log:
        with pytest.raises(ValueError, match="largest compiled size"):
            run_trajectories(_objective(), MAX_STEPS + 1, [_run()])
        with pytest.raises(ValueError, match="not compiled for shape"):
            SIMULATE.executable((3, 2048))
        with pytest.raises(ValueError, match="within 1"):
            evaluate_grid(_objective(), MAX_RESOLUTION + 1)
    assert log.compiles == []


@pytest.mark.usefixtures("warm")
def test_arguments_of_another_dtype_are_refused_not_compiled() -> None:
    objective = _objective()
    inputs = inputs_for([_run()], 2048, 1)
    single = inputs._replace(start=np.asarray(inputs.start, dtype=np.float32))
    with count_compiles() as log, pytest.raises(TypeError):
        SIMULATE((1, 2048), objective.args(), single, objective.escape_box(), 9)
    assert log.compiles == []


def _triple(x: jax.Array) -> jax.Array:
    return 3.0 * x - 1.0


def test_concurrent_first_calls_of_one_shape_compile_it_once() -> None:
    kernel = Kernel("triple", _triple, lambda shape: (np.zeros(shape),), [(7,)])
    barrier = threading.Barrier(8)

    def call() -> Any:
        barrier.wait()
        return np.asarray(kernel((7,), np.arange(7.0)))

    with count_compiles() as log, ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: call(), range(8)))
    assert log.compiles == ["jit(_triple)"]
    for result in results:
        np.testing.assert_array_equal(result, 3.0 * np.arange(7.0) - 1.0)


# ---------------------------------------------------------------- data, not programs


@pytest.mark.usefixtures("warm")
def test_new_surfaces_optimizers_steps_and_runs_compile_nothing() -> None:
    typed = compile_expression("sin(x) * exp(-y^2) + 0.1*x^2")
    objectives = [
        *(Objective.from_surface(surface) for surface in SURFACES.values()),
        _objective(condition=7.5),
        Objective.typed(typed.instructions, typed.constants, ((-3, 3), (-3, 3))),
    ]
    with count_compiles() as log:
        for case, objective in enumerate(objectives):
            name = list(OPTIMIZERS)[case % len(OPTIMIZERS)]
            runs = [
                RunConfig(OPTIMIZERS[name], (0.5, -0.5), {"learning_rate": 1e-3 * (i + 1)})
                for i in range(1 + case % 5)
            ]
            (result, *_) = run_trajectories(objective, 37 + 311 * case, runs)
            assert len(result.points) == 37 + 311 * case + 1 or result.diverged_at is not None
            evaluate_grid(objective, 17 + case * 13, with_gradient=case % 2 == 0)
            analyze_point(objective, (0.25, -0.75))
    assert log.compiles == []
    assert log.traces == []


@pytest.mark.usefixtures("warm")
def test_hyperparameters_starts_noise_and_schedules_compile_nothing() -> None:
    variations = [
        _run(hyperparameters={"learning_rate": 0.37}),
        _run(hyperparameters={"learning_rate": 0.1, "b1": 0.5, "b2": 0.9, "eps": 1e-3}),
        _run(start=(3.0, -1.0)),
        _run(gradient_noise=0.7, seed=12345),
        *(_run(schedule=ScheduleConfig.of(name)) for name in SCHEDULES),
        _run(schedule=ScheduleConfig.of("warmup", then=ScheduleConfig.of("step", gamma=0.5))),
        _run(schedule=ScheduleConfig.of("exponential_decay", transition_begin=30)),
        _run(schedule=None),
    ]
    with count_compiles() as log:
        results = [run_trajectories(_objective(), 700, [run])[0] for run in variations]
    assert log.compiles == []
    assert log.traces == []
    assert results[0].learning_rate[0] == pytest.approx(0.37 * 1.0)
    assert results[4].learning_rate[50] == pytest.approx(0.1)  # constant
    assert not np.array_equal(results[3].points, results[2].points)


@pytest.mark.usefixtures("warm")
def test_sweeps_of_any_size_and_surface_compile_nothing() -> None:
    with count_compiles() as log:
        (first,) = sweep_learning_rates(_objective(), 1000, [_run()], np.geomspace(1e-2, 3.0, 8))
        second = sweep_learning_rates(
            Objective.from_surface(get_surface("rosenbrock")),
            600,
            [_run(start=(2.0, 1.0)), RunConfig(OPTIMIZERS["lion"], (0.0, 0.0))],
            np.geomspace(1e-5, 1.0, MAX_SWEEP_RATES),
            metric="mean",
        )
    assert first.final_loss.shape == (8,) and second[1].final_loss.shape == (MAX_SWEEP_RATES,)
    assert log.compiles == []
    assert log.traces == []


@pytest.mark.usefixtures("warm")
def test_hyperparameter_maps_of_any_size_axes_and_metric_compile_nothing() -> None:
    momentum = RunConfig(OPTIMIZERS["momentum"], (-9.0, 1.5))
    with count_compiles() as log:
        small = hyperparameter_map(
            _objective(10.0),
            300,
            momentum,
            MapAxis.spaced("learning_rate", 1e-3, 1.0, 7, "log"),
            MapAxis.spaced("momentum", 0.0, 0.99, 5, "linear"),
            tolerance_target(VALLEY, 1e-3),
        )
        large = hyperparameter_map(
            Objective.from_surface(get_surface("rosenbrock")),
            50,
            _run(start=(-1.0, 2.0)),
            MapAxis.spaced("learning_rate", 1e-4, 1.0, MAX_AXIS_COUNT, "log"),
            MapAxis.spaced("b2", 0.5, 0.9999, MAX_AXIS_COUNT, "linear"),
        )
    assert small.final_loss.shape == (5, 7)
    assert large.final_loss.shape == (MAX_AXIS_COUNT, MAX_AXIS_COUNT)
    assert log.compiles == []
    assert log.traces == []


# ---------------------------------------------------------------- positive controls


def test_control_a_kernel_at_a_new_shape_does_compile() -> None:
    kernel = Kernel("control", _triple, lambda shape: (np.zeros(shape),), [(5,), (6,)])
    kernel((5,), np.zeros(5))
    with count_compiles() as log:
        kernel((5,), np.ones(5))  # compiled: nothing
    assert log.compiles == []
    with count_compiles() as log:
        kernel((6,), np.ones(6))
    assert log.compiles == ["jit(_triple)"]


def test_counter_sees_only_what_happens_inside_it() -> None:
    with count_compiles() as outside:
        pass
    with count_compiles() as inside:
        jax.jit(lambda x: x * 3.0 - 1.0)(np.arange(5.0))
    jax.jit(lambda x: x * 5.0 - 2.0)(np.arange(5.0))  # after both have exited
    assert outside.compiles == []
    assert len(inside.compiles) == 1
