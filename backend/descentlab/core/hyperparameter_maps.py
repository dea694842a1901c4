"""Hyperparameter maps: one run per cell of a grid over two hyperparameters, in one call.

Distill's momentum article draws where heavy-ball momentum converges over (η, β); here any
optimizer's two hyperparameters (the learning rate among them) span the grid, and every
cell is a run from the same start with the same schedule, noise and seed. All the cells
are one call of the ``MAP`` kernel (``sweep_losses`` at ``MAP_BUCKETS``): each run of a
sweep already carries its own hyperparameter row and learning rate, so a map is data for
a program compiled at start-up.
"""

from dataclasses import dataclass
from typing import Literal

import jax
import numpy as np

from descentlab.core.base import Parameter
from descentlab.core.objective import Objective
from descentlab.core.optimizer_kernels import kind_index
from descentlab.core.optimizers import OptimizerSpec
from descentlab.core.precision import require_engine_precision
from descentlab.core.programs import smallest_fit
from descentlab.core.schedules import schedule_shape
from descentlab.core.surfaces import Surface
from descentlab.core.sweep import MAX_TYPED_SWEEP_WORK
from descentlab.core.trajectory import (
    MAP,
    MAP_BUCKETS,
    MAX_MAP_CELLS,
    MAX_SWEEP_STEPS,
    RunConfig,
    SweepInputs,
)

MapMetric = Literal["final_loss", "mean_loss", "steps_to_tolerance", "diverged"]
AxisScale = Literal["log", "linear"]
MAX_AXIS_COUNT = 128  # 128 × 128 = MAX_MAP_CELLS
# Runs × steps of one map, counting the runs the kernel computes (the cells rounded up to a
# compiled batch): 128 × 128 runs × 1,000 steps (about 0.15 s on 2 cores), or fewer runs
# for longer ones.
MAX_MAP_WORK = MAX_MAP_CELLS * 1_000
# A typed surface's interpreter runs each instruction for every step of every run. Over a
# map's thousands of runs it costs about 5.5 ns a unit on 2 cores (41 instructions × 500
# steps × 4,096 runs: 0.46 s), against ~25 ns in a sweep's small batches, so this bounds
# a typed map near 1.4 s, as MAX_TYPED_SWEEP_WORK bounds a typed sweep.
MAX_TYPED_MAP_WORK = 4 * MAX_TYPED_SWEEP_WORK
# steps_to_tolerance: how close to the surface's lowest known minimum counts as there.
DEFAULT_TOLERANCE = 1e-3


def map_work(cells: int, steps: int) -> int:
    """Runs × steps the kernel computes for a map of ``cells`` (rounded up to its batch)."""
    return smallest_fit(cells, MAP_BUCKETS) * steps


