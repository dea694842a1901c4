"""Optimizer runs across a surface: one loop over steps, all the runs of a batch at once.

The jit boundary is two kernels, ``SIMULATE`` (full per-step records) and ``SWEEP`` (only
the losses a learning-rate sweep ranks by). Everything about a run is data: the surface
(``surface_kernels``), each run's optimizer kind (``optimizer_kernels``), hyperparameters,
the per-step learning rates from the schedule, start points, gradient noise, seeds, and
the step count, which is a loop bound inside a fixed-size record buffer. So each kernel is
compiled for a few buffer shapes only (``STEP_BUCKETS`` × ``RUN_BUCKETS``, and
``RATE_BUCKETS``), all at start-up, and no request compiles. ``MAP`` is ``SWEEP``'s
function at the sizes of a hyperparameter map (``MAP_BUCKETS``): every run of a sweep
already carries its own hyperparameters.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from descentlab.core import optimizer_kernels, surface_kernels
from descentlab.core.interpreter import Arrayish
from descentlab.core.objective import Objective
from descentlab.core.optimizer_kernels import HYPER_SIZE
from descentlab.core.optimizers import OPTIMIZERS, OptimizerSpec, state_keys
from descentlab.core.precision import require_engine_precision
from descentlab.core.programs import Kernel, Shape, run_all, smallest_fit
from descentlab.core.schedules import SERIES_LENGTH, ScheduleConfig, learning_rate_series
from descentlab.core.surface_kernels import SurfaceArgs

# Record buffers (steps) and batches (runs) are compiled at these sizes; a request fills
# the smallest that holds it, and the loop runs only its steps (so a 500-step race costs
# the same in the 2048 buffer as in a smaller one: measured), which lets one program serve
# the page and every lesson.
STEP_BUCKETS = (2048, SERIES_LENGTH)
MAX_STEPS = STEP_BUCKETS[-1]
# Runs per call: 1 for a typed surface, 4 for a built-in one (see run_trajectories).
RUN_BUCKETS = (1, 4)
MAX_RUNS_PER_CALL = RUN_BUCKETS[-1]
MAX_SWEEP_STEPS = 5_000
RATE_BUCKETS = (64, 128)
MAX_SWEEP_RATES = RATE_BUCKETS[-1]
# Cells of a hyperparameter map: up to 32 × 32, 64 × 64 (the lab's) and 128 × 128
# (16,384 runs × 500 steps: about 70 ms on 2 cores, BENCHMARKS.md).
MAP_BUCKETS = (1024, 4096, 16384)
MAX_MAP_CELLS = MAP_BUCKETS[-1]
CHUNK = 32  # steps per block of the loops (see ``simulate``)


class RunInputs(NamedTuple):
    """The traced inputs of a batch of runs (leading axis: runs)."""

    kind: Arrayish  # (runs,) int32: each run's optimizer (optimizer_kernels.KINDS)
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


def _noise(scale: Array, seed: Array, blocks: int) -> Array:
    """σ·N(0, I) for steps 0 … blocks·CHUNK − 1, ``(blocks · CHUNK, 2)``.

    Block k's steps are drawn from the key (seed, k), so step t's noise depends only on
    (seed, t): a longer run with the same seed repeats a shorter one's noise, and a
    sweep's run at one rate is the race's run at that rate. (So ``CHUNK`` is part of
    what a seed means: changing it changes every noisy run.)
    """
    root = jax.random.key(seed)

    def block(k: Array) -> Array:
        return jax.random.normal(jax.random.fold_in(root, k), (CHUNK, 2), dtype=jnp.float64)

    return scale * jax.vmap(block)(jnp.arange(blocks)).reshape(-1, 2)


def _gradient_noise(scales: Array, seeds: Array, rows: int) -> Array:
    """Every run's noise, ``(rows, runs, 2)``, drawn only when some run asks for it (one
    branch per call: a conditional inside the loop would cost more than the draws)."""

    def draw() -> Array:
        return jax.vmap(_noise, in_axes=(0, 0, None), out_axes=1)(scales, seeds, rows // CHUNK)

    zeros = jnp.zeros((rows, scales.shape[0], 2), dtype=jnp.float64)
    return jax.lax.cond(jnp.any(scales > 0), draw, lambda: zeros)


# Columns of ``simulate``'s records (rows: points 0 … T, the rows after T unused).
POINT, VALUE, GRADIENT, HEALTHY, SAMPLED = slice(0, 2), 2, slice(3, 5), 5, slice(6, 8)
VIEW_COLUMNS = {"momentum": slice(8, 10), "sigma": slice(10, 12)}
COLUMNS = 12


def simulate(surface: SurfaceArgs, inputs: RunInputs, box: Array, n_steps: Array) -> Array:
    """Every run of a batch, each step recorded: ``(length + 1, runs, COLUMNS)``.

    Points 0 … n_steps of all runs at once, in blocks of ``CHUNK`` steps: a ``lax.scan``
    over the block's steps (the surface's values and gradients, then the optax update;
    the update at the last point is not kept), then the block's state views and health
    checks, vectorized, written into the records together. XLA runs a scan's steps
    several times faster than a loop that writes each row into a buffer it carries, and
    the blocks stop at n_steps, so the step count stays data (measured: BENCHMARKS.md).
    A run is never stopped inside the loop: the host cuts it at its first unhealthy point.
    """
    starts, hyper = jnp.asarray(inputs.start), jnp.asarray(inputs.hyperparameters)
    kinds = jnp.asarray(inputs.kind)
    length, runs = jnp.shape(inputs.learning_rates)[1], starts.shape[0]
    rows = -(-(length + 1) // CHUNK) * CHUNK  # points 0 … length, in whole blocks
    # One run: its kind picks one branch. Several: each run its own kind (see
    # optimizer_kernels), so a race of many optimizers is one call.
    init, update = (
        (partial(optimizer_kernels.init, kinds[0]), partial(optimizer_kernels.update, kinds[0]))
        if runs == 1
        else (
            partial(optimizer_kernels.init_each, kinds),
            partial(optimizer_kernels.update_each, kinds),
        )
    )
    # Per step and run: the learning rate and the gradient noise, as one array (rows past
    # the buffer are never kept). One input and one output per step of the scan: XLA runs
    # such a scan several times faster than one with several (measured).
    rates = jnp.pad(jnp.asarray(inputs.learning_rates).T, ((0, rows - length), (0, 0)))
    noise = _gradient_noise(jnp.asarray(inputs.noise_scale), jnp.asarray(inputs.seed), rows)
    per_step = jnp.concatenate([rates[..., None], noise], axis=-1)  # (rows, runs, 3)

    def step(carry: tuple[Array, Array], xs: Array) -> tuple[Any, Array]:
        points, states = carry
        rate, step_noise = xs[:, 0], xs[:, 1:3]
        values, gradients = surface_kernels.values_and_gradients(points, surface)
        sampled = gradients + step_noise
        moved = update(states, sampled, points, hyper, rate)
        row = jnp.concatenate(
            [points, values[:, None], gradients, sampled, moved.momentum, moved.sigma], axis=1
        )
        return (moved.points, moved.states), row

    def block(k: Array, carry: tuple[Array, Array, Array]) -> tuple[Array, Array, Array]:
        points, states, records = carry
        first_step = k * CHUNK
        xs = jax.lax.dynamic_slice_in_dim(per_step, first_step, CHUNK)
        (points, states), steps = jax.lax.scan(step, (points, states), xs)
        healthy = _is_healthy(steps[..., POINT], steps[..., VALUE], steps[..., GRADIENT], box)
        updated = (first_step + jnp.arange(CHUNK) < n_steps)[:, None, None]
        rows_out = jnp.concatenate(
            [
                steps[..., :HEALTHY],
                healthy[..., None].astype(jnp.float64),
                jnp.where(updated, steps[..., HEALTHY:], 0.0),  # per update: not the last
            ],
            axis=-1,
        )
        records = jax.lax.dynamic_update_slice_in_dim(records, rows_out, first_step, 0)
        return points, states, records

    first = init(starts, hyper)
    records = jnp.zeros((rows, runs, COLUMNS), dtype=jnp.float64)
    chunks = (n_steps + CHUNK) // CHUNK  # blocks that hold points 0 … n_steps
    _, _, records = jax.lax.fori_loop(0, chunks, block, (starts, first, records))
    return records[: length + 1]


class SweepInputs(NamedTuple):
    """One optimizer at many base learning rates (and, in a map, many hyperparameters),
    from one start, one schedule, one seed."""

    start: Arrayish  # (2,)
    hyperparameters: Arrayish  # (rates, HYPER_SIZE)
    learning_rates: Arrayish  # (rates,): η; step t uses η · schedule[t]
    schedule: Arrayish  # (MAX_SWEEP_STEPS,): the schedule's shape for η = 1
    noise_scale: Arrayish  # ()
    seed: Arrayish  # () uint32
    target: Arrayish  # (): a loss at or below which a run has reached its goal (−inf: none)


class SweepLosses(NamedTuple):
    """Per run: loss after ``n`` steps, mean loss over steps 0 … n, first unhealthy step,
    first step whose loss is at or below the target."""

    final: Array
    mean: Array
    diverged_at: Array  # n + 1 when the run stayed healthy
    reached_at: Array  # n + 1 when the run never reached the target


def sweep_losses(
    kind: Array, surface: SurfaceArgs, inputs: SweepInputs, box: Array, n_steps: Array
) -> SweepLosses:
    """Only the numbers a learning-rate sweep ranks by, reduced inside the loop (in blocks
    of ``CHUNK`` steps, as in ``simulate``; steps past n_steps change nothing)."""
    schedule = jnp.asarray(inputs.schedule)
    hyper, rates = jnp.asarray(inputs.hyperparameters), jnp.asarray(inputs.learning_rates)
    count = rates.shape[0]
    starts = jnp.broadcast_to(jnp.asarray(inputs.start), (count, 2))
    scale = jnp.broadcast_to(jnp.asarray(inputs.noise_scale), (1,))
    seed = jnp.broadcast_to(jnp.asarray(inputs.seed), (1,))
    padded = -(-(schedule.shape[0] + 1) // CHUNK) * CHUNK
    schedule = jnp.pad(schedule, (0, padded - schedule.shape[0]))

    target = jnp.asarray(inputs.target)

    Carry = tuple[Array, Array, Array, Array, Array, Array]

    def step(carry: Carry, xs: tuple[Array, Array, Array]) -> tuple[Carry, None]:
        points, states, total, final, diverged_at, reached_at = carry
        t, shape, step_noise = xs
        values, gradients = surface_kernels.values_and_gradients(points, surface)
        counted = t <= n_steps
        healthy = _is_healthy(points, values, gradients, box)
        first_bad = counted & ~healthy & (diverged_at > t)
        # Only before the run first went wrong: a diverging run's NaN is not a success.
        first_good = counted & healthy & (values <= target) & (reached_at > t) & (diverged_at > t)
        moved = optimizer_kernels.update(
            kind, states, gradients + step_noise, points, hyper, rates * shape
        )
        carry = (
            jnp.where(counted, moved.points, points),
            jnp.where(counted, moved.states, states),
            total + jnp.where(counted, values, 0.0),
            jnp.where(counted, values, final),
            jnp.where(first_bad, t, diverged_at),
            jnp.where(first_good, t, reached_at),
        )
        return carry, None

    noise = _gradient_noise(scale, seed, padded)  # (padded, 1, 2): one seed for every rate

    def block(k: Array, carry: Carry) -> Carry:
        first_step = k * CHUNK
        block_noise = jax.lax.dynamic_slice_in_dim(noise, first_step, CHUNK)
        xs = (
            first_step + jnp.arange(CHUNK, dtype=first_step.dtype),
            jax.lax.dynamic_slice_in_dim(schedule, first_step, CHUNK),
            jnp.broadcast_to(block_noise, (CHUNK, count, 2)),
        )
        carry, _ = jax.lax.scan(step, carry, xs)
        return carry

    zeros = jnp.zeros_like(rates)
    never = jnp.full(rates.shape, n_steps + 1)
    first = optimizer_kernels.init(kind, starts, hyper)
    carry = (starts, first, zeros, zeros, never, never)
    chunks = (n_steps + CHUNK) // CHUNK
    _, _, total, final, diverged_at, reached_at = jax.lax.fori_loop(0, chunks, block, carry)
    return SweepLosses(final, total / (n_steps + 1), diverged_at, reached_at)


def _simulate_signature(shape: Shape) -> tuple[object, ...]:
    runs, length = shape
    inputs = RunInputs(
        kind=np.zeros(runs, dtype=np.int32),
        start=np.zeros((runs, 2)),
        hyperparameters=np.zeros((runs, HYPER_SIZE)),
        learning_rates=np.zeros((runs, length)),
        noise_scale=np.zeros(runs),
        seed=np.zeros(runs, dtype=np.uint32),
    )
    return surface_kernels.example_args(), inputs, np.zeros((2, 2)), np.int32(0)


def _sweep_signature(shape: Shape) -> tuple[object, ...]:
    (rates,) = shape
    inputs = SweepInputs(
        start=np.zeros(2),
        hyperparameters=np.zeros((rates, HYPER_SIZE)),
        learning_rates=np.zeros(rates),
        schedule=np.zeros(MAX_SWEEP_STEPS),
        noise_scale=np.float64(0.0),
        seed=np.uint32(0),
        target=np.float64(0.0),
    )
    return np.int32(0), surface_kernels.example_args(), inputs, np.zeros((2, 2)), np.int32(0)


SIMULATE = Kernel(
    "simulate",
    simulate,
    _simulate_signature,
    [(runs, steps) for steps in STEP_BUCKETS for runs in RUN_BUCKETS],
)
SWEEP = Kernel("sweep", sweep_losses, _sweep_signature, [(rates,) for rates in RATE_BUCKETS])
MAP = Kernel("map", sweep_losses, _sweep_signature, [(cells,) for cells in MAP_BUCKETS])


@dataclass(frozen=True)
class RunConfig:
    """One run as a learner sets it up."""

    optimizer: OptimizerSpec
    start: tuple[float, float]
    hyperparameters: dict[str, float] = field(default_factory=dict)  # missing: defaults
    schedule: ScheduleConfig | None = None
    gradient_noise: float = 0.0
    seed: int = 0

    @classmethod
    def from_mapping(cls, run: Mapping[str, Any]) -> "RunConfig":
        """A run in the API's form (a request's JSON, a lesson's, a notebook's dict):
        ``{"optimizer": {"name", ...hyperparameters}, "start": [x, y], "schedule"?,
        "gradient_noise"?, "seed"?}``. Unknown optimizers, hyperparameters and schedules
        raise ValueError naming what is known; hyperparameters left out take defaults."""
        optimizer = dict(run["optimizer"])
        name = optimizer.pop("name", None)
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")
        spec = OPTIMIZERS[name]
        known = ("learning_rate", *spec.hyperparameter_names)
        unknown = sorted(set(optimizer) - set(known))
        if unknown:
            raise ValueError(
                f"{name} has no hyperparameter {unknown[0]!r}; it has: {', '.join(known)}"
            )
        x, y = run["start"]
        return cls(
            optimizer=spec,
            start=(float(x), float(y)),
            hyperparameters={k: float(v) for k, v in optimizer.items()},
            schedule=ScheduleConfig.from_mapping(run.get("schedule")),
            gradient_noise=float(run.get("gradient_noise", 0.0)),
            seed=int(run.get("seed", 0)),
        )

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
        kind=np.array([optimizer_kernels.kind_index(r.optimizer) for r in padded], np.int32),
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


def call_shape(typed: bool, steps: int) -> Shape:
    """The ``SIMULATE`` program a race of ``steps`` steps runs on (see run_trajectories)."""
    return (1 if typed else MAX_RUNS_PER_CALL, step_bucket(steps))


def _batches(count: int, per_call: int) -> list[list[int]]:
    """Indices 0 … count − 1 in calls of at most ``per_call`` runs."""
    return [list(range(i, min(i + per_call, count))) for i in range(0, count, per_call)]


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
    require_engine_precision()
    shape = call_shape(objective.is_typed, steps)
    per_call, length = shape
    surface, box, n_steps = objective.args(), objective.escape_box(), np.int32(steps)
    # Built-in surfaces: runs in batches of 4, however few (one code path, so a run's
    # numbers never depend on which runs share its call: bit for bit). Typed surfaces: one
    # run per call, since the interpreter runs several times faster per run on one run
    # than on a batch (measured); the calls go side by side on the cores.
    batches = _batches(len(runs), per_call)

    def call(indices: list[int]) -> Callable[[], tuple[RunInputs, np.ndarray]]:
        batch = [runs[i] for i in indices]
        inputs = inputs_for(batch, length, per_call)
        return lambda: (
            inputs,
            np.asarray(SIMULATE(shape, surface, inputs, box, n_steps)),
        )

    outputs = run_all([call(indices) for indices in batches])
    results: list[RunResult] = []
    for indices, (inputs, packed) in zip(batches, outputs, strict=True):
        learning_rates = np.asarray(inputs.learning_rates)
        for row, index in enumerate(indices):
            run = runs[index]
            view_names = state_keys(run.optimizer)
            noisy = run.gradient_noise > 0
            records = packed[:, row]
            results.append(_cut(records, learning_rates[row], view_names, steps, noisy))
    return results


def run_labels(runs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Distinct labels for runs ``{"optimizer": name, "label"?}``, as the lab makes them
    (``runLabels`` in requests.js): a run's own label, else its optimizer's name, with " 2",
    " 3", … added to a name already taken (a label someone chose keeps its own text)."""
    taken = {run["label"] for run in runs if run.get("label")}
    labels: list[str] = []
    for run in runs:
        label = run.get("label")
        if not label or label in labels:
            base = run.get("label") or run["optimizer"]
            label, k = base, 2
            while label in labels or (label != run.get("label") and label in taken):
                label, k = f"{base} {k}", k + 1
        labels.append(label)
    return labels
