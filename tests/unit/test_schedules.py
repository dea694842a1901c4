"""Learning-rate schedules: closed forms, optax itself, proportionality to η, and the runs."""

from collections.abc import Callable

import numpy as np
import optax
import pytest

from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.schedules import (
    SCHEDULES,
    SERIES_LENGTH,
    ScheduleConfig,
    build_schedule,
    learning_rate_series,
)
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, RunResult, run_trajectories, step_bucket

LENGTH = 512
T = np.arange(LENGTH, dtype=np.float64)
ETA = 0.3

Closed = Callable[[float, np.ndarray], np.ndarray]
Direct = Callable[[float], optax.Schedule]


def exponential(T_: float, gamma: float, t0: float) -> Closed:
    # η·γ^((t − t0)/T), held at η up to t0
    return lambda eta, t: np.where(t <= t0, eta, eta * gamma ** ((t - t0) / T_))


def step(s: float, gamma: float) -> Closed:
    return lambda eta, t: eta * gamma ** np.floor(t / s)


def cosine(T_: float, alpha: float, p: float) -> Closed:
    def form(eta: float, t: np.ndarray) -> np.ndarray:
        half = 0.5 * (1.0 + np.cos(np.pi * np.minimum(t, T_) / T_))
        return eta * ((1.0 - alpha) * half**p + alpha)

    return form


def inverse_sqrt(tau: float) -> Closed:
    return lambda eta, t: eta / np.sqrt(1.0 + t / tau)


def transformer(d: float, w: float) -> Closed:
    return lambda eta, t: eta * d**-0.5 * np.minimum((t + 1) ** -0.5, (t + 1) * w**-1.5)


def warmup(w: float, init: float, then: Closed) -> Closed:
    def form(eta: float, t: np.ndarray) -> np.ndarray:
        ramp = init * eta + (eta - init * eta) * t / w
        return np.where(t < w, ramp, then(eta, t - w))

    return form


def constant(eta: float, t: np.ndarray) -> np.ndarray:
    return np.full_like(t, eta)


# (config, closed form, the same schedule built directly from optax or None where optax
# has no such schedule). Configs without values check the documented defaults.
CASES: list[tuple[ScheduleConfig | None, Closed, Direct | None]] = [
    (None, constant, optax.constant_schedule),
    (ScheduleConfig.of("constant"), constant, optax.constant_schedule),
    (
        ScheduleConfig.of("exponential_decay"),
        exponential(100, 0.5, 0),
        lambda eta: optax.exponential_decay(eta, 100, 0.5),
    ),
    (
        ScheduleConfig.of(
            "exponential_decay", transition_steps=30, decay_rate=0.8, transition_begin=100
        ),
        exponential(30, 0.8, 100),
        lambda eta: optax.exponential_decay(eta, 30, 0.8, transition_begin=100),
    ),
    (
        ScheduleConfig.of("step"),
        step(100, 0.1),
        lambda eta: optax.exponential_decay(eta, 100, 0.1, staircase=True),
    ),
    (
        ScheduleConfig.of("step", step_size=37, gamma=0.5),
        step(37, 0.5),
        lambda eta: optax.exponential_decay(eta, 37, 0.5, staircase=True),
    ),
    (
        ScheduleConfig.of("cosine_decay"),
        cosine(1000, 0.0, 1.0),
        lambda eta: optax.cosine_decay_schedule(eta, 1000),
    ),
    (
        ScheduleConfig.of("cosine_decay", decay_steps=250, alpha=0.1, exponent=2.0),
        cosine(250, 0.1, 2.0),
        lambda eta: optax.cosine_decay_schedule(eta, 250, alpha=0.1, exponent=2.0),
    ),
    (ScheduleConfig.of("inverse_sqrt"), inverse_sqrt(1.0), None),
    (ScheduleConfig.of("inverse_sqrt", timescale=25.0), inverse_sqrt(25.0), None),
    (ScheduleConfig.of("transformer"), transformer(512, 4000), None),
    (ScheduleConfig.of("transformer", d_model=64, warmup_steps=100), transformer(64, 100), None),
    (
        ScheduleConfig.of("warmup"),
        warmup(100, 0.0, constant),
        lambda eta: optax.join_schedules(
            [optax.linear_schedule(0.0, eta, 100), optax.constant_schedule(eta)], [100]
        ),
    ),
    (
        ScheduleConfig.of(
            "warmup",
            then=ScheduleConfig.of("cosine_decay", decay_steps=200, alpha=0.05),
            warmup_steps=50,
            init_value=0.1,
        ),
        warmup(50, 0.1, cosine(200, 0.05, 1.0)),
        lambda eta: optax.join_schedules(
            [
                optax.linear_schedule(0.1 * eta, eta, 50),
                optax.cosine_decay_schedule(eta, 200, alpha=0.05),
            ],
            [50],
        ),
    ),
    (
        ScheduleConfig.of("warmup", then=ScheduleConfig.of("step", step_size=64, gamma=0.5)),
        warmup(100, 0.0, step(64, 0.5)),
        lambda eta: optax.join_schedules(
            [
                optax.linear_schedule(0.0, eta, 100),
                optax.exponential_decay(eta, 64, 0.5, staircase=True),
            ],
            [100],
        ),
    ),
]
IDS = [
    "none"
    if c is None
    else "-".join([c.name, *(f"{k}={v:g}" for k, v in c.values)])
    + (f"-then-{c.then.name}" if c is not None and c.then else "")
    for c, _, _ in CASES
]


