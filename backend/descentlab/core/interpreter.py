"""Typed surfaces as data: an instruction set, and one jitted stack machine that runs it.

A typed f(x, y) is not compiled to its own XLA program. ``expressions`` turns the text
into a *program*: a fixed-size array of instructions (push x, push y, push constant k,
apply a function) in post-order, and the constants it pushes. ``evaluate`` runs any such
program inside the engine's kernels, so a new expression, however large or deep, costs
no compile at all: it is an argument like a start point. Measured trade-off (see
docs/BENCHMARKS.md): a typed surface runs several times slower than a built-in one, and
a new structure answers as fast as a known one.

The machine carries dual numbers: every stack entry is (value, ∂/∂x, ∂/∂y), and each
instruction applies the chain rule with its function's own JAX derivative. Forward mode
suits two inputs, and it keeps the loop a plain ``while_loop`` (JAX cannot reverse-
differentiate a loop whose length is an argument). A partial derivative times an exactly
zero tangent contributes nothing, as in JAX's own differentiation, where a constant's
tangent is a symbolic zero: ∂/∂y of ``x^0.5`` at x = 0 is 0, not ∞·0.
"""

from collections.abc import Callable, Mapping
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

# ---------------------------------------------------------------- the instruction set

UNARY: Mapping[str, Callable[[Array], Array]] = {
    "sin": jnp.sin,
    "cos": jnp.cos,
    "tan": jnp.tan,
    "arcsin": jnp.arcsin,
    "arccos": jnp.arccos,
    "arctan": jnp.arctan,
    "sinh": jnp.sinh,
    "cosh": jnp.cosh,
    "tanh": jnp.tanh,
    "arcsinh": jnp.arcsinh,
    "arccosh": jnp.arccosh,
    "arctanh": jnp.arctanh,
    "exp": jnp.exp,
    "log": jnp.log,
    "log2": jnp.log2,
    "log10": jnp.log10,
    "sqrt": jnp.sqrt,
    "cbrt": jnp.cbrt,
    "abs": jnp.abs,
    "sign": jnp.sign,
}
BINARY: Mapping[str, Callable[[Array, Array], Array]] = {
    "min": jnp.minimum,
    "max": jnp.maximum,
    "pow": jnp.power,
    "hypot": jnp.hypot,
    "arctan2": jnp.arctan2,
}
# Operators of the grammar; "pow" is both an operator (^, **) and a function, one instruction.
OPERATORS: Mapping[str, Callable[..., Array]] = {
    "neg": jnp.negative,
    "add": jnp.add,
    "sub": jnp.subtract,
    "mul": jnp.multiply,
    "div": jnp.divide,
    "pow": jnp.power,
}

PUSH_X, PUSH_Y, PUSH_CONSTANT = 0, 1, 2
_APPLIED_UNARY: Mapping[str, Callable[[Array], Array]] = {"neg": jnp.negative, **UNARY}
_APPLIED_BINARY: Mapping[str, Callable[[Array, Array], Array]] = {
    **{name: OPERATORS[name] for name in ("add", "sub", "mul", "div")},
    **BINARY,
}
FIRST_UNARY = 3
FIRST_BINARY = FIRST_UNARY + len(_APPLIED_UNARY)
INTEGER_POWER = FIRST_BINARY + len(_APPLIED_BINARY)  # operand: the exponent, |n| ≤ 16
OPCODES: Mapping[str, int] = {
    **{name: FIRST_UNARY + i for i, name in enumerate(_APPLIED_UNARY)},
    **{name: FIRST_BINARY + i for i, name in enumerate(_APPLIED_BINARY)},
    "ipow": INTEGER_POWER,
}
# How each opcode moves the stack pointer.
STACK_EFFECT = np.array(
    [1, 1, 1, *[0] * len(_APPLIED_UNARY), *[-1] * len(_APPLIED_BINARY), 0], dtype=np.int32
)
MAX_EXPONENT_BITS = 5  # |n| ≤ 16 < 2⁵

# Fixed sizes: every program has this shape, whatever its expression.
PROGRAM_LENGTH = 200  # instructions, and constants
STACK_DEPTH = 48


# A traced array inside a kernel; a NumPy array or scalar where the host builds arguments.
Arrayish = Array | np.ndarray | np.generic


