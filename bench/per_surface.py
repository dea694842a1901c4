"""The way the engine compiled before: one XLA program per (surface, optimizer kind).

A jitted ``lax.scan`` over steps, ``vmap``-ed over runs, with the surface function and
the optimizer kind as *static* arguments and the hyperparameters injected as traced
values (``optax.inject_hyperparams``): the shape of the engine until issue 10, kept here
only as the baseline ``bench.compiles`` measures in the same run. A typed expression
was a function object per structure (``structure_function``), so each new structure
compiled anew too.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array

from descentlab.core.expressions import CONSTANTS, Node, parse_expression
from descentlab.core.interpreter import BINARY, OPERATORS, UNARY
from descentlab.core.optimizers import OptimizerSpec
from descentlab.core.surfaces import SurfaceFn


@partial(jax.jit, static_argnames=("loss_fn", "spec"))
def simulate(
    loss_fn: SurfaceFn,
    spec: OptimizerSpec,
    start: Array,
    hyperparameters: Array,
    learning_rates: Array,
    params: Array,
) -> tuple[Array, Array]:
    """Points and losses of every run: ``(runs, steps, 2)`` and ``(runs, steps)``."""

    def one(point: Array, hyper: Array, rates: Array) -> tuple[Array, Array]:
        named = dict(zip(spec.hyperparameter_names, hyper, strict=True))
        optimizer = optax.inject_hyperparams(spec.factory)(learning_rate=rates[0], **named)
        value_and_grad = jax.value_and_grad(loss_fn)

        def step(carry: Any, rate: Array) -> tuple[Any, tuple[Array, Array]]:
            point, state = carry
            value, gradient = value_and_grad(point, params)
            state = state._replace(hyperparams={**state.hyperparams, "learning_rate": rate})
            updates, state = optimizer.update(gradient, state, point)
            return (optax.apply_updates(point, updates), state), (point, value)

        _, (points, values) = jax.lax.scan(step, (point, optimizer.init(point)), rates)
        return points, values

    return jax.vmap(one)(start, hyperparameters, learning_rates)  # type: ignore[no-any-return]


def race(
    fn: SurfaceFn,
    params: np.ndarray,
    runs: list[tuple[OptimizerSpec, tuple[float, float], float]],
    steps: int,
) -> list[np.ndarray]:
    """Each (optimizer, start, learning rate) run at a power-of-two step bucket, as before."""
    bucket = 1 << (max(steps, 64) - 1).bit_length()
    losses = []
    for spec, start, rate in runs:
        hyper = np.array([[h.default for h in spec.hyperparameters]]).reshape(1, -1)
        rates = np.full((1, bucket), rate)
        _, values = simulate(fn, spec, np.array([start]), hyper, rates, params)
        losses.append(np.asarray(values)[0, :steps])
    return losses


def structure_function(text: str) -> tuple[Callable[[Array, Array], Array], np.ndarray]:
    """A typed expression as the old engine built it: a new function for its structure."""
    structure, numbers = parse_expression(text)
    applied: dict[str, Callable[..., Array]] = {**OPERATORS, **UNARY, **BINARY}

    def evaluate(node: Node, point: Array, params: Array) -> Array:
        kind = node[0]
        if kind == "var":
            return point[node[1]]
        if kind == "param":
            return params[node[1]]
        if kind == "const":
            return jnp.asarray(CONSTANTS[node[1]])
        if kind == "ipow":
            return jax.lax.integer_pow(evaluate(node[1], point, params), node[2])
        return applied[node[1]](*(evaluate(a, point, params) for a in node[2:]))

    def fn(point: Array, params: Array) -> Array:
        return evaluate(structure, point, params)

    return fn, np.asarray(numbers, dtype=np.float64)
