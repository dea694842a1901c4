"""Optimizer runs across a surface: one loop over steps, all the runs of a batch at once.

The jit boundary is two kernels, ``SIMULATE`` (full per-step records) and ``SWEEP`` (only
the losses a learning-rate sweep ranks by). Everything about a run is data: the surface
(``surface_kernels``), the optimizer kind (``optimizer_kernels``), hyperparameters, the
per-step learning rates from the schedule, start points, gradient noise, seeds, and the
step count, which is a loop bound inside a fixed-size record buffer. So each kernel is
compiled for a few buffer shapes only (``STEP_BUCKETS`` × ``RUN_BUCKETS``, and
``RATE_BUCKETS``), all at start-up, and no request compiles.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from descentlab.core import optimizer_kernels, surface_kernels
from descentlab.core.interpreter import Arrayish
from descentlab.core.objective import Objective
from descentlab.core.optimizer_kernels import HYPER_SIZE, STATE_SIZE
from descentlab.core.optimizers import OptimizerSpec, state_keys
from descentlab.core.programs import Kernel, Shape, smallest_fit
from descentlab.core.schedules import SERIES_LENGTH, ScheduleConfig, learning_rate_series
from descentlab.core.surface_kernels import SurfaceArgs

# Record buffers (steps) and batches (runs of one optimizer kind) are compiled at these
# sizes; a request fills the smallest that holds it, and the loop runs only its steps.
STEP_BUCKETS = (512, 2048, 8192, SERIES_LENGTH)
MAX_STEPS = STEP_BUCKETS[-1]
RUN_BUCKETS = (1, 16)
MAX_RUNS_PER_CALL = RUN_BUCKETS[-1]
MAX_SWEEP_STEPS = 5_000
RATE_BUCKETS = (64, 128)
MAX_SWEEP_RATES = RATE_BUCKETS[-1]


class RunInputs(NamedTuple):
    """The traced inputs of a batch of runs of one optimizer kind (leading axis: runs)."""

    start: Arrayish  # (runs, 2)
    hyperparameters: Arrayish  # (runs, HYPER_SIZE): the kind's own, learning rate excluded
    learning_rates: Arrayish  # (runs, length): η_t from the schedule
    noise_scale: Arrayish  # (runs,): σ of the Gaussian gradient noise
    seed: Arrayish  # (runs,) uint32


def _is_healthy(points: Array, values: Array, gradients: Array, box: Array) -> Array:
    """Per row: finite, and inside the escape box."""
    finite = (
        jnp.isfinite(values)
        & jnp.all(jnp.isfinite(points), axis=-1)
        & jnp.all(jnp.isfinite(gradients), axis=-1)
    )
    low, high = (jnp.expand_dims(edge, range(points.ndim - 1)) for edge in box)
    inside = jnp.all(points >= low, axis=-1) & jnp.all(points <= high, axis=-1)
    return finite & inside


def _noise(scale: Array, seed: Array, length: int) -> Array:
    """σ·N(0, I) for steps 0 … length−1; step t's draw depends only on (seed, t).

    So a longer run with the same seed repeats a shorter one's noise, and a sweep's run
    at one rate is exactly the race's run at that rate.
    """
    key = jax.random.key(seed)

    def at(t: Array) -> Array:
        return jax.random.normal(jax.random.fold_in(key, t), (2,), dtype=jnp.float64)

    return scale * jax.vmap(at)(jnp.arange(length))


def _gradient_noise(noise_scale: Array, seed: Array, length: int) -> Array:
    """Every run's noise, ``(length, runs, 2)``, drawn only when some run asks for it."""

    def draw() -> Array:
        return jax.vmap(_noise, in_axes=(0, 0, None), out_axes=1)(noise_scale, seed, length)

    zeros = jnp.zeros((length, noise_scale.shape[0], 2), dtype=jnp.float64)
    return jax.lax.cond(jnp.any(noise_scale > 0), draw, lambda: zeros)


# Columns of ``simulate``'s records (rows: points 0 … T, the rows after T unused).
POINT, VALUE, GRADIENT, HEALTHY, SAMPLED = slice(0, 2), 2, slice(3, 5), 5, slice(6, 8)
VIEW_COLUMNS = {"momentum": slice(8, 10), "sigma": slice(10, 12)}
COLUMNS = 12