class Program(NamedTuple):
    """One typed surface's instructions; leading axis: ``PROGRAM_LENGTH``."""

    code: Arrayish  # (PROGRAM_LENGTH,) int32 opcodes
    operand: Arrayish  # (PROGRAM_LENGTH,) int32: constant index or exponent
    length: Arrayish  # () int32: how many instructions run


# (opcode, operand) pairs in the order they run: hashable, so an objective can be a key.
Instructions = tuple[tuple[int, int], ...]


def program_of(instructions: Instructions) -> Program:
    """The fixed-size arrays of ``instructions`` (none: the empty program of a built-in)."""
    if len(instructions) > PROGRAM_LENGTH:
        raise ValueError(f"at most {PROGRAM_LENGTH} instructions, got {len(instructions)}")
    code = np.zeros(PROGRAM_LENGTH, dtype=np.int32)
    operand = np.zeros(PROGRAM_LENGTH, dtype=np.int32)
    if instructions:
        code[: len(instructions)], operand[: len(instructions)] = zip(*instructions, strict=True)
    return Program(code, operand, np.int32(len(instructions)))


# ---------------------------------------------------------------- dual numbers
#
# A stack entry holds, for every point of the batch (last axis), the value and its
# derivatives: (f, f_x, f_y) at order 1, and also (f_xx, f_xy, f_yy) at order 2.

Jet = Array  # (3 or 6, points)


def _times(partial: Array, tangent: Array) -> Array:
    """partial · tangent; an infinite (or NaN) partial times a zero tangent is zero.

    Only the product is guarded, not every zero tangent, and a tangent that is merely
    zero here contributes as usual elsewhere.
    """
    return jnp.where(jnp.isfinite(partial) | (tangent != 0.0), partial * tangent, 0.0)


def _integer_power(base: Array, exponent: Array) -> Array:
    """base^n by squaring, the way ``lax.integer_pow`` computes a static n (x² is x·x)."""
    magnitude = jnp.abs(exponent)

    def square_and_multiply(bit: int | Array, carry: tuple[Array, Array]) -> tuple[Array, Array]:
        result, power = carry
        result = jnp.where((magnitude >> bit) & 1 == 1, result * power, result)
        return result, power * power

    result, _ = jax.lax.fori_loop(
        0, MAX_EXPONENT_BITS, square_and_multiply, (jnp.ones_like(base), base)
    )
    return jnp.where(exponent < 0, 1.0 / result, result)


def _chain_unary(function: Callable[[Array], Array], inner: Jet, order: int) -> Jet:
    """The jet of f(a) from the jet of a: the chain rule to first or second order, with
    f′ (and f″) from JAX's own derivative rules."""
    a, gx, gy = inner[0], inner[1], inner[2]
    one = jnp.ones_like(a)

    def first(u: Array) -> tuple[Array, Array]:
        return jax.jvp(function, (u,), (one,))

    if order == 1:
        value, slope = first(a)
        return jnp.stack([value, _times(slope, gx), _times(slope, gy)])
    (value, slope), (_, curvature) = jax.jvp(first, (a,), (one,))
    out = [value, _times(slope, gx), _times(slope, gy)]
    for h, (u, v) in zip(inner[3:], ((gx, gx), (gx, gy), (gy, gy)), strict=True):
        out.append(_times(slope, h) + _times(curvature, u * v))
    return jnp.stack(out)


def _unary(function: Callable[[Array], Array], order: int) -> Callable[[Jet, Jet, Array], Jet]:
    def apply(top: Jet, below: Jet, operand: Array) -> Jet:
        del below, operand
        return _chain_unary(function, top, order)

    return apply


def _power(order: int) -> Callable[[Jet, Jet, Array], Jet]:
    def apply(top: Jet, below: Jet, operand: Array) -> Jet:
        del below
        return _chain_unary(lambda u: _integer_power(u, operand), top, order)

    return apply


