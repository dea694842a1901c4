"""The engine's optimizers against hand arithmetic, a plain NumPy reference, and torch.optim.

Every engine call below goes through ``run_trajectories`` with the same objective function,
``STEPS`` steps and one run, so each optimizer compiles once for the whole file.
"""

import inspect
from collections.abc import Callable, Mapping
from functools import cache

import numpy as np
import pytest
import torch

from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS, state_keys
from descentlab.core.surfaces import quadratic_form
from descentlab.core.trajectory import RunConfig, RunResult, run_trajectories
from tests.reference.numpy_optimizers import (
    NUMPY_OPTIMIZERS,
    NumpyRun,
    trace_numpy,
)
from tests.reference.optax_functions import OPTAX_FUNCTIONS

STEPS = 300  # every engine call runs this many steps (in a longer buffer) and one run
Hyper = dict[str, float]


def quadratic(a: float, b: float, c: float, x0: float, y0: float) -> Objective:
    """f = ½(a·dx² + 2c·dx·dy + b·dy²), dx = x − x₀, dy = y − y₀ (the engine's quadratic form)."""
    return Objective.from_function(quadratic_form, (a, c, b, x0, y0, 0.0), BOX)


BOX = ((-5.0, 5.0), (-5.0, 5.0))
# f(x, y) = ½(x² + 10y²): the hand-computed steps.
HAND = quadratic(1.0, 10.0, 0.0, 0.0, 0.0)
HAND_START = np.array([1.5, -0.8])
# A tilted, well-conditioned bowl (Hessian eigenvalues 6.5 and 1.5) with its minimum at (1, 2).
BOWL = quadratic(2.0, 6.0, 1.5, 1.0, 2.0)
BOWL_START = np.array([-3.0, -2.0])


def hand_grad(p: np.ndarray) -> np.ndarray:
    """∇ ½(x² + 10y²)."""
    return np.array([1.0 * p[0], 10.0 * p[1]])


def bowl_grad(p: np.ndarray) -> np.ndarray:
    a, c, b, x0, y0, _ = BOWL.params
    dx, dy = p[0] - x0, p[1] - y0
    return np.array([a * dx + c * dy, c * dx + b * dy])


def engine_runs(
    objective: Objective, start: np.ndarray, name: str, hypers: list[Hyper]
) -> list[RunResult]:
    """``run_trajectories``, one call (one run) per hyperparameter set.

    One run per call keeps a single compiled shape per optimizer (run bucket 1, which also
    compiles fastest); the calls themselves take milliseconds.
    """
    spec = OPTIMIZERS[name]
    point = (float(start[0]), float(start[1]))
    return [
        run_trajectories(objective, STEPS, [RunConfig(spec, point, dict(h))])[0] for h in hypers
    ]