def simulate(
    kind: Array, surface: SurfaceArgs, inputs: RunInputs, box: Array, n_steps: Array
) -> Array:
    """Every run of a batch, each step recorded: ``(length + 1, runs, COLUMNS)``.

    The loop visits points 0 … n_steps of all runs at once: the surface's values and
    gradients, then the optax update (the update at the last point is not kept). State
    views and health checks come after it, vectorized over every row. A run is never
    stopped inside the loop: the host cuts it at its first unhealthy point.
    """
    starts, hyper = jnp.asarray(inputs.start), jnp.asarray(inputs.hyperparameters)
    rates = jnp.asarray(inputs.learning_rates).T  # (length, runs): step t's row is contiguous
    length, runs = rates.shape
    noise = _gradient_noise(jnp.asarray(inputs.noise_scale), jnp.asarray(inputs.seed), length)
    first = optimizer_kernels.init(kind, starts, hyper)
    # point, value, gradient, sampled gradient, the packed state after the update
    trace = jnp.zeros((length + 1, runs, 7 + STATE_SIZE), dtype=jnp.float64)

    def step(t: Array, carry: tuple[Array, Array, Array]) -> tuple[Array, Array, Array]:
        points, states, trace = carry
        values, gradients = surface_kernels.values_and_gradients(points, surface)
        sampled = gradients + noise[t]  # t = length reads the last row: that update is dropped
        moved, states = optimizer_kernels.update(kind, states, sampled, points, hyper, rates[t])
        row = jnp.concatenate([points, values[:, None], gradients, sampled, states], axis=1)
        return moved, states, trace.at[t].set(row)

    _, _, trace = jax.lax.fori_loop(0, n_steps + 1, step, (starts, first, trace))
    points, values, gradients = trace[..., 0:2], trace[..., 2], trace[..., 3:5]
    sampled, states = trace[..., 5:7], trace[..., 7:]
    before = jnp.concatenate([first[None], states[:-1]])
    every = jnp.broadcast_to(hyper, (length + 1, *hyper.shape)).reshape(-1, hyper.shape[1])
    momentum, sigma = optimizer_kernels.views(
        kind, before.reshape(-1, STATE_SIZE), states.reshape(-1, STATE_SIZE), every
    )
    per_update = jnp.concatenate(
        [sampled, momentum.reshape(length + 1, runs, 2), sigma.reshape(length + 1, runs, 2)],
        axis=-1,
    )
    updated = (jnp.arange(length + 1) < n_steps)[:, None, None]
    healthy = _is_healthy(points, values, gradients, box)
    return jnp.concatenate(
        [
            points,
            values[..., None],
            gradients,
            healthy[..., None].astype(jnp.float64),
            jnp.where(updated, per_update, 0.0),
        ],
        axis=-1,
    )


class SweepInputs(NamedTuple):
    """One optimizer at many base learning rates, from one start, one schedule, one seed."""

    start: Arrayish  # (2,)
    hyperparameters: Arrayish  # (rates, HYPER_SIZE)
    learning_rates: Arrayish  # (rates,): η; step t uses η · schedule[t]
    schedule: Arrayish  # (MAX_SWEEP_STEPS,): the schedule's shape for η = 1
    noise_scale: Arrayish  # ()
    seed: Arrayish  # () uint32


class SweepLosses(NamedTuple):
    """Per run: loss after ``n`` steps, mean loss over steps 0 … n, first unhealthy step."""

    final: Array
    mean: Array
    diverged_at: Array  # n + 1 when the run stayed healthy


