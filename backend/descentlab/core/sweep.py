"""Learning-rate sweeps: every optimizer at its own best rate, for a fair race.

Peers tune by running hundreds of trials one after another; here all the rates of one
optimizer are one vmapped call of ``sweep_losses``, and the optimizers' calls are
dispatched together so XLA overlaps them.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import jax
import numpy as np

from descentlab.core.buckets import power_of_two_bucket
from descentlab.core.device import on_cpu
from descentlab.core.objective import Objective
from descentlab.core.trajectory import RunConfig, inputs_for, step_bucket, sweep_losses

SweepMetric = Literal["final", "mean"]


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
    """For each template run, run it at every rate; rank rates by ``metric``."""
    length = step_bucket(steps)
    bucket = power_of_two_bucket(len(learning_rates))
    params, box, n_steps = objective.params_array(), objective.escape_box(), np.int64(steps)
    launched = []
    with on_cpu():
        for template in templates:
            runs = [
                replace(template, hyperparameters={**template.hyperparameters, "learning_rate": r})
                for r in learning_rates
            ]
            inputs = inputs_for(runs, length, bucket)
            launched.append(
                sweep_losses(objective.fn, template.optimizer, inputs, params, box, n_steps)
            )
    results = []
    for losses in jax.device_get(launched):
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