def assert_close(actual: np.ndarray, expected: np.ndarray, rel: float, what: str = "") -> None:
    """|actual − expected| ≤ rel · (largest |expected|) everywhere, and no NaN anywhere."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, what
    assert np.all(np.isfinite(expected)), what
    scale = max(float(np.max(np.abs(expected))), 1e-300)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rel * scale, err_msg=what)


# ---------------------------------------------------------------------------------------
# The first steps, written out by hand on f = ½(x² + 10y²).
# Each function spells the update rule out step by step, with the paper's (and optax's)
# defaults as keyword defaults, and returns [p₀, p₁, p₂, p₃].
# ---------------------------------------------------------------------------------------


def hand_sgd(p0: np.ndarray, lr: float) -> list[np.ndarray]:
    p1 = p0 - lr * hand_grad(p0)
    p2 = p1 - lr * hand_grad(p1)
    p3 = p2 - lr * hand_grad(p2)
    return [p0, p1, p2, p3]


def hand_momentum(p0: np.ndarray, lr: float, momentum: float = 0.9) -> list[np.ndarray]:
    m1 = hand_grad(p0)  # m₀ = 0
    p1 = p0 - lr * m1
    m2 = hand_grad(p1) + momentum * m1
    p2 = p1 - lr * m2
    m3 = hand_grad(p2) + momentum * m2
    p3 = p2 - lr * m3
    return [p0, p1, p2, p3]


def hand_nesterov(p0: np.ndarray, lr: float, momentum: float = 0.9) -> list[np.ndarray]:
    g1 = hand_grad(p0)
    m1 = g1
    p1 = p0 - lr * (g1 + momentum * m1)
    g2 = hand_grad(p1)
    m2 = g2 + momentum * m1
    p2 = p1 - lr * (g2 + momentum * m2)
    g3 = hand_grad(p2)
    m3 = g3 + momentum * m2
    p3 = p2 - lr * (g3 + momentum * m3)
    return [p0, p1, p2, p3]


def hand_adagrad(
    p0: np.ndarray, lr: float, initial_accumulator_value: float = 0.1, eps: float = 1e-7
) -> list[np.ndarray]:
    g1 = hand_grad(p0)
    s1 = initial_accumulator_value + g1**2
    p1 = p0 - lr * g1 / np.sqrt(s1 + eps)
    g2 = hand_grad(p1)
    s2 = s1 + g2**2
    p2 = p1 - lr * g2 / np.sqrt(s2 + eps)
    g3 = hand_grad(p2)
    s3 = s2 + g3**2
    p3 = p2 - lr * g3 / np.sqrt(s3 + eps)
    return [p0, p1, p2, p3]


def hand_adagrad_rms(p0: np.ndarray, lr: float, eps: float = 1e-7) -> list[np.ndarray]:
    g1 = hand_grad(p0)
    p1 = p0 - lr * g1 / (np.sqrt(g1**2) + eps)
    g2 = hand_grad(p1)
    p2 = p1 - lr * g2 / (np.sqrt((g1**2 + g2**2) / 2) + eps)
    g3 = hand_grad(p2)
    p3 = p2 - lr * g3 / (np.sqrt((g1**2 + g2**2 + g3**2) / 3) + eps)
    return [p0, p1, p2, p3]


def hand_rmsprop(
    p0: np.ndarray,
    lr: float,
    decay: float = 0.9,
    eps: float = 1e-8,
    initial_scale: float = 0.0,
    momentum: float = 0.0,
) -> list[np.ndarray]:
    # optax: the trace is of the step already scaled by −η.
    g1 = hand_grad(p0)
    v1 = decay * initial_scale + (1 - decay) * g1**2
    m1 = -lr * g1 / np.sqrt(v1 + eps)
    p1 = p0 + m1
    g2 = hand_grad(p1)
    v2 = decay * v1 + (1 - decay) * g2**2
    m2 = -lr * g2 / np.sqrt(v2 + eps) + momentum * m1
    p2 = p1 + m2
    g3 = hand_grad(p2)
    v3 = decay * v2 + (1 - decay) * g3**2
    m3 = -lr * g3 / np.sqrt(v3 + eps) + momentum * m2
    p3 = p2 + m3
    return [p0, p1, p2, p3]


def hand_adam(
    p0: np.ndarray,
    lr: float,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    weight_decay: float = 0.0,
) -> list[np.ndarray]:
    """Adam; with ``weight_decay`` it is AdamW: θ ← θ − η (m̂/(√(v̂+ε_r)+ε) + λθ)."""
    g1 = hand_grad(p0)
    m1 = (1 - b1) * g1
    v1 = (1 - b2) * g1**2
    u1 = (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2) + eps_root) + eps)
    p1 = p0 - lr * (u1 + weight_decay * p0)
    g2 = hand_grad(p1)
    m2 = b1 * m1 + (1 - b1) * g2
    v2 = b2 * v1 + (1 - b2) * g2**2
    u2 = (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2) + eps_root) + eps)
    p2 = p1 - lr * (u2 + weight_decay * p1)
    g3 = hand_grad(p2)
    m3 = b1 * m2 + (1 - b1) * g3
    v3 = b2 * v2 + (1 - b2) * g3**2
    u3 = (m3 / (1 - b1**3)) / (np.sqrt(v3 / (1 - b2**3) + eps_root) + eps)
    p3 = p2 - lr * (u3 + weight_decay * p2)
    return [p0, p1, p2, p3]


def hand_adamw(p0: np.ndarray, lr: float, weight_decay: float = 1e-4, **h: float) -> list:
    return hand_adam(p0, lr, weight_decay=weight_decay, **h)


def hand_radam(
    p0: np.ndarray,
    lr: float,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    threshold: float = 5.0,
) -> list[np.ndarray]:
    # ρ∞ = 2/(1−β₂) − 1 and ρₜ = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ): ρ₁ = 1, ρ₂ = (1+3β₂)/(1+β₂) < 2 and
    # ρ₃ < 3, all below the threshold here, so the first steps are un-adapted: θ ← θ − η m̂.
    ro_inf = 2 / (1 - b2) - 1
    for t in (1, 2, 3):
        assert ro_inf - 2 * t * b2**t / (1 - b2**t) < threshold
    del eps, eps_root  # not used by an un-rectified step
    g1 = hand_grad(p0)
    m1 = (1 - b1) * g1
    p1 = p0 - lr * m1 / (1 - b1)
    g2 = hand_grad(p1)
    m2 = b1 * m1 + (1 - b1) * g2
    p2 = p1 - lr * m2 / (1 - b1**2)
    g3 = hand_grad(p2)
    m3 = b1 * m2 + (1 - b1) * g3
    p3 = p2 - lr * m3 / (1 - b1**3)
    return [p0, p1, p2, p3]


def hand_nadam(
    p0: np.ndarray,
    lr: float,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
) -> list[np.ndarray]:
    # optax's NAdam: numerator β₁ m/(1−β₁^(t+1)) + (1−β₁) g/(1−β₁ᵗ), constant β₁.
    g1 = hand_grad(p0)
    m1 = (1 - b1) * g1
    v1 = (1 - b2) * g1**2
    n1 = b1 * m1 / (1 - b1**2) + (1 - b1) * g1 / (1 - b1)
    p1 = p0 - lr * n1 / (np.sqrt(v1 / (1 - b2) + eps_root) + eps)
    g2 = hand_grad(p1)
    m2 = b1 * m1 + (1 - b1) * g2
    v2 = b2 * v1 + (1 - b2) * g2**2
    n2 = b1 * m2 / (1 - b1**3) + (1 - b1) * g2 / (1 - b1**2)
    p2 = p1 - lr * n2 / (np.sqrt(v2 / (1 - b2**2) + eps_root) + eps)
    g3 = hand_grad(p2)
    m3 = b1 * m2 + (1 - b1) * g3
    v3 = b2 * v2 + (1 - b2) * g3**2
    n3 = b1 * m3 / (1 - b1**4) + (1 - b1) * g3 / (1 - b1**3)
    p3 = p2 - lr * n3 / (np.sqrt(v3 / (1 - b2**3) + eps_root) + eps)
    return [p0, p1, p2, p3]


def hand_amsgrad(
    p0: np.ndarray,
    lr: float,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
) -> list[np.ndarray]:
    # optax: the maximum is of the bias-corrected v̂.
    g1 = hand_grad(p0)
    m1 = (1 - b1) * g1
    v1 = (1 - b2) * g1**2
    vmax1 = np.maximum(0.0, v1 / (1 - b2))
    p1 = p0 - lr * (m1 / (1 - b1)) / (np.sqrt(vmax1 + eps_root) + eps)
    g2 = hand_grad(p1)
    m2 = b1 * m1 + (1 - b1) * g2
    v2 = b2 * v1 + (1 - b2) * g2**2
    vmax2 = np.maximum(vmax1, v2 / (1 - b2**2))
    p2 = p1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(vmax2 + eps_root) + eps)
    g3 = hand_grad(p2)
    m3 = b1 * m2 + (1 - b1) * g3
    v3 = b2 * v2 + (1 - b2) * g3**2
    vmax3 = np.maximum(vmax2, v3 / (1 - b2**3))
    p3 = p2 - lr * (m3 / (1 - b1**3)) / (np.sqrt(vmax3 + eps_root) + eps)
    return [p0, p1, p2, p3]


def hand_adamax(
    p0: np.ndarray, lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> list[np.ndarray]:
    g1 = hand_grad(p0)
    m1 = (1 - b1) * g1
    u1 = np.maximum(b2 * 0.0, np.abs(g1) + eps)
    p1 = p0 - lr * (m1 / (1 - b1)) / u1
    g2 = hand_grad(p1)
    m2 = b1 * m1 + (1 - b1) * g2
    u2 = np.maximum(b2 * u1, np.abs(g2) + eps)
    p2 = p1 - lr * (m2 / (1 - b1**2)) / u2
    g3 = hand_grad(p2)
    m3 = b1 * m2 + (1 - b1) * g3
    u3 = np.maximum(b2 * u2, np.abs(g3) + eps)
    p3 = p2 - lr * (m3 / (1 - b1**3)) / u3
    return [p0, p1, p2, p3]


def hand_adabelief(
    p0: np.ndarray,
    lr: float,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-16,
    eps_root: float = 1e-16,
) -> list[np.ndarray]:
    # s tracks (g − m)² with the *new* m; ε_root is added to the stored s every step.
    g1 = hand_grad(p0)
    m1 = (1 - b1) * g1
    s1 = (1 - b2) * (g1 - m1) ** 2 + eps_root
    p1 = p0 - lr * (m1 / (1 - b1)) / (np.sqrt(s1 / (1 - b2)) + eps)
    g2 = hand_grad(p1)
    m2 = b1 * m1 + (1 - b1) * g2
    s2 = b2 * s1 + (1 - b2) * (g2 - m2) ** 2 + eps_root
    p2 = p1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(s2 / (1 - b2**2)) + eps)
    g3 = hand_grad(p2)
    m3 = b1 * m2 + (1 - b1) * g3
    s3 = b2 * s2 + (1 - b2) * (g3 - m3) ** 2 + eps_root
    p3 = p2 - lr * (m3 / (1 - b1**3)) / (np.sqrt(s3 / (1 - b2**3)) + eps)
    return [p0, p1, p2, p3]


def hand_lion(
    p0: np.ndarray, lr: float, b1: float = 0.9, b2: float = 0.99, weight_decay: float = 1e-3
) -> list[np.ndarray]:
    g1 = hand_grad(p0)
    p1 = p0 - lr * (np.sign(b1 * 0.0 + (1 - b1) * g1) + weight_decay * p0)
    m1 = (1 - b2) * g1
    g2 = hand_grad(p1)
    p2 = p1 - lr * (np.sign(b1 * m1 + (1 - b1) * g2) + weight_decay * p1)
    m2 = b2 * m1 + (1 - b2) * g2
    g3 = hand_grad(p2)
    p3 = p2 - lr * (np.sign(b1 * m2 + (1 - b1) * g3) + weight_decay * p2)
    return [p0, p1, p2, p3]


def hand_adadelta(
    p0: np.ndarray, lr: float, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0
) -> list[np.ndarray]:
    g1 = hand_grad(p0) + weight_decay * p0
    eg1 = (1 - rho) * g1**2
    d1 = np.sqrt(0.0 + eps) / np.sqrt(eg1 + eps) * g1
    ex1 = (1 - rho) * d1**2
    p1 = p0 - lr * d1
    g2 = hand_grad(p1) + weight_decay * p1
    eg2 = rho * eg1 + (1 - rho) * g2**2
    d2 = np.sqrt(ex1 + eps) / np.sqrt(eg2 + eps) * g2
    ex2 = rho * ex1 + (1 - rho) * d2**2
    p2 = p1 - lr * d2
    g3 = hand_grad(p2) + weight_decay * p2
    eg3 = rho * eg2 + (1 - rho) * g3**2
    d3 = np.sqrt(ex2 + eps) / np.sqrt(eg3 + eps) * g3
    p3 = p2 - lr * d3
    return [p0, p1, p2, p3]


HandRule = Callable[..., list[np.ndarray]]

# Per optimizer: the rule by hand, and the cases (learning rate plus hyperparameters; a
# missing hyperparameter must take the engine's default, which the rule also defaults to).
HAND_CASES: Mapping[str, tuple[HandRule, list[Hyper]]] = {
    "sgd": (hand_sgd, [{"learning_rate": 0.05}, {"learning_rate": 0.15}]),
    "momentum": (
        hand_momentum,
        [{"learning_rate": 0.03}, {"learning_rate": 0.02, "momentum": 0.6}],
    ),
    "nesterov": (
        hand_nesterov,
        [{"learning_rate": 0.03}, {"learning_rate": 0.02, "momentum": 0.6}],
    ),
    "adagrad": (
        hand_adagrad,
        [
            {"learning_rate": 0.1},
            {"learning_rate": 0.3, "initial_accumulator_value": 2.0, "eps": 1e-3},
        ],
    ),
    "adagrad_rms": (
        hand_adagrad_rms,
        [{"learning_rate": 0.1}, {"learning_rate": 0.3, "eps": 1e-2}],
    ),
    "rmsprop": (
        hand_rmsprop,
        [
            {"learning_rate": 0.01},
            {
                "learning_rate": 0.02,
                "decay": 0.7,
                "eps": 1e-3,
                "initial_scale": 0.5,
                "momentum": 0.8,
            },
        ],
    ),
    "adam": (
        hand_adam,
        [
            {"learning_rate": 0.1},
            {"learning_rate": 0.05, "b1": 0.7, "b2": 0.9, "eps": 1e-2, "eps_root": 1e-3},
        ],
    ),
    "adamw": (
        hand_adamw,
        [{"learning_rate": 0.1}, {"learning_rate": 0.05, "b1": 0.7, "weight_decay": 0.3}],
    ),
    "radam": (hand_radam, [{"learning_rate": 0.1}, {"learning_rate": 0.05, "b1": 0.6}]),
    "nadam": (
        hand_nadam,
        [{"learning_rate": 0.1}, {"learning_rate": 0.05, "b1": 0.7, "b2": 0.95, "eps": 1e-2}],
    ),
    "amsgrad": (
        hand_amsgrad,
        [
            {"learning_rate": 0.1},
            {"learning_rate": 0.05, "b1": 0.5, "b2": 0.6, "eps": 1e-3, "eps_root": 1e-2},
        ],
    ),
    "adamax": (
        hand_adamax,
        [{"learning_rate": 0.1}, {"learning_rate": 0.05, "b1": 0.5, "b2": 0.5, "eps": 0.1}],
    ),
    "adabelief": (
        hand_adabelief,
        [
            {"learning_rate": 0.1},
            {"learning_rate": 0.05, "b1": 0.7, "b2": 0.9, "eps": 1e-3, "eps_root": 1e-2},
        ],
    ),
    "lion": (
        hand_lion,
        [{"learning_rate": 0.01}, {"learning_rate": 0.05, "b1": 0.5, "weight_decay": 0.4}],
    ),
    "adadelta": (
        hand_adadelta,
        [
            {"learning_rate": 1.0},
            {"learning_rate": 3.0, "rho": 0.5, "eps": 1e-2, "weight_decay": 0.2},
        ],
    ),
}


def test_every_optimizer_has_hand_cases() -> None:
    assert set(HAND_CASES) == set(OPTIMIZERS)


@pytest.mark.parametrize("name", list(HAND_CASES))
def test_first_three_steps_match_the_update_rule_by_hand(name: str) -> None:
    rule, cases = HAND_CASES[name]
    results = engine_runs(HAND, HAND_START, name, cases)
    for hyper, result in zip(cases, results, strict=True):
        settings = dict(hyper)
        expected = np.array(rule(HAND_START, settings.pop("learning_rate"), **settings))
        assert result.diverged_at is None or result.diverged_at > 3
        # Rows 0…3 are the start and the points after the first three updates.
        np.testing.assert_allclose(
            result.points[:4], expected, rtol=1e-12, atol=1e-14, err_msg=f"{name} {hyper}"
        )
        # and the optimizer really moved: a wrong rule cannot hide behind a zero step
        assert np.all(np.abs(np.diff(expected, axis=0)) > 1e-6)


def test_radam_rectified_step_by_hand() -> None:
    """With β₂ = 0.999, ρₜ first reaches the threshold 5 at t = 6: steps 1…5 are θ − η m̂ and
    step 6 is the rectified adaptive step θ − η r m̂/(√v̂ + ε)."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    (result,) = engine_runs(HAND, HAND_START, "radam", [{"learning_rate": lr}])
    ro_inf = 2 / (1 - b2) - 1
    p, m, v = HAND_START.copy(), np.zeros(2), np.zeros(2)
    expected = [p]
    for t in range(1, 7):
        g = hand_grad(p)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        ro = ro_inf - 2 * t * b2**t / (1 - b2**t)
        if t < 6:
            assert ro < 5.0
            p = p - lr * m_hat
        else:
            assert ro >= 5.0
            r = np.sqrt((ro - 4) * (ro - 2) * ro_inf / ((ro_inf - 4) * (ro_inf - 2) * ro))
            p = p - lr * r * m_hat / (np.sqrt(v_hat) + eps)
        expected.append(p)
    np.testing.assert_allclose(result.points[:7], np.array(expected), rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------------------
# 300 steps against the NumPy reference (tests/reference/numpy_optimizers.py) on the bowl.
# ---------------------------------------------------------------------------------------

REFERENCE_CASES: Mapping[str, list[Hyper]] = {
    "sgd": [{"learning_rate": 0.1}, {"learning_rate": 0.02}],
    "momentum": [{"learning_rate": 0.02}, {"learning_rate": 0.05, "momentum": 0.5}],
    "nesterov": [{"learning_rate": 0.02}, {"learning_rate": 0.05, "momentum": 0.5}],
    "adagrad": [
        {"learning_rate": 0.5},
        {"learning_rate": 1.0, "initial_accumulator_value": 0.5, "eps": 0.0},
    ],
    "adagrad_rms": [{"learning_rate": 0.05}, {"learning_rate": 0.02, "eps": 1e-3}],
    "rmsprop": [
        {"learning_rate": 0.005},
        {"learning_rate": 0.005, "decay": 0.95, "eps": 0.0},
        {"learning_rate": 0.002, "momentum": 0.9, "eps": 0.0},
        {"learning_rate": 0.005, "initial_scale": 1.0, "eps": 1e-4},
    ],
    "adam": [
        {"learning_rate": 0.05},
        {"learning_rate": 0.02, "b1": 0.8, "b2": 0.99, "eps": 1e-6},
        {"learning_rate": 0.05, "eps_root": 1e-8},
    ],
    "adamw": [{"learning_rate": 0.05}, {"learning_rate": 0.05, "b1": 0.85, "weight_decay": 0.1}],
    "radam": [
        {"learning_rate": 0.05},
        {"learning_rate": 0.05, "b2": 0.99, "eps": 0.0},
        {"learning_rate": 0.05, "threshold": 8.0, "eps_root": 1e-6},
    ],
    "nadam": [{"learning_rate": 0.05}, {"learning_rate": 0.02, "b1": 0.95, "b2": 0.99}],
    "amsgrad": [
        {"learning_rate": 0.05},
        {"learning_rate": 0.02, "b1": 0.8, "b2": 0.95, "eps_root": 1e-8},
    ],
    "adamax": [
        {"learning_rate": 0.05},
        {"learning_rate": 0.02, "b1": 0.8, "b2": 0.99, "eps": 1e-6},
    ],
    "adabelief": [
        {"learning_rate": 0.05},
        {"learning_rate": 0.02, "b1": 0.8, "b2": 0.99},
        {"learning_rate": 0.05, "eps": 1e-10, "eps_root": 1e-4},
    ],
    "lion": [
        {"learning_rate": 0.01},
        {"learning_rate": 0.005, "b1": 0.8, "b2": 0.95, "weight_decay": 0.1},
    ],
    "adadelta": [
        {"learning_rate": 1.0},
        {"learning_rate": 5.0, "rho": 0.95, "eps": 1e-4, "weight_decay": 0.01},
    ],
}


@cache
def bowl_runs(name: str) -> list[RunResult]:
    return engine_runs(BOWL, BOWL_START, name, REFERENCE_CASES[name])


def numpy_run(name: str, hyper: Hyper) -> NumpyRun:
    settings = dict(hyper)
    rate = settings.pop("learning_rate")
    return trace_numpy(name, bowl_grad, BOWL_START, STEPS, np.full(STEPS, rate), **settings)


def test_every_optimizer_has_reference_cases() -> None:
    assert set(REFERENCE_CASES) == set(OPTIMIZERS) == set(NUMPY_OPTIMIZERS)


def test_reference_defaults_are_the_engines() -> None:
    for name, spec in OPTIMIZERS.items():
        engine = {h.name: h.default for h in spec.hyperparameters}
        assert dict(NUMPY_OPTIMIZERS[name].defaults) == engine, name


@pytest.mark.parametrize("name", list(REFERENCE_CASES))
def test_300_steps_match_the_numpy_reference(name: str) -> None:
    for hyper, result in zip(REFERENCE_CASES[name], bowl_runs(name), strict=True):
        reference = numpy_run(name, hyper)
        assert result.diverged_at is None, hyper
        # Every point the scan recorded (the final row is checked on its own, below).
        assert_close(result.points[:STEPS], reference.points[:STEPS], 1e-9, f"{name} {hyper}")
        assert result.learning_rate.shape == (STEPS,)
        np.testing.assert_array_equal(result.learning_rate, hyper["learning_rate"])
        # the runs go somewhere: a frozen optimizer would also "agree" with a frozen reference
        assert np.linalg.norm(reference.points[STEPS - 1] - BOWL_START) > 0.5


def test_state_views_are_the_references() -> None:
    for name, spec in OPTIMIZERS.items():
        assert set(state_keys(spec)) == set(NUMPY_OPTIMIZERS[name].state_keys), name


@pytest.mark.parametrize(
    ("name", "key"),
    [(name, key) for name in REFERENCE_CASES for key in NUMPY_OPTIMIZERS[name].state_keys],
)
def test_300_steps_state_views_match_the_numpy_reference(name: str, key: str) -> None:
    """ "momentum" and "sigma" as the engine reports them (σ: the divisor of θ ← θ − (η/σ)·m
    that the update of that row applied), against the reference's."""
    for hyper, result in zip(REFERENCE_CASES[name], bowl_runs(name), strict=True):
        assert set(result.state) == set(state_keys(OPTIMIZERS[name]))
        expected = numpy_run(name, hyper).state[key]
        assert expected.shape == (STEPS, 2)
        assert_close(result.state[key], expected, 1e-9, f"{name} {key} {hyper}")


# Where the step is exactly θ ← θ − η·m/σ with the recorded momentum m (or the gradient g
# where no momentum is reported) and σ: the views must reproduce the recorded step.
SIGMA_STEP_CASES = [
    ("adagrad", 0),
    ("adagrad", 1),
    ("adagrad_rms", 0),
    ("adagrad_rms", 1),
    ("rmsprop", 0),
    ("rmsprop", 1),
    ("adam", 0),
    ("adam", 2),
    ("amsgrad", 0),
    ("amsgrad", 1),
    ("adamax", 0),
    ("adamax", 1),
    ("adabelief", 0),
    ("adabelief", 2),
    ("adadelta", 0),
]


@pytest.mark.parametrize(("name", "case"), SIGMA_STEP_CASES)
def test_sigma_is_the_divisor_of_the_recorded_step(name: str, case: int) -> None:
    hyper = REFERENCE_CASES[name][case]
    assert hyper.get("weight_decay", 0.0) == 0.0 and hyper.get("momentum", 0.0) == 0.0
    result = bowl_runs(name)[case]
    n = STEPS - 1  # updates between recorded points 0 … STEPS − 1
    step = np.diff(result.points[:STEPS], axis=0)
    # What the table says σ divides (RMSProp's "momentum" is its trace of whole steps;
    # there the step divides g itself): the recorded steps must bear it out.
    divides_gradient = OPTIMIZERS[name].sigma_divides == "gradient"
    numerator = result.gradient if divides_gradient else result.state["momentum"]
    numerator = numerator[:n]
    predicted = -result.learning_rate[:n, None] * numerator / result.state["sigma"][:n]
    assert_close(predicted, step, 1e-9, f"{name} {hyper}")


# ---------------------------------------------------------------------------------------
# 300 steps against torch.optim (float64), for every optimizer torch defines the same way.
#
# Left out, on purpose:
# * nadam: torch's NAdam multiplies β₁ by the momentum-decay schedule
#   μₜ = β₁(1 − ½·0.96^(t·ψ)) (with ψ = 0 it is β₁/2, never β₁); optax's NAdam is
#   Adam(nesterov=True) with a constant β₁. No setting makes them the same method.
# * amsgrad: torch keeps the maximum of the raw v and bias-corrects it afterwards;
#   optax keeps the maximum of the bias-corrected v̂. They differ from step 2 on.
# * adabelief, lion, adagrad_rms (the lecture's root-mean-square Adagrad): not in torch.optim.
# * adagrad and rmsprop with ε > 0: torch adds ε outside the square root, optax inside;
#   only the ε = 0 cases are compared.
# * radam: torch adds ε to √v before multiplying by √(1−β₂ᵗ) (optax: to √v̂), and
#   rectifies on ρₜ > 5 (optax: ρₜ ≥ threshold): compared with ε = 0, threshold 5.
# ---------------------------------------------------------------------------------------

TorchFactory = Callable[[list[torch.Tensor], Hyper], torch.optim.Optimizer]


def _adam_like(cls: type[torch.optim.Optimizer]) -> TorchFactory:
    def make(params: list[torch.Tensor], h: Hyper) -> torch.optim.Optimizer:
        extra = {"weight_decay": h["weight_decay"]} if "weight_decay" in h else {}
        return cls(
            params,
            lr=h["learning_rate"],
            betas=(h.get("b1", 0.9), h.get("b2", 0.999)),
            eps=h.get("eps", 1e-8),
            **extra,
        )

    return make


TORCH_CASES: list[tuple[str, int, TorchFactory]] = [
    *[("sgd", i, lambda ps, h: torch.optim.SGD(ps, lr=h["learning_rate"])) for i in (0, 1)],
    *[
        (
            name,
            i,
            lambda ps, h, nesterov=(name == "nesterov"): torch.optim.SGD(
                ps, lr=h["learning_rate"], momentum=h.get("momentum", 0.9), nesterov=nesterov
            ),
        )
        for name in ("momentum", "nesterov")
        for i in (0, 1)
    ],
    (
        "adagrad",
        1,
        lambda ps, h: torch.optim.Adagrad(
            ps,
            lr=h["learning_rate"],
            initial_accumulator_value=h["initial_accumulator_value"],
            eps=0.0,
        ),
    ),
    *[
        (
            "rmsprop",
            i,
            lambda ps, h: torch.optim.RMSprop(
                ps,
                lr=h["learning_rate"],
                alpha=h.get("decay", 0.9),
                eps=0.0,
                momentum=h.get("momentum", 0.0),
            ),
        )
        for i in (1, 2)
    ],
    ("adam", 0, _adam_like(torch.optim.Adam)),
    ("adam", 1, _adam_like(torch.optim.Adam)),
    ("adamw", 0, lambda ps, h: _adam_like(torch.optim.AdamW)(ps, {"weight_decay": 1e-4, **h})),
    ("adamw", 1, _adam_like(torch.optim.AdamW)),
    ("radam", 1, _adam_like(torch.optim.RAdam)),
    ("adamax", 0, _adam_like(torch.optim.Adamax)),
    ("adamax", 1, _adam_like(torch.optim.Adamax)),
    *[
        (
            "adadelta",
            i,
            lambda ps, h: torch.optim.Adadelta(
                ps,
                lr=h["learning_rate"],
                rho=h.get("rho", 0.9),
                eps=h.get("eps", 1e-6),
                weight_decay=h.get("weight_decay", 0.0),
            ),
        )
        for i in (0, 1)
    ],
]


def torch_points(factory: TorchFactory, hyper: Hyper) -> np.ndarray:
    param = torch.tensor(BOWL_START, dtype=torch.float64, requires_grad=True)
    optimizer = factory([param], hyper)
    points = [param.detach().numpy().copy()]
    for _ in range(STEPS):
        optimizer.zero_grad()
        param.grad = torch.from_numpy(bowl_grad(param.detach().numpy()))
        optimizer.step()
        points.append(param.detach().numpy().copy())
    return np.array(points)


def test_torch_cases_are_torch_compatible() -> None:
    for name, index, _ in TORCH_CASES:
        hyper = REFERENCE_CASES[name][index]
        if name in ("adagrad", "rmsprop", "radam"):
            assert hyper["eps"] == 0.0, (name, index)
        assert hyper.get("eps_root", 0.0) == 0.0 and hyper.get("threshold", 5.0) == 5.0


@pytest.mark.parametrize(
    ("name", "index", "factory"),
    TORCH_CASES,
    ids=[f"{name}-{index}" for name, index, _ in TORCH_CASES],
)
def test_300_steps_match_torch(name: str, index: int, factory: TorchFactory) -> None:
    hyper = REFERENCE_CASES[name][index]
    result = bowl_runs(name)[index]
    expected = torch_points(factory, hyper)
    assert result.diverged_at is None
    assert_close(result.points[:STEPS], expected[:STEPS], 1e-9, f"{name} {hyper}")
    assert np.linalg.norm(expected[STEPS - 1] - BOWL_START) > 0.5


# ---------------------------------------------------------------------------------------
# The record layout: row `steps` is the point after `steps` updates.
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "index"), [("sgd", 1), ("adam", 0)])
def test_final_point_is_after_the_requested_steps(name: str, index: int) -> None:
    """``points`` has steps + 1 rows; the last must be the point after ``steps`` updates
    (not at the end of the step bucket's buffer), and ``loss``/``gradient`` must be taken there.
    Both runs are still moving at step 300, so the two differ."""
    hyper = REFERENCE_CASES[name][index]
    result = bowl_runs(name)[index]
    reference = numpy_run(name, hyper).points
    assert result.points.shape == (STEPS + 1, 2)
    assert_close(result.points[STEPS], reference[STEPS], 1e-9, "final point")
    a, c, b, x0, y0, _ = BOWL.params
    dx, dy = reference[STEPS] - (x0, y0)
    assert_close(result.loss[STEPS], 0.5 * (a * dx**2 + 2 * c * dx * dy + b * dy**2), 1e-9)
    assert_close(result.gradient[STEPS], bowl_grad(reference[STEPS]), 1e-9)


