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
        return lambda point, params, program: derived(point, params)

    return [*(wrap(fn) for fn in KERNEL_FUNCTIONS), typed]


def _value_of(fn: SurfaceFn) -> Callable[[Array, Array], Array]:
    return fn


def _value_and_gradient_of(fn: SurfaceFn) -> Callable[[Array, Array], tuple[Array, Array]]:
    return jax.value_and_grad(fn)


def _derivatives_of(fn: SurfaceFn) -> Callable[[Array, Array], tuple[Array, Array, Array]]:
    def derivatives(point: Array, params: Array) -> tuple[Array, Array, Array]:
        value, gradient = jax.value_and_grad(fn)(point, params)
        return value, gradient, jax.jacfwd(jax.grad(fn))(point, params)

    return derivatives


def _typed_value(point: Array, params: Array, program: Program) -> Array:
    return interpreter.evaluate(point, params, program)[0]


def value(point: Array, surface: SurfaceArgs) -> Array:
    """f(point)."""
    branches = _branches(_value_of, _typed_value)
    return jax.lax.switch(surface.kernel, branches, point, surface.params, surface.program)


def value_and_gradient(point: Array, surface: SurfaceArgs) -> tuple[Array, Array]:
    """f(point) and ∇f(point)."""
    branches = _branches(_value_and_gradient_of, interpreter.value_and_gradient)
    return jax.lax.switch(surface.kernel, branches, point, surface.params, surface.program)


def derivatives(point: Array, surface: SurfaceArgs) -> tuple[Array, Array, Array]:
    """f(point), ∇f(point) and the Hessian there."""
    branches = _branches(_derivatives_of, interpreter.derivatives)
    return jax.lax.switch(surface.kernel, branches, point, surface.params, surface.program)
