"""Every optimizer kind in one kernel: a traced kind index, and optax states packed flat.

Kinds differ in their state (Adam keeps a count and two moments, SGD nothing), so one
compiled loop cannot carry their optax states as they are. Here each state travels as a
fixed-size float64 vector (``STATE_SIZE``): a kind's branch unpacks it into its own
optax state, runs optax's own update, and packs it back. float64 holds every leaf
exactly (the int32 step count included), so the numbers are optax's, bit for bit.
Two ways to pick the kind: ``init``/``update`` take one kind for every run of a call
(``lax.switch`` runs one branch, which ``vmap``s optax's functions over the runs);
``init_each``/``update_each`` take a kind per run, so a race of several optimizers is one
call (``vmap`` turns the switch into a select: every kind's update is computed and each
run keeps its own; measured cheaper than one call per kind). Hyperparameters are a
padded vector (``HYPER_SIZE``) per run, read by each kind's names.
"""

from functools import cache
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array

from descentlab.core.optimizers import OPTIMIZERS, OptimizerSpec

KINDS: tuple[OptimizerSpec, ...] = tuple(OPTIMIZERS.values())
STATE_SIZE = 8  # the largest state (AMSGrad: a count and three 2-vectors) fits
HYPER_SIZE = max(len(spec.hyperparameters) for spec in KINDS)
VIEW_NAMES = ("momentum", "sigma")  # every state view draws a subset of these


def kind_index(spec: OptimizerSpec) -> int:
    return KINDS.index(spec)


def _named(spec: OptimizerSpec, hyper: Array) -> dict[str, Array]:
    return {name: hyper[i] for i, name in enumerate(spec.hyperparameter_names)}


def _optimizer(spec: OptimizerSpec, learning_rate: Array, hyper: Array) -> Any:
    # Built per step with traced values, as optax.inject_hyperparams does internally.
    return spec.factory(learning_rate=learning_rate, **_named(spec, hyper))


@cache
def _state_template(spec: OptimizerSpec) -> Any:
    """The shapes and dtypes of the kind's optax state for a 2-vector (traced, never run)."""
    defaults = {h.name: h.default for h in spec.hyperparameters}
    optimizer = spec.factory(learning_rate=spec.learning_rate.default, **defaults)
    template = jax.eval_shape(optimizer.init, jax.ShapeDtypeStruct((2,), jnp.float64))
    if sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(template)) > STATE_SIZE:
        raise ValueError(f"{spec.name}'s state does not fit in {STATE_SIZE} numbers")
    return template


def _pack(state: Any) -> Array:
    leaves = [jnp.ravel(leaf).astype(jnp.float64) for leaf in jax.tree.leaves(state)]
    flat = jnp.concatenate(leaves) if leaves else jnp.zeros(0, dtype=jnp.float64)
    return jnp.pad(flat, (0, STATE_SIZE - flat.shape[0]))


def _unpack(spec: OptimizerSpec, packed: Array) -> Any:
    leaves, tree = jax.tree.flatten(_state_template(spec))
    unpacked, offset = [], 0
    for leaf in leaves:
        size = int(np.prod(leaf.shape))
        unpacked.append(packed[offset : offset + size].reshape(leaf.shape).astype(leaf.dtype))
        offset += size
    return jax.tree.unflatten(tree, unpacked)


def _init(kind: Array, starts: Array, hyper: Array) -> Array:
    """The packed initial states ``(runs, STATE_SIZE)`` (Adagrad starts from a setting)."""

    def branch(spec: OptimizerSpec) -> Any:
        def one(start: Array, h: Array) -> Array:
            return _pack(_optimizer(spec, jnp.zeros(()), h).init(start))

        return lambda: jax.vmap(one)(starts, hyper)

    return jax.lax.switch(kind, [branch(spec) for spec in KINDS])


class Step(NamedTuple):
    """What one optax step gives every run (leading axis: runs)."""

    points: Array  # (runs, 2): after the update
    states: Array  # (runs, STATE_SIZE): packed, after the update
    momentum: Array  # (runs, 2): the state worth drawing (zeros where a kind has none)
    sigma: Array  # (runs, 2)


def _drawn(spec: OptimizerSpec, before: Any, after: Any, hyper: Array) -> tuple[Array, Array]:
    drawn = spec.state_view(before, after, _named(spec, hyper))
    unknown = set(drawn) - set(VIEW_NAMES)
    if unknown:
        raise ValueError(f"{spec.name} draws {sorted(unknown)}, not in {VIEW_NAMES}")
    zero = jnp.zeros(2, dtype=jnp.float64)
    return drawn.get("momentum", zero), drawn.get("sigma", zero)


def _update(
    kind: Array,
    states: Array,
    gradients: Array,
    points: Array,
    hyper: Array,
    learning_rates: Array,
) -> Step:
    """One optax step of every run, and the state views it leaves (computed in the same
    branch: a second switch in the loop would cost more than the views themselves)."""

    def branch(spec: OptimizerSpec) -> Any:
        def one(state: Array, gradient: Array, point: Array, h: Array, rate: Array) -> Step:
            optimizer = _optimizer(spec, rate, h)
            before = _unpack(spec, state)
            updates, after = optimizer.update(gradient, before, point)
            momentum, sigma = _drawn(spec, before, after, h)
            return Step(optax.apply_updates(point, updates), _pack(after), momentum, sigma)

        return lambda: jax.vmap(one)(states, gradients, points, hyper, learning_rates)

    return jax.lax.switch(kind, [branch(spec) for spec in KINDS])


def _one(kind: Array, *per_run: Array) -> Any:
    return kind, *(a[None] for a in per_run)


def _init_each(kinds: Array, starts: Array, hyper: Array) -> Array:
    return jax.vmap(lambda k, s, h: _init(*_one(k, s, h))[0])(kinds, starts, hyper)


def _update_each(kinds: Array, *per_run: Array) -> Step:
    """``_update`` with a kind per run (``per_run``: its arrays, leading axis runs)."""

    def one(kind: Array, *run: Array) -> Step:
        return Step(*(a[0] for a in _update(*_one(kind, *run))))

    return jax.vmap(one)(kinds, *per_run)


# Jitted, though only ever called inside the kernels, so that JAX traces each once per
# batch size and every kernel reuses that trace (see surface_kernels).
init = jax.jit(_init)  # one kind for every run
update = jax.jit(_update)
init_each = jax.jit(_init_each)  # a kind per run
update_each = jax.jit(_update_each)
