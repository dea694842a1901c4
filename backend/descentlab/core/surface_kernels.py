"""Every surface the kernels can evaluate, chosen by a traced index.

The kernels do not take a surface function as a static argument (that compiled one
executable per surface). They take ``SurfaceArgs``: an index into ``KERNEL_FUNCTIONS``,
the constants, and a typed surface's program, and pick the function with ``lax.switch``.
The index is the same for every run of a call (unbatched), so a switch runs only its one
branch. The last branch, ``TYPED``, is the interpreter of typed surfaces.

Built-in branches differentiate as before (reverse mode for the gradient, forward over
reverse for the Hessian), so their numbers are exactly those of the functions themselves.
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from descentlab.core import interpreter
from descentlab.core.interpreter import PROGRAM_LENGTH, Arrayish, Program
from descentlab.core.surfaces import SURFACES, SurfaceFn, quadratic_form

KERNEL_FUNCTIONS: tuple[SurfaceFn, ...] = (
    *(surface.fn for surface in SURFACES.values()),
    quadratic_form,
)
TYPED = len(KERNEL_FUNCTIONS)  # the interpreter's branch
PARAMS_LENGTH = PROGRAM_LENGTH  # a typed surface's constants, or a built-in's (padded)


class SurfaceArgs(NamedTuple):
    """A surface as traced data; one structure (and shape) for every surface."""

    kernel: Arrayish  # () int32: a KERNEL_FUNCTIONS index, or TYPED
    params: Arrayish  # (PARAMS_LENGTH,) float64 constants
    program: Program  # a typed surface's instructions (empty for a built-in)


def example_args() -> SurfaceArgs:
    """Arguments of the right shapes and dtypes, for compiling ahead of time."""
    return SurfaceArgs(np.int32(0), np.zeros(PARAMS_LENGTH), interpreter.program_of(()))


def kernel_index(fn: SurfaceFn) -> int:
    """The branch of ``fn``; a function outside the table has none (ValueError)."""
    for index, known in enumerate(KERNEL_FUNCTIONS):
        if known is fn:
            return index
    raise ValueError(f"{getattr(fn, '__name__', fn)!r} is not one of the kernel surfaces")


def _branches(
    built_in: Callable[[SurfaceFn], Callable[[Array, Array], object]],
    typed: Callable[[Array, Array, Program], object],
) -> list[Callable[[Array, Array, Program], object]]:
    def wrap(fn: SurfaceFn) -> Callable[[Array, Array, Program], object]:
        derived = built_in(fn)
        return lambda points, params, program: derived(points, params)

    return [*(wrap(fn) for fn in KERNEL_FUNCTIONS), typed]


def _batched_value_and_gradient(fn: SurfaceFn) -> Callable[[Array, Array], object]:
    return jax.vmap(jax.value_and_grad(fn), in_axes=(0, None))


def _derivatives_of(fn: SurfaceFn) -> Callable[[Array, Array], object]:
    def derivatives(point: Array, params: Array) -> tuple[Array, Array, Array]:
        value, gradient = jax.value_and_grad(fn)(point, params)
        return value, gradient, jax.jacfwd(jax.grad(fn))(point, params)

    return derivatives


# Jitted, though only ever called inside the kernels: JAX then traces it once per batch
# size and every kernel that calls it reuses that trace (tracing, not compiling, is most
# of a start-up from a filled compilation cache).
@jax.jit
def values_and_gradients(points: Array, surface: SurfaceArgs) -> tuple[Array, Array]:
    """f and ∇f at each of ``points`` ``(n, 2)``: ``(n,)`` and ``(n, 2)``.

    Batched by hand rather than ``vmap``-ed from outside: the switch then sees one
    index and batched branches, and JAX never batches the typed branch's loop.
    """
    branches = _branches(_batched_value_and_gradient, interpreter.value_and_gradient)
    args = (points, jnp.asarray(surface.params), surface.program)
    return jax.lax.switch(surface.kernel, branches, *args)


def derivatives(point: Array, surface: SurfaceArgs) -> tuple[Array, Array, Array]:
    """f(point), ∇f(point) and the Hessian there."""
    branches = _branches(_derivatives_of, interpreter.derivatives)
    args = (point, jnp.asarray(surface.params), surface.program)
    return jax.lax.switch(surface.kernel, branches, *args)
