"""Every optimizer kind in one kernel: a traced kind index, and optax states packed flat.

Kinds differ in their state (Adam keeps a count and two moments, SGD nothing), so one
compiled loop cannot carry their optax states as they are. Here each state travels as a
fixed-size float64 vector (``STATE_SIZE``): a kind's branch unpacks it into its own
optax state, runs optax's own update, and packs it back. float64 holds every leaf
exactly (the int32 step count included), so the numbers are optax's, bit for bit.
The kind is the same for every run of a call, so ``lax.switch`` runs one branch, which
``vmap``s optax's functions over the runs (leading axis); hyperparameters are a padded
vector (``HYPER_SIZE``) per run, read by each kind's names.
"""

from functools import cache
from typing import Any

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


# The three are jitted, though only ever called inside the kernels, so that JAX traces
# each once per batch size and every kernel reuses that trace (see surface_kernels).
@jax.jit
def init(kind: Array, starts: Array, hyper: Array) -> Array:
    """The packed initial states ``(runs, STATE_SIZE)`` (Adagrad starts from a setting)."""

    def branch(spec: OptimizerSpec) -> Any:
        def one(start: Array, h: Array) -> Array:
            return _pack(_optimizer(spec, jnp.zeros(()), h).init(start))

        return lambda: jax.vmap(one)(starts, hyper)

    return jax.lax.switch(kind, [branch(spec) for spec in KINDS])


@jax.jit
def update(
    kind: Array,
    states: Array,
    gradients: Array,
    points: Array,
    hyper: Array,
    learning_rates: Array,
) -> tuple[Array, Array]:
    """One optax step of every run: the new points and the packed states after it."""

    def branch(spec: OptimizerSpec) -> Any:
        def one(
            state: Array, gradient: Array, point: Array, h: Array, rate: Array
        ) -> tuple[Array, Array]:
            optimizer = _optimizer(spec, rate, h)
            updates, after = optimizer.update(gradient, _unpack(spec, state), point)
            return optax.apply_updates(point, updates), _pack(after)

        return lambda: jax.vmap(one)(states, gradients, points, hyper, learning_rates)

    return jax.lax.switch(kind, [branch(spec) for spec in KINDS])


@jax.jit
def views(kind: Array, before: Array, after: Array, hyper: Array) -> tuple[Array, Array]:
    """The state worth drawing after each update, (momentum, σ) ``(n, 2)`` each: zeros
    where a kind has none. Rows: updates, with the states before and after them."""

    def branch(spec: OptimizerSpec) -> Any:
        def one(b: Array, a: Array, h: Array) -> tuple[Array, Array]:
            drawn = spec.state_view(_unpack(spec, b), _unpack(spec, a), _named(spec, h))
            unknown = set(drawn) - set(VIEW_NAMES)
            if unknown:
                raise ValueError(f"{spec.name} draws {sorted(unknown)}, not in {VIEW_NAMES}")
            zero = jnp.zeros(2, dtype=jnp.float64)
            return drawn.get("momentum", zero), drawn.get("sigma", zero)

        return lambda: jax.vmap(one)(before, after, hyper)

    return jax.lax.switch(kind, [branch(spec) for spec in KINDS])