def sweep_losses(
    kind: Array, surface: SurfaceArgs, inputs: SweepInputs, box: Array, n_steps: Array
) -> SweepLosses:
    """Only the numbers a learning-rate sweep ranks by, reduced inside the loop."""
    schedule = jnp.asarray(inputs.schedule)
    scale = jnp.asarray(inputs.noise_scale)
    length = schedule.shape[0]
    noise = jax.lax.cond(
        scale > 0,
        lambda: _noise(scale, jnp.asarray(inputs.seed), length),
        lambda: jnp.zeros((length, 2), dtype=jnp.float64),
    )
    hyper, rates = jnp.asarray(inputs.hyperparameters), jnp.asarray(inputs.learning_rates)
    starts = jnp.broadcast_to(jnp.asarray(inputs.start), (rates.shape[0], 2))

    def step(
        t: Array, carry: tuple[Array, Array, Array, Array, Array]
    ) -> tuple[Array, Array, Array, Array, Array]:
        points, states, total, _, diverged_at = carry
        values, gradients = surface_kernels.values_and_gradients(points, surface)
        first_bad = ~_is_healthy(points, values, gradients, box) & (diverged_at > t)
        moved, states = optimizer_kernels.update(  # at t = n_steps, not kept
            kind, states, gradients + noise[t][None], points, hyper, rates * schedule[t]
        )
        diverged_at = jnp.where(first_bad, t, diverged_at)
        return moved, states, total + values, values, diverged_at

    zeros = jnp.zeros_like(rates)
    never = jnp.full(rates.shape, n_steps + 1)
    first = optimizer_kernels.init(kind, starts, hyper)
    carry = (starts, first, zeros, zeros, never)
    _, _, total, final, diverged_at = jax.lax.fori_loop(0, n_steps + 1, step, carry)
    return SweepLosses(final, total / (n_steps + 1), diverged_at)


def _simulate_signature(shape: Shape) -> tuple[object, ...]:
    runs, length = shape
    inputs = RunInputs(
        start=np.zeros((runs, 2)),
        hyperparameters=np.zeros((runs, HYPER_SIZE)),
        learning_rates=np.zeros((runs, length)),
        noise_scale=np.zeros(runs),
        seed=np.zeros(runs, dtype=np.uint32),
    )
    return np.int32(0), surface_kernels.example_args(), inputs, np.zeros((2, 2)), np.int32(0)


def _sweep_signature(shape: Shape) -> tuple[object, ...]:
    (rates,) = shape
    inputs = SweepInputs(
        start=np.zeros(2),
        hyperparameters=np.zeros((rates, HYPER_SIZE)),
        learning_rates=np.zeros(rates),
        schedule=np.zeros(MAX_SWEEP_STEPS),
        noise_scale=np.float64(0.0),
        seed=np.uint32(0),
    )
    return np.int32(0), surface_kernels.example_args(), inputs, np.zeros((2, 2)), np.int32(0)


SIMULATE = Kernel(
    "simulate",
    simulate,
    _simulate_signature,
    [(runs, steps) for steps in STEP_BUCKETS for runs in RUN_BUCKETS],
)
SWEEP = Kernel("sweep", sweep_losses, _sweep_signature, [(rates,) for rates in RATE_BUCKETS])


@dataclass(frozen=True)
class RunConfig:
    """One run as a learner sets it up."""

    optimizer: OptimizerSpec
    start: tuple[float, float]
    hyperparameters: dict[str, float] = field(default_factory=dict)  # missing: defaults
    schedule: ScheduleConfig | None = None
    gradient_noise: float = 0.0
    seed: int = 0

    def value(self, name: str) -> float:
        known = {h.name: h.default for h in self.optimizer.hyperparameters}
        known["learning_rate"] = self.optimizer.learning_rate.default
        return float(self.hyperparameters.get(name, known[name]))

    def hyperparameter_row(self) -> np.ndarray:
        """The kind's hyperparameters (learning rate excluded) as the kernels read them."""
        row = np.zeros(HYPER_SIZE, dtype=np.float64)
        names = self.optimizer.hyperparameter_names
        row[: len(names)] = [self.value(name) for name in names]
        return row


@dataclass(frozen=True)
class RunResult:
    """A finished run, cut at its last healthy point.

    Per-point arrays have ``n`` rows (``n = steps + 1`` unless the run diverged);
    per-update arrays (``learning_rate``, ``state``) have ``n − 1``: row t is the update
    that moved ``points[t]`` to ``points[t + 1]`` and the optimizer state after it.
    """

    points: np.ndarray
    loss: np.ndarray
    gradient: np.ndarray
    grad_norm: np.ndarray
    learning_rate: np.ndarray
    state: dict[str, np.ndarray]
    diverged_at: int | None