def map_steps(steps: int, cells: int) -> int:
    """The steps the lab's map runs for a race of ``steps``: as many as the bound on runs ×
    steps allows (the lab's ``mapRequest`` does the same; tests/parity/cases.json)."""
    return min(steps, MAX_MAP_WORK // smallest_fit(cells, MAP_BUCKETS), MAX_SWEEP_STEPS)


def typed_map_work(instructions: int, steps: int, cells: int) -> int:
    """The units of interpreter work a map of a typed surface costs."""
    return instructions * map_work(cells, steps)


def axis_parameters(spec: OptimizerSpec, x_param: str, y_param: str) -> tuple[Parameter, Parameter]:
    """The two knobs on the axes: the learning rate or the optimizer's own, different
    ones; ValueError naming what the optimizer has."""
    known = {p.name: p for p in (spec.learning_rate, *spec.hyperparameters)}
    for axis, name in (("x", x_param), ("y", y_param)):
        if name not in known:
            raise ValueError(
                f"{axis}.param: {spec.name} has no hyperparameter {name!r}; "
                f"it has: {', '.join(known)}"
            )
    if x_param == y_param:
        raise ValueError("x.param and y.param must be different hyperparameters")
    return known[x_param], known[y_param]


@dataclass(frozen=True)
class MapAxis:
    """One hyperparameter's values along an axis of the map."""

    param: str
    values: np.ndarray

    @classmethod
    def spaced(cls, param: str, low: float, high: float, count: int, scale: AxisScale) -> "MapAxis":
        """``count`` values from ``low`` to ``high``, both included, evenly spaced on
        ``scale`` (a log axis needs ``low > 0``)."""
        if scale == "log":
            if low <= 0:
                raise ValueError(f"a log axis of {param} needs min > 0")
            return cls(param, np.geomspace(low, high, count))
        return cls(param, np.linspace(low, high, count))


def tolerance_target(surface: Surface | None, tolerance: float) -> float:
    """The loss a run must reach for ``steps_to_tolerance``: within ``tolerance`` of the
    surface's lowest known minimum. Surfaces without a known minimum (saddles, the
    logits surfaces, typed ones) have no such target: ValueError."""
    if surface is None or not surface.minima:
        raise ValueError(
            "steps_to_tolerance needs a surface with a known minimum; "
            "this one has none (use final_loss, mean_loss or diverged)"
        )
    return min(m.value for m in surface.minima) + tolerance


@dataclass(frozen=True)
class HyperparameterMap:
    """Every cell's run, as arrays ``[j, i]`` for ``y.values[j]``, ``x.values[i]``.

    Losses are NaN where the run diverged; ``reached_at`` is NaN where the run never
    came within the target (or had none) or diverged after all (a run that passes the
    minimum on its way out is no success); ``diverged_at`` is the first unhealthy step,
    -1 where the run stayed healthy.
    """

    x: MapAxis
    y: MapAxis
    steps: int
    final_loss: np.ndarray
    mean_loss: np.ndarray
    reached_at: np.ndarray
    diverged_at: np.ndarray

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    def metric(self, name: MapMetric) -> np.ndarray:
        """The values a heatmap of ``name`` draws (``diverged``: 1 where it did, else 0)."""
        if name == "diverged":
            return self.diverged.astype(np.float64)
        return {
            "final_loss": self.final_loss,
            "mean_loss": self.mean_loss,
            "steps_to_tolerance": self.reached_at,
        }[name]


def _cell_rows(
    template: RunConfig, x: MapAxis, y: MapAxis, bucket: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's hyperparameter row and base learning rate, row-major over (y, x),
    padded to ``bucket`` with the first cell."""
    names = template.optimizer.hyperparameter_names
    count = len(x.values) * len(y.values)
    hyper = np.tile(template.hyperparameter_row(), (bucket, 1))
    rates = np.full(bucket, template.value("learning_rate"), dtype=np.float64)
    grid_y, grid_x = np.meshgrid(y.values, x.values, indexing="ij")
    for axis, values in ((x, grid_x.ravel()), (y, grid_y.ravel())):
        column = rates if axis.param == "learning_rate" else hyper[:, names.index(axis.param)]
        column[:count] = values
        column[count:] = values[0]
    return hyper, rates


def hyperparameter_map(
    objective: Objective,
    steps: int,
    template: RunConfig,
    x: MapAxis,
    y: MapAxis,
    target: float = -np.inf,
) -> HyperparameterMap:
    """Run ``template`` once per cell, its ``x.param`` and ``y.param`` set by the cell.

    The template's other hyperparameters, schedule, start, noise and seed apply to every
    cell; a learning-rate axis sets the schedule's base rate, as a sweep does.
    """
    require_engine_precision()
    axis_parameters(template.optimizer, x.param, y.param)
    if steps > MAX_SWEEP_STEPS:
        raise ValueError(f"a map runs at most {MAX_SWEEP_STEPS} steps")
    shape = (len(y.values), len(x.values))
    count = shape[0] * shape[1]
    if count > MAX_MAP_CELLS:
        raise ValueError(f"a map has at most {MAX_MAP_CELLS} cells")
    bucket = smallest_fit(count, MAP_BUCKETS)
    hyper, rates = _cell_rows(template, x, y, bucket)
    inputs = SweepInputs(
        start=np.asarray(template.start, dtype=np.float64),
        hyperparameters=hyper,
        learning_rates=rates,
        schedule=schedule_shape(template.schedule)[:MAX_SWEEP_STEPS],
        noise_scale=np.float64(template.gradient_noise),
        seed=np.uint32(template.seed),
        target=np.float64(target),
    )
    kind = np.int32(kind_index(template.optimizer))
    surface, box = objective.args(), objective.escape_box()
    losses = jax.device_get(MAP((bucket,), kind, surface, inputs, box, np.int32(steps)))

    def cells(values: np.ndarray) -> np.ndarray:
        return np.asarray(values[:count]).reshape(shape)

    diverged_at = cells(losses.diverged_at)
    diverged = diverged_at <= steps
    reached_at = cells(losses.reached_at).astype(np.float64)
    return HyperparameterMap(
        x=x,
        y=y,
        steps=steps,
        final_loss=np.where(diverged, np.nan, cells(losses.final)),
        mean_loss=np.where(diverged, np.nan, cells(losses.mean)),
        reached_at=np.where((reached_at <= steps) & ~diverged, reached_at, np.nan),
        diverged_at=np.where(diverged, diverged_at, -1).astype(np.int64),
    )