# ---------------------------------------------------------------------------------------
# Hyperparameter ranges and defaults against optax's signatures.
# ---------------------------------------------------------------------------------------

NOT_NUMERIC = {
    "learning_rate",
    "mask",
    "weight_decay_mask",
    "mu_dtype",
    "accumulator_dtype",
    "nesterov",
    "eps_in_sqrt",
    "centered",
    "bias_correction",
    "bias_correction_mu",
    "bias_correction_nu",
}
# Documented deviations from optax's defaults: (optimizer, keyword) → the engine's value.
DEVIATIONS: Mapping[tuple[str, str], float | None] = {
    ("sgd", "momentum"): None,  # plain SGD: momentum has its own entries
    ("momentum", "momentum"): 0.9,  # optax: None (no trace)
    ("nesterov", "momentum"): 0.9,
    ("rmsprop", "momentum"): 0.0,  # optax: None; a trace with decay 0 is the same update
}


def test_optax_table_covers_every_optimizer() -> None:
    assert set(OPTAX_FUNCTIONS) == set(OPTIMIZERS)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_hyperparameters_are_optaxs_numeric_keywords_with_optaxs_defaults(name: str) -> None:
    spec = OPTIMIZERS[name]
    signature = inspect.signature(OPTAX_FUNCTIONS[name])
    engine = {h.name: h.default for h in spec.hyperparameters}
    numeric = {
        key: parameter.default
        for key, parameter in signature.parameters.items()
        if key not in NOT_NUMERIC
    }
    for key, optax_default in numeric.items():
        if (name, key) in DEVIATIONS:
            assert optax_default is None
            expected = DEVIATIONS[name, key]
            if expected is None:
                assert key not in engine
            else:
                assert engine[key] == expected
            continue
        assert key in engine, f"{name}: optax keyword {key!r} is not exposed"
        assert isinstance(optax_default, float | int), (name, key, optax_default)
        assert engine[key] == optax_default, f"{name}.{key}: {engine[key]} vs {optax_default}"
    # nothing exposed that optax does not take
    assert set(engine) <= set(numeric)
    # the factory accepts the table's keywords (and the learning rate)
    spec.factory(learning_rate=spec.learning_rate.default, **engine)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_defaults_lie_inside_their_bounds(name: str) -> None:
    spec = OPTIMIZERS[name]
    for h in (spec.learning_rate, *spec.hyperparameters):
        assert h.lower <= h.default <= h.upper, (name, h.name)
        assert h.lower < h.upper


