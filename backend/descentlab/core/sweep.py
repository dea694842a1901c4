"""Learning-rate sweeps: every optimizer at its own best rate, for a fair race.

Peers tune by running hundreds of trials one after another; here all the rates of one
optimizer are one call of the ``SWEEP`` kernel, and the optimizers' calls run side by
side on the cores. Every optimizer, rate count (up to
``MAX_SWEEP_RATES``) and step count (up to ``MAX_SWEEP_STEPS``) shares the kernel's few
compiled shapes.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import jax
import numpy as np

from descentlab.core.objective import Objective
from descentlab.core.optimizer_kernels import kind_index
from descentlab.core.precision import require_engine_precision
from descentlab.core.programs import run_all, smallest_fit
from descentlab.core.schedules import schedule_shape
from descentlab.core.trajectory import (
    MAX_SWEEP_STEPS,
    RATE_BUCKETS,
    SWEEP,
    RunConfig,
    SweepInputs,
    SweepLosses,
)

SweepMetric = Literal["final", "mean"]

# A typed surface's interpreter runs each of its instructions for every step of every
# rate (padded to the kernel's rate bucket) of every optimizer: about 25 ns per unit on a
# 2-core machine (docs/BENCHMARKS.md), so this bounds a typed sweep near 1.6 s. Built-in
# surfaces are compiled code and far cheaper; races need no such bound (one run per call).
MAX_TYPED_SWEEP_WORK = 64_000_000


def typed_sweep_work(instructions: int, steps: int, optimizers: int, rates: int) -> int:
    """The units of interpreter work a sweep of a typed surface costs."""
    return instructions * steps * optimizers * smallest_fit(rates, RATE_BUCKETS)


@dataclass(frozen=True)
class SweepResult:
    """One optimizer across the learning rates; diverged runs have NaN losses."""

    learning_rates: np.ndarray
    final_loss: np.ndarray
    mean_loss: np.ndarray
    diverged_at: list[int | None]
    best_index: int | None  # None when every rate diverged


def log_spaced(lowest: float, highest: float, count: int) -> np.ndarray:
    """``count`` learning rates evenly spaced in log scale, both ends included."""
    return np.geomspace(lowest, highest, count)


def _best(scores: np.ndarray) -> int | None:
    finite = np.isfinite(scores)
    return int(np.argmin(np.where(finite, scores, np.inf))) if finite.any() else None


def sweep_learning_rates(
    objective: Objective,
    steps: int,
    templates: Sequence[RunConfig],
    learning_rates: np.ndarray,
    metric: SweepMetric = "final",
) -> list[SweepResult]:
    """For each template run, run it at every rate; rank rates by ``metric``.

    The templates' own learning rates are ignored; their gradient noise and seed apply
    to every rate, so the rates of one template see the same noise.
    """
    require_engine_precision()
    if steps > MAX_SWEEP_STEPS:
        raise ValueError(f"a sweep runs at most {MAX_SWEEP_STEPS} steps")
    bucket = smallest_fit(len(learning_rates), RATE_BUCKETS)
    rates = np.full(bucket, learning_rates[0], dtype=np.float64)
    rates[: len(learning_rates)] = learning_rates
    surface, box, n_steps = objective.args(), objective.escape_box(), np.int32(steps)

    def call(template: RunConfig) -> Callable[[], SweepLosses]:
        inputs = SweepInputs(
            start=np.asarray(template.start, dtype=np.float64),
            hyperparameters=np.tile(template.hyperparameter_row(), (bucket, 1)),
            learning_rates=rates,
            schedule=schedule_shape(template.schedule)[:MAX_SWEEP_STEPS],
            noise_scale=np.float64(template.gradient_noise),
            seed=np.uint32(template.seed),
            target=np.float64(-np.inf),
        )
        kind = np.int32(kind_index(template.optimizer))
        return lambda: jax.device_get(SWEEP((bucket,), kind, surface, inputs, box, n_steps))

    results = []
    for losses in run_all([call(template) for template in templates]):
        count = len(learning_rates)
        diverged = losses.diverged_at[:count] <= steps
        final = np.where(diverged, np.nan, losses.final[:count])
        mean = np.where(diverged, np.nan, losses.mean[:count])
        results.append(
            SweepResult(
                learning_rates=np.asarray(learning_rates, dtype=np.float64),
                final_loss=final,
                mean_loss=mean,
                diverged_at=[
                    int(d) if bad else None
                    for d, bad in zip(losses.diverged_at[:count], diverged, strict=True)
                ],
                best_index=_best(final if metric == "final" else mean),
            )
        )
    return results
