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

Dual = Array  # (3,): value, ∂/∂x, ∂/∂y


def _times(partial: Array, tangent: Array) -> Array:
    """partial · tangent; an infinite (or NaN) partial times a zero tangent is zero.

    Only the product is guarded, not every zero tangent: a tangent that is zero at this
    point may still change nearby, and the Hessian (forward mode over this) needs that.
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


def _unary(function: Callable[[Array], Array]) -> Callable[[Dual, Dual, Array], Dual]:
    def apply(top: Dual, below: Dual, operand: Array) -> Dual:
        del below, operand
        value, slope = jax.jvp(function, (top[0],), (jnp.ones_like(top[0]),))
        return jnp.stack([value, _times(slope, top[1]), _times(slope, top[2])])

    return apply


def _binary(function: Callable[[Array, Array], Array]) -> Callable[[Dual, Dual, Array], Dual]:
    def apply(top: Dual, below: Dual, operand: Array) -> Dual:
        del operand
        left, right = below[0], top[0]
        one = jnp.ones_like(left)
        value, by_left = jax.jvp(lambda u: function(u, right), (left,), (one,))
        _, by_right = jax.jvp(lambda u: function(left, u), (right,), (one,))
        return jnp.stack(
            [
                value,
                _times(by_left, below[1]) + _times(by_right, top[1]),
                _times(by_left, below[2]) + _times(by_right, top[2]),
            ]
        )

    return apply


def _power(top: Dual, below: Dual, operand: Array) -> Dual:
    del below
    value, slope = jax.jvp(
        lambda u: _integer_power(u, operand), (top[0],), (jnp.ones_like(top[0]),)
    )
    return jnp.stack([value, _times(slope, top[1]), _times(slope, top[2])])


# ---------------------------------------------------------------- the machine


def evaluate(point: Array, constants: Arrayish, program: Program) -> Dual:
    """(f, ∂f/∂x, ∂f/∂y) at ``point``: the program's instructions, one loop iteration each."""
    constants = jnp.asarray(constants)
    x, y = point[0], point[1]
    zero, one = jnp.zeros_like(x), jnp.ones_like(x)
    pushes = (
        lambda operand: jnp.stack([x, one, zero]),
        lambda operand: jnp.stack([y, zero, one]),
        lambda operand: jnp.stack([constants[operand], zero, zero]),
    )
    applies = (
        *(_unary(f) for f in _APPLIED_UNARY.values()),
        *(_binary(f) for f in _APPLIED_BINARY.values()),
        _power,
    )
    branches = [
        *(lambda top, below, operand, push=push: push(operand) for push in pushes),
        *applies,
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
        return height, stack.at[height - 1].set(result)

    stack = jnp.zeros((STACK_DEPTH, 3), dtype=point.dtype)
    length = jnp.asarray(program.length)
    _, stack = jax.lax.fori_loop(0, length, step, (jnp.int32(0), stack))
    return stack[0]


def value_and_gradient(point: Array, constants: Arrayish, program: Program) -> tuple[Array, Array]:
    dual = evaluate(point, constants, program)
    return dual[0], dual[1:]


def derivatives(point: Array, constants: Arrayish, program: Program) -> tuple[Array, Array, Array]:
    """Value, gradient and Hessian (forward mode over the machine's own gradient)."""
    value, gradient = value_and_gradient(point, constants, program)
    hessian = jax.jacfwd(lambda p: value_and_gradient(p, constants, program)[1])(point)
    return value, gradient, hessian
