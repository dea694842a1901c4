"""Optimizer runs across a surface: one ``lax.scan`` over steps, ``vmap``-ed over runs.

The jit boundary is ``simulate`` (full per-step records) and ``sweep_losses`` (only the
losses a learning-rate sweep needs). Their static arguments are the surface function and
the optimizer kind, so each (surface, optimizer) pair compiles once per step bucket and
run bucket. Everything a learner changes with a slider — hyperparameters, start points,
schedule values, gradient noise, seeds, surface constants — is a traced array.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array

from descentlab.core.buckets import power_of_two_bucket
from descentlab.core.device import on_cpu
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OptimizerSpec, state_keys
from descentlab.core.schedules import ScheduleConfig, learning_rate_series
from descentlab.core.surfaces import SurfaceFn

MIN_STEP_BUCKET = 64


# Host-side NumPy arrays become traced jax Arrays inside the jit; the containers are shared.
Arrayish = Array | np.ndarray


class RunInputs(NamedTuple):
    """The traced inputs of a batch of runs of one optimizer kind (leading axis: runs)."""

    start: Arrayish  # (runs, 2)
    hyperparameters: Arrayish  # (runs, h): the spec's hyperparameters, learning rate excluded
    learning_rates: Arrayish  # (runs, steps): η_t from the schedule
    noise_scale: Arrayish  # (runs,): σ of the Gaussian gradient noise
    seed: Arrayish  # (runs,)


class StepRecord(NamedTuple):
    """What one step records: the point, what the surface says there, and the state."""

    point: Arrayish  # (2,)
    value: Arrayish  # ()
    gradient: Arrayish  # (2,) true gradient at ``point``
    healthy: Arrayish  # () bool: finite and inside the escape box
    sampled_gradient: Arrayish  # (2,) the (noisy) gradient the optimizer was given
    view: Mapping[str, Arrayish]  # state after this step's update (momentum, σ, ...)


def _is_healthy(point: Array, value: Array, gradient: Array, box: Array) -> Array:
    finite = jnp.isfinite(value) & jnp.all(jnp.isfinite(point)) & jnp.all(jnp.isfinite(gradient))
    inside = jnp.all(point >= box[0]) & jnp.all(point <= box[1])
    return finite & inside


def _gradient_noise(inputs: RunInputs) -> Array:
    """σ·N(0, I) per run and step, ``(runs, steps, 2)``, drawn from each run's own seed.

    Drawn only when some run asks for noise (a ``lax.cond`` on the batch, which runs one
    branch): the draws cost more than the scan itself, and most races have none.
    """
    noise_scale, seed = jnp.asarray(inputs.noise_scale), jnp.asarray(inputs.seed)
    shape = (*jnp.shape(inputs.learning_rates), 2)

    def draw() -> Array:
        def one(key_seed: Array) -> Array:
            return jax.random.normal(jax.random.key(key_seed), shape[1:], dtype=jnp.float64)

        return noise_scale[:, None, None] * jax.vmap(one)(seed)

    return jax.lax.cond(jnp.any(noise_scale > 0), draw, lambda: jnp.zeros(shape, dtype=jnp.float64))


def _run_one(
    loss_fn: SurfaceFn,
    spec: OptimizerSpec,
    inputs: RunInputs,
    noise: Array,
    surface_params: Array,
    box: Array,
) -> tuple[StepRecord, StepRecord]:
    """One run: records for steps 0 … T−1, and the final point's record.

    A run is never stopped inside the scan: once it turns unhealthy (non-finite or out
    of the escape box) its later records are meaningless, and the host cuts them at the
    first unhealthy step. That keeps the step body free of per-step selects.
    """
    start, hyperparameters, learning_rates = map(jnp.asarray, inputs[:3])
    named = dict(zip(spec.hyperparameter_names, hyperparameters, strict=True))
    optimizer = optax.inject_hyperparams(spec.factory)(learning_rate=learning_rates[0], **named)
    value_and_grad = jax.value_and_grad(loss_fn)
    steps = learning_rates.shape[0]

    def step(
        carry: tuple[Array, optax.OptState], xs: tuple[Array, Array]
    ) -> tuple[tuple[Array, optax.OptState], tuple[Array, Array, Array, optax.OptState]]:
        point, state = carry
        learning_rate, step_noise = xs
        value, gradient = value_and_grad(point, surface_params)
        state = state._replace(hyperparams={**state.hyperparams, "learning_rate": learning_rate})
        updates, state = optimizer.update(gradient + step_noise, state, point)
        record = (point, value, gradient, state.inner_state)
        return (optax.apply_updates(point, updates), state), record

    init_state = optimizer.init(start)
    (point, _), (points, values, gradients, states) = jax.lax.scan(
        step, (start, init_state), (learning_rates, noise)
    )
    # State views (bias corrections, square roots) vectorize over steps outside the loop.
    before = jax.tree.map(
        lambda first, later: jnp.concatenate([first[None], later[:-1]]),
        init_state.inner_state,
        states,
    )
    views = jax.vmap(spec.state_view, in_axes=(0, 0, None), axis_size=steps)(before, states, named)
    healthy = jax.vmap(_is_healthy, in_axes=(0, 0, 0, None))(points, values, gradients, box)
    records = StepRecord(points, values, gradients, healthy, gradients + noise, views)
    value, gradient = value_and_grad(point, surface_params)
    last = StepRecord(
        point,
        value,
        gradient,
        _is_healthy(point, value, gradient, box),
        jnp.zeros_like(gradient),
        jax.tree.map(lambda series: jnp.zeros_like(series[0]), views),
    )
    return records, last


# Columns of ``simulate``'s packed records; the state views follow, two columns each, in
# ``state_keys(spec)`` order. One array per batch keeps host transfers to one per call.
POINT, VALUE, GRADIENT, HEALTHY, SAMPLED, VIEWS = slice(0, 2), 2, slice(3, 5), 5, slice(6, 8), 8


def _pack(records: StepRecord, last: StepRecord, view_names: tuple[str, ...]) -> Array:
    """Points 0 … T as rows; per-update columns (sampled gradient, views) get a zero row."""

    def rows(series: Arrayish, final: Arrayish) -> Array:
        stacked = jnp.concatenate([jnp.asarray(series), jnp.asarray(final)[None]])
        return stacked.reshape(stacked.shape[0], -1).astype(jnp.float64)

    columns = [
        rows(records.point, last.point),
        rows(records.value, last.value),
        rows(records.gradient, last.gradient),
        rows(records.healthy, last.healthy),
        rows(records.sampled_gradient, last.sampled_gradient),
        *(rows(records.view[name], last.view[name]) for name in view_names),
    ]
    return jnp.concatenate(columns, axis=1)


@partial(jax.jit, static_argnames=("loss_fn", "spec"))
def simulate(
    loss_fn: SurfaceFn,
    spec: OptimizerSpec,
    inputs: RunInputs,
    surface_params: Array,
    box: Array,
) -> Array:
    """Every run of a batch, recording each step, packed as ``(runs, T + 1, columns)``."""

    def one(run_inputs: RunInputs, noise: Array) -> Array:
        records, last = _run_one(loss_fn, spec, run_inputs, noise, surface_params, box)
        return _pack(records, last, state_keys(spec))

    return jax.vmap(one)(inputs, _gradient_noise(inputs))


class SweepLosses(NamedTuple):
    """Per run: loss after ``n`` steps, mean loss over steps 0 … n, first unhealthy step."""

    final: Array
    mean: Array
    diverged_at: Array  # n + 1 when the run stayed healthy


@partial(jax.jit, static_argnames=("loss_fn", "spec"))
def sweep_losses(
    loss_fn: SurfaceFn,
    spec: OptimizerSpec,
    inputs: RunInputs,
    surface_params: Array,
    box: Array,
    n_steps: Array,
) -> SweepLosses:
    """Only the numbers a learning-rate sweep ranks by, reduced inside the jit."""

    def one(run_inputs: RunInputs, noise: Array) -> SweepLosses:
        records, last = _run_one(loss_fn, spec, run_inputs, noise, surface_params, box)
        values = jnp.append(records.value, last.value)
        healthy = jnp.append(records.healthy, last.healthy)
        index = jnp.arange(values.shape[0])
        counted = index <= n_steps
        diverged_at = jnp.min(jnp.where(counted & ~healthy, index, n_steps + 1))
        mean = jnp.sum(jnp.where(counted, values, 0.0)) / (n_steps + 1)
        return SweepLosses(values[n_steps], mean, diverged_at)

    return jax.vmap(one)(inputs, _gradient_noise(inputs))


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
    spec = runs[0].optimizer
    return RunInputs(
        start=np.array([r.start for r in padded], dtype=np.float64),
        hyperparameters=np.array(
            [[r.value(n) for n in spec.hyperparameter_names] for r in padded],
            dtype=np.float64,
        ).reshape(bucket, len(spec.hyperparameters)),
        learning_rates=np.stack(
            [learning_rate_series(r.value("learning_rate"), r.schedule, length) for r in padded]
        ),
        noise_scale=np.array([r.gradient_noise for r in padded], dtype=np.float64),
        seed=np.array([r.seed for r in padded], dtype=np.uint32),
    )


def step_bucket(steps: int) -> int:
    return power_of_two_bucket(steps, MIN_STEP_BUCKET)


def _group_by_optimizer(runs: Sequence[RunConfig]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for index, run in enumerate(runs):
        groups.setdefault(run.optimizer.name, []).append(index)
    return groups


def _cut(
    packed: np.ndarray,
    learning_rates: np.ndarray,
    view_names: tuple[str, ...],
    steps: int,
    noisy: bool,
) -> RunResult:
    """One run's records for points 0 … steps, cut at its first unhealthy point.

    The scan ran a whole bucket (≥ ``steps``) of updates; only rows 0 … steps count.
    """
    records = packed[: steps + 1]
    unhealthy = np.flatnonzero(records[:, HEALTHY] == 0.0)
    diverged_at = int(unhealthy[0]) if unhealthy.size else None
    n = steps + 1 if diverged_at is None else diverged_at
    updates = max(n - 1, 0)
    state = {
        name: records[:updates, VIEWS + 2 * i : VIEWS + 2 * i + 2]
        for i, name in enumerate(view_names)
    }
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
    params, box = objective.params_array(), objective.escape_box()
    groups = list(_group_by_optimizer(runs).values())
    launched = []
    with on_cpu():
        for indices in groups:  # dispatch every group first: XLA runs them while we wait
            group = [runs[i] for i in indices]
            inputs = inputs_for(group, length, power_of_two_bucket(len(group)))
            outputs = simulate(objective.fn, group[0].optimizer, inputs, params, box)
            launched.append((inputs, outputs))
    results: list[RunResult | None] = [None] * len(runs)
    for indices, (inputs, outputs) in zip(groups, launched, strict=True):
        packed = np.asarray(outputs)
        learning_rates = np.asarray(inputs.learning_rates)
        view_names = state_keys(runs[indices[0]].optimizer)
        for row, index in enumerate(indices):
            noisy = runs[index].gradient_noise > 0
            results[index] = _cut(packed[row], learning_rates[row], view_names, steps, noisy)
    return [r for r in results if r is not None]