def test_radam_threshold_inside_its_bounds_keeps_the_run_finite() -> None:
    """Every value of a hyperparameter's declared range must give a usable optimizer.
    RAdam's rectification r = √((ρ−4)(ρ−2)ρ∞/((ρ∞−4)(ρ∞−2)ρ)) is NaN for 2 < ρ < 4, so a
    threshold below 4 would turn the run NaN within a few steps, as soon as ρₜ passes 2:
    the range must start at 4, and its lowest value must keep the run finite."""
    spec = OPTIMIZERS["radam"]
    threshold = next(h for h in spec.hyperparameters if h.name == "threshold")
    assert threshold.lower >= 4.0
    lowest = {"learning_rate": 0.05, "threshold": threshold.lower}
    (result,) = engine_runs(BOWL, BOWL_START, "radam", [lowest])
    assert result.diverged_at is None, f"NaN at step {result.diverged_at}"


# ---------------------------------------------------------------------------------------
# Gradient noise.
# ---------------------------------------------------------------------------------------

NOISE_LR = REFERENCE_CASES["sgd"][0]["learning_rate"]


def noisy_run(sigma: float, seed: int) -> RunResult:
    """SGD on the bowl with gradient noise σ and ``seed``."""
    config = RunConfig(
        OPTIMIZERS["sgd"], tuple(BOWL_START), {"learning_rate": NOISE_LR}, None, sigma, seed
    )
    return run_trajectories(BOWL, STEPS, [config])[0]