def inputs_for(runs: Sequence[RunConfig], length: int, bucket: int) -> RunInputs:
    """Stack the runs' inputs, padding the batch to ``bucket`` by repeating the first."""
    padded = [*runs, *[runs[0]] * (bucket - len(runs))]
    return RunInputs(
        start=np.array([r.start for r in padded], dtype=np.float64),
        hyperparameters=np.stack([r.hyperparameter_row() for r in padded]),
        learning_rates=np.stack(
            [learning_rate_series(r.value("learning_rate"), r.schedule, length) for r in padded]
        ),
        noise_scale=np.array([r.gradient_noise for r in padded], dtype=np.float64),
        seed=np.array([r.seed for r in padded], dtype=np.uint32),
    )


def step_bucket(steps: int) -> int:
    """The record buffer a run of ``steps`` updates is computed in."""
    return smallest_fit(steps, STEP_BUCKETS)


def _batches(runs: Sequence[RunConfig], per_call: int) -> list[list[int]]:
    """Indices of ``runs`` grouped by optimizer kind, at most ``per_call`` each."""
    groups: dict[str, list[int]] = {}
    for index, run in enumerate(runs):
        groups.setdefault(run.optimizer.name, []).append(index)
    return [
        group[i : i + per_call] for group in groups.values() for i in range(0, len(group), per_call)
    ]


def _cut(
    packed: np.ndarray,
    learning_rates: np.ndarray,
    view_names: tuple[str, ...],
    steps: int,
    noisy: bool,
) -> RunResult:
    """One run's records for points 0 … steps, cut at its first unhealthy point."""
    records = packed[: steps + 1]
    unhealthy = np.flatnonzero(records[:, HEALTHY] == 0.0)
    diverged_at = int(unhealthy[0]) if unhealthy.size else None
    n = steps + 1 if diverged_at is None else diverged_at
    updates = max(n - 1, 0)
    state = {name: records[:updates, VIEW_COLUMNS[name]] for name in view_names}
    if noisy:
        state["sampled_gradient"] = records[:updates, SAMPLED]
    gradient = records[:n, GRADIENT]
    return RunResult(
        points=records[:n, POINT],
        loss=records[:n, VALUE],
        gradient=gradient,
        # hypot: a finite gradient above ~1e154 must not overflow its norm to inf
        grad_norm=np.hypot(gradient[..., 0], gradient[..., 1]),
        learning_rate=learning_rates[:updates],
        state=state,
        diverged_at=diverged_at,
    )


def run_trajectories(
    objective: Objective, steps: int, runs: Sequence[RunConfig]
) -> list[RunResult]:
    """Race ``runs`` for ``steps`` updates each; results in the order of ``runs``."""
    length = step_bucket(steps)
    surface, box, n_steps = objective.args(), objective.escape_box(), np.int32(steps)
    # A typed surface's interpreter runs one instruction per loop iteration; on one run
    # XLA executes it about ten times faster per run than on a batch (its conditionals
    # on scalars become selects), so typed runs go one per call (measured, BENCHMARKS.md).
    batches = _batches(runs, 1 if objective.is_typed else MAX_RUNS_PER_CALL)
    launched = []
    for indices in batches:  # dispatch every batch first: XLA runs them while we wait
        batch = [runs[i] for i in indices]
        bucket = smallest_fit(len(batch), RUN_BUCKETS)
        inputs = inputs_for(batch, length, bucket)
        kind = np.int32(optimizer_kernels.kind_index(batch[0].optimizer))
        outputs = SIMULATE((bucket, length), kind, surface, inputs, box, n_steps)
        launched.append((inputs, outputs))
    results: list[RunResult | None] = [None] * len(runs)
    for indices, (inputs, outputs) in zip(batches, launched, strict=True):
        packed = np.asarray(outputs)
        learning_rates = np.asarray(inputs.learning_rates)
        view_names = state_keys(runs[indices[0]].optimizer)
        for row, index in enumerate(indices):
            noisy = runs[index].gradient_noise > 0
            records = packed[:, row]
            results[index] = _cut(records, learning_rates[row], view_names, steps, noisy)
    return [r for r in results if r is not None]