def test_cases_cover_every_schedule() -> None:
    names = {c.name for c, _, _ in CASES if c is not None}
    assert names == {*SCHEDULES, "warmup"}


@pytest.mark.parametrize(("config", "closed", "direct"), CASES, ids=IDS)
def test_series_is_the_closed_form(
    config: ScheduleConfig | None, closed: Closed, direct: Direct | None
) -> None:
    series = learning_rate_series(ETA, config, LENGTH)
    assert series.shape == (LENGTH,) and series.dtype == np.float64
    np.testing.assert_allclose(series, closed(ETA, T), rtol=1e-12, atol=0)


@pytest.mark.parametrize(("config", "closed", "direct"), CASES, ids=IDS)
def test_series_is_optax_called_one_step_at_a_time(
    config: ScheduleConfig | None, closed: Closed, direct: Direct | None
) -> None:
    series = learning_rate_series(ETA, config, LENGTH)
    own = build_schedule(ETA, config)
    schedules = [own] if direct is None else [own, direct(ETA)]
    for schedule in schedules:
        scalar = np.array([float(schedule(t)) for t in range(LENGTH)])
        np.testing.assert_allclose(series, scalar, rtol=1e-12, atol=0)


@pytest.mark.parametrize(("config", "closed", "direct"), CASES, ids=IDS)
def test_series_is_proportional_to_eta(
    config: ScheduleConfig | None, closed: Closed, direct: Direct | None
) -> None:
    unit = learning_rate_series(1.0, config, LENGTH)
    for eta in (1e-3, 0.7, 25.0):
        series = learning_rate_series(eta, config, LENGTH)
        np.testing.assert_allclose(series, eta * unit, rtol=1e-14, atol=0)
        # the shortcut η·shape is only valid if building the schedule at η gives the same
        built = np.asarray(build_schedule(eta, config)(T), dtype=np.float64)
        np.testing.assert_allclose(series, np.broadcast_to(built, T.shape), rtol=1e-12, atol=0)


def test_series_shape_does_not_depend_on_length() -> None:
    config = ScheduleConfig.of("cosine_decay", decay_steps=100)
    np.testing.assert_array_equal(
        learning_rate_series(ETA, config, 64), learning_rate_series(ETA, config, 128)[:64]
    )