@cache
def noise_batch() -> list[RunResult]:
    return [noisy_run(0.5, 3), noisy_run(0.5, 3), noisy_run(0.5, 4), noisy_run(0.0, 9)]


def test_same_seed_gives_the_same_run() -> None:
    first, second, _, _ = noise_batch()
    np.testing.assert_array_equal(first.points, second.points)
    np.testing.assert_array_equal(first.state["sampled_gradient"], second.state["sampled_gradient"])
    # and inside a batch, at another row: the noise follows the run's seed, not its row
    spec = OPTIMIZERS["sgd"]
    batch = [
        RunConfig(spec, tuple(BOWL_START), {"learning_rate": NOISE_LR}, None, 0.5, seed)
        for seed in (4, 3)
    ]
    again = run_trajectories(BOWL, STEPS, batch)[1]
    np.testing.assert_array_equal(first.points, again.points)
    np.testing.assert_array_equal(first.state["sampled_gradient"], again.state["sampled_gradient"])


def test_different_seeds_differ() -> None:
    first, _, other, _ = noise_batch()
    assert np.min(np.abs(first.points[1:STEPS] - other.points[1:STEPS])) > 0.0
    assert np.max(np.abs(first.points[:STEPS] - other.points[:STEPS])) > 1e-3


def test_zero_noise_is_exactly_the_noiseless_run() -> None:
    silent = noise_batch()[3]
    noiseless = bowl_runs("sgd")[0]  # same learning rate, seed 0, no noise
    np.testing.assert_array_equal(silent.points, noiseless.points)
    assert "sampled_gradient" not in silent.state


def test_noise_has_the_requested_spread_and_drives_the_step() -> None:
    sigma = 0.5
    result = noise_batch()[0]
    sampled = result.state["sampled_gradient"]
    assert sampled.shape == (STEPS, 2)
    noise = sampled - result.gradient[:STEPS]
    # 600 draws: the standard error of the std is about 3 %, of the mean about 0.02.
    assert abs(np.std(noise) / sigma - 1.0) < 0.12
    assert np.all(np.abs(noise.mean(axis=0)) < 0.1)
    assert abs(np.corrcoef(noise[:, 0], noise[:, 1])[0, 1]) < 0.2
    assert abs(np.corrcoef(noise[:-1, 0], noise[1:, 0])[0, 1]) < 0.2
    # SGD's step is −η times the sampled gradient: the noise reaches the optimizer.
    step = np.diff(result.points[:STEPS], axis=0)
    assert_close(step, -NOISE_LR * sampled[: STEPS - 1], 1e-12)


def test_noisy_sgd_still_settles_near_the_minimum() -> None:
    """A sanity check of the scale: noisy SGD ends near the minimum, within a few η·σ."""
    result = noise_batch()[0]
    assert np.linalg.norm(result.points[STEPS - 1] - (1.0, 2.0)) < 1.0