def _binary(
    function: Callable[[Array, Array], Array], order: int
) -> Callable[[Jet, Jet, Array], Jet]:
    def partials(u: Array, v: Array) -> tuple[Array, Array, Array]:
        one = jnp.ones_like(u)
        value, by_u = jax.jvp(lambda s: function(s, v), (u,), (one,))
        _, by_v = jax.jvp(lambda s: function(u, s), (v,), (one,))
        return value, by_u, by_v

    def apply(top: Jet, below: Jet, operand: Array) -> Jet:
        del operand
        a, b = below, top  # f(a, b): a was pushed first
        one = jnp.ones_like(a[0])
        if order == 1:
            value, fa, fb = partials(a[0], b[0])
        else:
            (value, fa, fb), (_, faa, fab) = jax.jvp(lambda s: partials(s, b[0]), (a[0],), (one,))
        out = [
            value,
            _times(fa, a[1]) + _times(fb, b[1]),
            _times(fa, a[2]) + _times(fb, b[2]),
        ]
        if order == 2:
            _, (_, _, fbb) = jax.jvp(lambda s: partials(a[0], s), (b[0],), (one,))
            pairs = ((1, 1), (1, 2), (2, 2))  # (x, x), (x, y), (y, y)
            for h, (i, j) in zip(range(3, 6), pairs, strict=True):
                cross = a[i] * b[j] + b[i] * a[j]
                out.append(
                    _times(fa, a[h])
                    + _times(fb, b[h])
                    + _times(faa, a[i] * a[j])
                    + _times(fab, cross)
                    + _times(fbb, b[i] * b[j])
                )
        return jnp.stack(out)

    return apply


# ---------------------------------------------------------------- the machine


def evaluate(points: Array, constants: Arrayish, program: Program, order: int = 1) -> Jet:
    """The program at every point of ``points`` ``(n, 2)``: ``(3, n)`` at order 1
    (f, f_x, f_y), ``(6, n)`` at order 2 (and f_xx, f_xy, f_yy).

    One loop iteration per instruction, on the whole batch at once; written batched
    rather than ``vmap``-ed, which keeps tracing cheap (JAX batches a loop by tracing
    it again and again).
    """
    constants = jnp.asarray(constants)
    x, y = points[:, 0], points[:, 1]
    zero, one = jnp.zeros_like(x), jnp.ones_like(x)
    second = [zero] * 3 if order == 2 else []

    def push(value: Array, gx: Array, gy: Array) -> Callable[[Jet, Jet, Array], Jet]:
        return lambda top, below, operand: jnp.stack([value, gx, gy, *second])

    def push_constant(top: Jet, below: Jet, operand: Array) -> Jet:
        return jnp.stack([jnp.broadcast_to(constants[operand], x.shape), zero, zero, *second])

    branches = [
        push(x, one, zero),
        push(y, zero, one),
        push_constant,
        *(_unary(f, order) for f in _APPLIED_UNARY.values()),
        *(_binary(f, order) for f in _APPLIED_BINARY.values()),
        _power(order),
    ]
    effect = jnp.asarray(STACK_EFFECT)
    code, operands = jnp.asarray(program.code), jnp.asarray(program.operand)

    def step(i: Array, carry: tuple[Array, Array]) -> tuple[Array, Array]:
        height, stack = carry
        opcode, operand = code[i], operands[i]
        top = stack[jnp.maximum(height - 1, 0)]
        below = stack[jnp.maximum(height - 2, 0)]
        result = jax.lax.switch(opcode, branches, top, below, operand)
        height = height + effect[opcode]
        return height, jax.lax.dynamic_update_index_in_dim(stack, result, height - 1, 0)

    size = 3 if order == 1 else 6
    stack = jnp.zeros((STACK_DEPTH, size, points.shape[0]), dtype=points.dtype)
    length = jnp.asarray(program.length)
    _, stack = jax.lax.fori_loop(0, length, step, (jnp.int32(0), stack))
    return stack[0]


def value_and_gradient(points: Array, constants: Arrayish, program: Program) -> tuple[Array, Array]:
    """``(n,)`` values and ``(n, 2)`` gradients."""
    jet = evaluate(points, constants, program)
    return jet[0], jet[1:3].T


def derivatives(point: Array, constants: Arrayish, program: Program) -> tuple[Array, Array, Array]:
    """Value, gradient and Hessian at one point."""
    jet = evaluate(point[None], constants, program, order=2)[:, 0]
    hxx, hxy, hyy = jet[3], jet[4], jet[5]
    return jet[0], jet[1:3], jnp.stack([jnp.stack([hxx, hxy]), jnp.stack([hxy, hyy])])