# Parameter values at the edge of the declared ranges must still follow the formula.
# optax's exponential_decay returns a *constant* schedule when decay_rate == 0, so the
# declared ranges must exclude 0, and their lowest value must still decay.
@pytest.mark.parametrize(
    ("name", "factor_name", "closed"),
    [
        ("step", "gamma", lambda g: step(10, g)),
        ("exponential_decay", "decay_rate", lambda g: exponential(10, g, 0)),
    ],
    ids=["step-gamma", "exponential-decay_rate"],
)
def test_lowest_decay_factor_follows_the_formula(
    name: str, factor_name: str, closed: Callable[[float], Closed]
) -> None:
    spec = SCHEDULES[name]
    factor = next(p for p in spec.parameters if p.name == factor_name)
    assert factor.lower > 0.0
    steps_key = "step_size" if name == "step" else "transition_steps"
    config = ScheduleConfig.of(name, **{steps_key: 10, factor_name: factor.lower})
    series = learning_rate_series(ETA, config, 64)
    np.testing.assert_allclose(series, closed(factor.lower)(ETA, T[:64]), rtol=1e-12, atol=0)
    assert series[-1] < ETA * 1e-6


# ---------------------------------------------------------------------------------------
# Schedules in runs: SGD on Booth, where θₜ₊₁ = θₜ − ηₜ ∇f(θₜ) exposes every ηₜ.
# ---------------------------------------------------------------------------------------

STEPS = 300
BOOTH = get_surface("booth")
OBJECTIVE = Objective.from_surface(BOOTH)
RUN_ETA = 0.02


def sgd_run(schedule: ScheduleConfig | None) -> RunResult:
    config = RunConfig(OPTIMIZERS["sgd"], (-6.0, -8.0), {"learning_rate": RUN_ETA}, schedule)
    return run_trajectories(OBJECTIVE, STEPS, [config])[0]


@pytest.mark.parametrize(
    "schedule",
    [
        ScheduleConfig.of("step", step_size=40, gamma=0.5),
        ScheduleConfig.of("warmup", warmup_steps=30, init_value=0.0),
    ],
    ids=["step", "warmup"],
)
def test_runs_record_and_use_the_series(schedule: ScheduleConfig) -> None:
    result = sgd_run(schedule)
    expected = learning_rate_series(RUN_ETA, schedule, step_bucket(STEPS))[:STEPS]
    assert result.diverged_at is None
    np.testing.assert_array_equal(result.learning_rate, expected)
    # update t used η_t (not η_{t±1}): the step is −η_t times the gradient at point t
    n = STEPS - 1
    step_taken = np.diff(result.points[:STEPS], axis=0)
    np.testing.assert_allclose(
        step_taken, -expected[:n, None] * result.gradient[:n], rtol=1e-12, atol=1e-15
    )


def test_a_schedule_changes_the_path() -> None:
    plain = sgd_run(None)
    np.testing.assert_array_equal(plain.learning_rate, RUN_ETA)
    decayed = sgd_run(ScheduleConfig.of("step", step_size=40, gamma=0.5))
    np.testing.assert_array_equal(plain.points[:41], decayed.points[:41])  # same η until 40
    assert np.max(np.abs(plain.points[42:STEPS] - decayed.points[42:STEPS])) > 1e-3


def test_a_series_longer_than_any_2d_run_is_computed_too() -> None:
    # A network trained with batch size 1 takes far more steps than a 2-D run: its series
    # is evaluated at its own length, and agrees with the shared one where they overlap.
    config = ScheduleConfig.of("cosine_decay", decay_steps=30_000)
    long = learning_rate_series(0.5, config, SERIES_LENGTH + 7)
    assert long.shape == (SERIES_LENGTH + 7,)
    np.testing.assert_array_equal(
        long[:SERIES_LENGTH], learning_rate_series(0.5, config, SERIES_LENGTH)
    )
    t = SERIES_LENGTH + 6
    assert long[-1] == pytest.approx(0.5 * 0.5 * (1 + np.cos(np.pi * t / 30_000)), rel=1e-12)
