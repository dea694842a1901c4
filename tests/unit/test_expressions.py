"""The expression compiler: it computes what the text says, and rejects everything else.

Property tests (Hypothesis) build random expression trees, render them as text with
Python's own ``ast.unparse`` (minimal parentheses, so precedence is exercised), and
compare the compiled function with an independent NumPy evaluation of the same tree.
Floating-point results of random trees are compared with a propagated error bound (see
``_bounded``), not a fixed tolerance: a difference of one ulp in ``exp`` may become a
large one after a cancellation, and both sides are then equally right.

Hostile inputs (random text, soups of the grammar's own tokens, valid trees with one
forbidden node inside, and a fixed list of known attacks) must raise ``ExpressionError``
and nothing else.
"""

import ast
import keyword
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from descentlab.core import expressions, interpreter
from descentlab.core.analysis import DERIVATIVES, analyze_point
from descentlab.core.expressions import (
    ALIASES,
    BINARY,
    DEFAULT_DOMAIN,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    UNARY,
    CompiledExpression,
    ExpressionError,
    compile_expression,
    parse_expression,
)
from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, run_trajectories
from tests.compile_counter import count_compiles

# Derandomized (the same examples every run: no flaky failures) and without an example
# database (Hypothesis still caches source constants under .hypothesis/).
PROPERTIES = settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# ---------------------------------------------------------------- an independent evaluator

NUMPY_UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "arcsin": np.arcsin,
    "arccos": np.arccos,
    "arctan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "arcsinh": np.arcsinh,
    "arccosh": np.arccosh,
    "arctanh": np.arctanh,
    "exp": np.exp,
    "log": np.log,
    "log2": np.log2,
    "log10": np.log10,
    "sqrt": np.sqrt,
    "cbrt": np.cbrt,
    "abs": np.abs,
    "sign": np.sign,
}
NUMPY_BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "min": np.minimum,
    "max": np.maximum,
    "pow": np.power,
    "hypot": np.hypot,
    "arctan2": np.arctan2,
}
NUMPY_ALIASES = {
    "ln": "log",
    "asin": "arcsin",
    "acos": "arccos",
    "atan": "arctan",
    "asinh": "arcsinh",
    "acosh": "arccosh",
    "atanh": "arctanh",
    "atan2": "arctan2",
}
OPERATORS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "pow": np.power,
}
AST_OPERATORS = {"add": ast.Add, "sub": ast.Sub, "mul": ast.Mult, "div": ast.Div, "pow": ast.Pow}

# Every pair from these coordinates: zeros, signs, values inside and outside [-1, 1].
COORDINATES = np.array([-2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0])
POINTS = np.stack(np.meshgrid(COORDINATES, COORDINATES), axis=-1).reshape(-1, 2)


def _evaluate_at(points: jax.Array, constants: jax.Array, program: interpreter.Program) -> Any:
    return interpreter.evaluate(points, constants, program, order=2).T


# One compile for every expression of the file: the program is data.
_evaluate_jitted = jax.jit(_evaluate_at)


def _jets(compiled: CompiledExpression, points: np.ndarray) -> np.ndarray:
    """(f, f_x, f_y, f_xx, f_xy, f_yy) at each point, by the interpreter the engine runs."""
    objective = Objective.typed(compiled.instructions, compiled.constants, DEFAULT_DOMAIN)
    args = objective.args()
    return np.asarray(_evaluate_jitted(jnp.asarray(points), args.params, args.program))


def _values(compiled: CompiledExpression, points: np.ndarray = POINTS) -> np.ndarray:
    return _jets(compiled, points)[:, 0]


EPS = float(np.finfo(np.float64).eps)
SLACK = 16.0  # ulps by which two correct implementations of one primitive may differ
# XLA on CPU flushes subnormal numbers to zero; NumPy keeps them.
SUBNORMAL = float(np.finfo(np.float64).tiny)

Tree = tuple[Any, ...]  # ("x",) ("y",) ("pi",) ("e",) ("num", v) ("neg", t) ("bin", op, a, b)
# ("call", name, *args)


def _deviation(corner: np.ndarray, value: np.ndarray) -> np.ndarray:
    """|corner − value|, 0 where both are the same infinity or both NaN, ∞ where only one is NaN."""
    same = (corner == value) | (np.isnan(corner) & np.isnan(value))
    gap = np.abs(corner - value)
    return np.where(same, 0.0, np.where(np.isnan(gap), np.inf, gap))


def _widened(value: np.ndarray, error: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The input interval a correct implementation may effectively have seen."""
    width = error + SLACK * EPS * np.abs(value)
    return value - width, value + width


def _bounded(
    op: Callable[..., np.ndarray], *arguments: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """``op`` at the arguments' values, and a bound on how far a correct evaluation may be.

    Each argument is an interval (value ± error, widened by a few ulps for backward
    stability); the bound is the largest deviation of ``op`` over the intervals' ends and
    zero where an interval contains it (where even powers, ``abs`` and ``cosh`` turn),
    plus a few ulps of the result.
    """
    value = op(*(v for v, _ in arguments))
    candidates = []
    for v, e in arguments:
        low, high = _widened(v, e)
        candidates.append((low, high, np.clip(0.0, low, high)))
    deviation = np.zeros_like(value)
    for choice in np.ndindex(*(3,) * len(candidates)):
        probe = op(*(c[i] for c, i in zip(candidates, choice, strict=True)))
        deviation = np.maximum(deviation, _deviation(probe, value))
    own = SLACK * EPS * np.abs(np.where(np.isfinite(value), value, 0.0)) + SUBNORMAL
    error = deviation + own
    return value, np.where(np.isnan(error), np.inf, error)


def _literal_exponent(tree: Tree) -> float | None:
    if tree[0] == "num":
        return float(tree[1])
    if tree[0] == "neg" and tree[1][0] == "num":
        return -float(tree[1][1])
    return None


def _power(base: tuple[np.ndarray, np.ndarray], exponent_tree: Tree, exponent: Any) -> Any:
    literal = _literal_exponent(exponent_tree)
    if literal is not None:  # a typed number is exact: only the base is uncertain
        return _bounded(lambda a: np.power(a, literal), base)
    return _bounded(np.power, base, exponent)


def _numpy(tree: Tree, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The tree's value at (x, y), and a bound on the error of any correct evaluation."""
    zero = np.zeros_like(x)
    kind = tree[0]
    if kind in ("x", "y"):
        return (x if kind == "x" else y), zero
    if kind == "pi":
        return zero + math.pi, zero
    if kind == "e":
        return zero + math.e, zero
    if kind == "num":
        value = float(tree[1])
        return zero + value, zero + (SUBNORMAL if 0.0 < value < SUBNORMAL else 0.0)
    if kind == "neg":
        value, error = _numpy(tree[1], x, y)
        return -value, error
    if kind == "bin":
        _, op, left, right = tree
        a, b = _numpy(left, x, y), _numpy(right, x, y)
        if op == "pow":
            return _power(a, right, b)
        return _bounded(OPERATORS[op], a, b)
    name = NUMPY_ALIASES.get(tree[1], tree[1])
    arguments = [_numpy(argument, x, y) for argument in tree[2:]]
    if name in NUMPY_UNARY:
        return _bounded(NUMPY_UNARY[name], *arguments)
    if name == "pow":
        return _power(arguments[0], tree[3], arguments[1])
    return _bounded(NUMPY_BINARY[name], *arguments)


def _to_ast(tree: Tree) -> ast.expr:
    kind = tree[0]
    if kind in ("x", "y", "pi", "e"):
        return ast.Name(id=kind, ctx=ast.Load())
    if kind == "num":
        return ast.Constant(value=tree[1])
    if kind == "neg":
        return ast.UnaryOp(op=ast.USub(), operand=_to_ast(tree[1]))
    if kind == "bin":
        _, op, left, right = tree
        return ast.BinOp(left=_to_ast(left), op=AST_OPERATORS[op](), right=_to_ast(right))
    arguments = [_to_ast(argument) for argument in tree[2:]]
    return ast.Call(func=ast.Name(id=tree[1], ctx=ast.Load()), args=arguments, keywords=[])


def _render(node: ast.expr, carets: list[bool]) -> str:
    """Python's own minimal-parentheses text; each ``**`` becomes ``^`` where ``carets`` says."""
    parts = ast.unparse(ast.fix_missing_locations(node)).split("**")
    text = parts[0]
    for index, part in enumerate(parts[1:]):
        text += ("^" if carets[index % len(carets)] else "**") + part
    return text


def _size(node: ast.AST) -> tuple[int, int]:
    """Expression nodes and nesting depth, as the compiler counts them."""
    children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
    sizes = [_size(child) for child in children]
    return 1 + sum(n for n, _ in sizes), 1 + max((d for _, d in sizes), default=0)


NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=20),
    st.sampled_from([0.5, 0.25, 1.5, 2.5, 0.1, 1e-3, 100.0, 3.0, 1e6]),
    st.floats(min_value=0.0, max_value=1e3, allow_nan=False, allow_infinity=False),
)
UNARY_NAMES = sorted([*UNARY, *(a for a, n in ALIASES.items() if n in UNARY)])
BINARY_NAMES = sorted([*BINARY, *(a for a, n in ALIASES.items() if n in BINARY)])
LEAVES: st.SearchStrategy[Tree] = st.one_of(
    st.sampled_from([("x",), ("y",), ("pi",), ("e",)]),
    NUMBERS.map(lambda v: ("num", v)),
)


def _extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        children.map(lambda t: ("neg", t)),
        st.tuples(st.just("bin"), st.sampled_from(list(AST_OPERATORS)), children, children),
        st.tuples(st.just("call"), st.sampled_from(UNARY_NAMES), children),
        st.tuples(st.just("call"), st.sampled_from(BINARY_NAMES), children, children),
    )


TREES = st.recursive(LEAVES, _extend, max_leaves=12)
CARETS = st.lists(st.booleans(), min_size=1, max_size=4)


def _fits(node: ast.expr, text: str) -> bool:
    nodes, depth = _size(node)
    return len(text) <= MAX_LENGTH and nodes <= MAX_NODES and depth <= MAX_DEPTH


def _assert_agrees(
    compiled_values: np.ndarray, tree: Tree, text: str, points: np.ndarray = POINTS
) -> None:
    with np.errstate(all="ignore"):
        expected, error = _numpy(tree, points[:, 0], points[:, 1])
        close = np.abs(compiled_values - expected) <= 2.0 * error
    decided = np.isfinite(error)  # ∞: the tree is at a boundary (a NaN edge, an overflow)
    both_nan = np.isnan(compiled_values) & np.isnan(expected)
    same_inf = np.isinf(expected) & (compiled_values == expected)
    good = ~decided | both_nan | same_inf | close
    bad = np.flatnonzero(~good)
    assert bad.size == 0, (
        f"{text!r} at {points[bad[0]]}: compiled {compiled_values[bad[0]]!r}, "
        f"NumPy {expected[bad[0]]!r} ± {error[bad[0]]!r}"
    )


def test_the_reference_covers_exactly_the_compilers_functions() -> None:
    assert set(NUMPY_UNARY) == set(UNARY)
    assert set(NUMPY_BINARY) == set(BINARY)
    assert dict(ALIASES) == NUMPY_ALIASES


@pytest.mark.parametrize("name", [*UNARY_NAMES, *BINARY_NAMES])
def test_every_function_matches_numpy(name: str) -> None:
    # Every function at every point, so none depends on the random trees reaching it.
    arguments = [("x",), ("bin", "sub", ("y",), ("num", 0.25))][: 1 if name in UNARY_NAMES else 2]
    tree: Tree = ("call", name, *arguments)
    text = ast.unparse(_to_ast(tree))
    compiled = compile_expression(text)
    _assert_agrees(_values(compiled), tree, text)
    with np.errstate(all="ignore"):
        _, error = _numpy(tree, POINTS[:, 0], POINTS[:, 1])
    assert np.isfinite(error).sum() >= 0.75 * len(POINTS)  # the comparison decides most points


def _admitted_text(tree: Tree, carets: list[bool] | None = None) -> str:
    """The tree as text, skipping (Hypothesis ``assume``) trees beyond the caps."""
    node = _to_ast(tree)
    text = _render(node, [True] if carets is None else carets)
    assume(_fits(node, text))
    return text


@PROPERTIES
@given(tree=TREES, carets=CARETS)
def test_every_valid_expression_matches_numpy(tree: Tree, carets: list[bool]) -> None:
    text = _admitted_text(tree, carets)
    compiled = compile_expression(text)
    _assert_agrees(_values(compiled), tree, text)


JAX_BINARY: dict[str, Callable[..., Any]] = {
    "add": jnp.add,
    "sub": jnp.subtract,
    "mul": jnp.multiply,
    "div": jnp.divide,
    "pow": jnp.power,
    "min": jnp.minimum,
    "max": jnp.maximum,
    "hypot": jnp.hypot,
    "arctan2": jnp.arctan2,
}


def _jax_value(tree: Tree, point: jax.Array) -> jax.Array:
    """The tree as plain jnp calls: a second implementation, for JAX's own gradient."""
    kind = tree[0]
    if kind in ("x", "y"):
        return point[0 if kind == "x" else 1]
    if kind in ("pi", "e"):
        return jnp.asarray(math.pi if kind == "pi" else math.e)
    if kind == "num":
        return jnp.asarray(float(tree[1]))
    if kind == "neg":
        return -_jax_value(tree[1], point)
    if kind == "bin":
        return JAX_BINARY[tree[1]](_jax_value(tree[2], point), _jax_value(tree[3], point))
    name = NUMPY_ALIASES.get(tree[1], tree[1])
    function = JAX_BINARY[name] if name in NUMPY_BINARY else getattr(jnp, name)
    return function(*(_jax_value(argument, point) for argument in tree[2:]))  # type: ignore[no-any-return]


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(tree=TREES)
def test_the_interpreters_gradient_is_jaxs_reverse_mode_gradient(tree: Tree) -> None:
    # Forward-mode dual numbers (the interpreter) against JAX's reverse mode of the same
    # formula written as jnp calls: the same products, summed in another order.
    text = _admitted_text(tree)
    gradient = _jets(compile_expression(text), POINTS)[:, 1:3]
    expected = np.asarray(jax.vmap(jax.grad(lambda p: _jax_value(tree, p)))(jnp.asarray(POINTS)))
    assert np.array_equal(np.isfinite(gradient), np.isfinite(expected)), text
    both = np.isfinite(gradient)
    gap = np.abs(gradient[both] - expected[both])
    scale = np.maximum(1.0, np.abs(expected[both]))
    worst = int(np.argmax(gap / scale)) if gap.size else 0
    assert np.all(gap <= 1e-9 * scale), (text, gradient[both][worst], expected[both][worst])


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(tree=TREES)
def test_the_interpreters_hessian_is_jaxs_hessian(tree: Tree) -> None:
    # Second order: the interpreter's own chain rule against jax.hessian of the jnp formula.
    text = _admitted_text(tree)
    jets = _jets(compile_expression(text), POINTS)
    ours = np.stack([jets[:, 3], jets[:, 4], jets[:, 4], jets[:, 5]], axis=1)
    full = jax.vmap(jax.hessian(lambda p: _jax_value(tree, p)))(jnp.asarray(POINTS))
    expected = np.asarray(full).reshape(-1, 4)
    defined = np.isfinite(jets[:, :3]).all(axis=1)  # a NaN value has no derivatives to compare
    assume(defined.any())
    ours, expected = ours[defined], expected[defined]
    both = np.isfinite(ours) & np.isfinite(expected)
    # At a singular point (0^y, say) the two may differ on whether a term is 0 or NaN.
    agree = np.isfinite(ours) == np.isfinite(expected)
    assert agree.mean() >= 0.9, (text, ours[~agree][:4], expected[~agree][:4])
    gap = np.abs(ours[both] - expected[both])
    scale = np.maximum(1.0, np.abs(expected[both]))
    assert np.all(gap <= 1e-8 * scale), text


@settings(max_examples=15, deadline=None, database=None, derandomize=True)
@given(tree=TREES)
def test_valid_expressions_match_numpy_inside_the_jitted_grid_kernel(tree: Tree) -> None:
    # The same property through the engine's compiled kernel (XLA may fuse and reorder).
    text = _admitted_text(tree)
    compiled = compile_expression(text)
    objective = Objective.typed(
        compiled.instructions, compiled.constants, ((-2.5, 3.0), (-2.5, 3.0))
    )
    grid = evaluate_grid(objective, 12)  # steps of 0.5 from -2.5: zeros and signs included
    on_grid = np.stack(np.meshgrid(grid.x, grid.y), axis=-1).reshape(-1, 2)
    _assert_agrees(grid.z.reshape(-1), tree, text, on_grid)


# ---------------------------------------------------------------- precedence, by hand

PRECEDENCE = {
    # text: NumPy formula of what a mathematician reads
    "x^2 + 1": lambda x, y: x**2 + 1,
    "-x^2": lambda x, y: -(x**2),
    "2^3^2": lambda x, y: 2.0 ** (3.0**2) + 0 * x,
    "x^-1": lambda x, y: 1 / x,
    "2*x^2*y": lambda x, y: 2 * x**2 * y,
    "x - y - 1": lambda x, y: (x - y) - 1,
    "x / y / 2": lambda x, y: (x / y) / 2,
    "-x - -y": lambda x, y: -x + y,
    "x^y^2": lambda x, y: x ** (y**2),
    "(1 - x)^2 + 100*(y - x^2)^2": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "e^x * pi": lambda x, y: np.exp(x) * np.pi,
    "sin(x)^2 + cos(x)^2": lambda x, y: np.sin(x) ** 2 + np.cos(x) ** 2,
    "  x*y\n": lambda x, y: x * y,
}


@pytest.mark.parametrize("text", PRECEDENCE)
def test_powers_bind_as_in_mathematics(text: str) -> None:
    compiled = compile_expression(text)
    with np.errstate(all="ignore"):
        expected = PRECEDENCE[text](POINTS[:, 0], POINTS[:, 1])
    np.testing.assert_allclose(_values(compiled), expected, rtol=1e-14, atol=1e-300)


def test_caret_and_double_star_aliases_and_pow_are_one_program() -> None:
    spellings = ["x^2 + atan(y)", "x**2 + arctan(y)", "pow(x, 2) + atan(y)", "x ^ 2+atan( y )"]
    programs = {compile_expression(text).instructions for text in spellings}
    assert len(programs) == 1


def test_numbers_are_constants_of_one_program() -> None:
    first = compile_expression("(1 - x)^2 + 100*(y - x^2)^2")
    second = compile_expression("(2.5 - x)^2 + 3e-2*(y - x^2)^2")
    other = compile_expression("(1 - x)^2 + 100*(y - x^3)^2")  # x^3: another instruction
    assert first.instructions == second.instructions != other.instructions
    assert first.constants == (1.0, 100.0) and second.constants == (2.5, 0.03)
    assert all(type(c) is float for c in (*first.constants, *second.constants))
    (value,) = _values(second, np.array([[1.0, 2.0]]))
    assert float(value) == pytest.approx(1.5**2 + 0.03 * 1.0)


def test_pi_and_e_are_constants_of_the_program() -> None:
    compiled = compile_expression("pi*x + e")
    assert compiled.constants == (math.pi, math.e)
    (value,) = _values(compiled, np.array([[2.0, 0.0]]))
    assert float(value) == 2 * math.pi + math.e


def test_huge_numbers_and_powers_are_floats_that_overflow_to_inf() -> None:
    for text in ("10^10^10", "9**9**9**9", "1e400*x", "1" + "0" * 400 + "*x", "10^400*x"):
        (value,) = _values(compile_expression(text), np.array([[1.0, 1.0]]))
        assert float(value) == math.inf, text
    assert compile_expression("1" + "0" * 400).constants == (math.inf,)


def test_default_domain_is_a_square_around_the_origin() -> None:
    assert DEFAULT_DOMAIN == ((-5.0, 5.0), (-5.0, 5.0))


# ---------------------------------------------------------------- caps and messages


def test_length_is_checked_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("ast.parse was called on an over-long text")

    monkeypatch.setattr(expressions.ast, "parse", refuse)
    for text in ("x" * (MAX_LENGTH + 1), "(" * 10_000 + "x" + ")" * 10_000, "x+" * 500_000 + "x"):
        with pytest.raises(ExpressionError, match=rf"expression too long \({len(text)} > 500"):
            parse_expression(text)


def test_node_count_and_depth_caps_hold_exactly_at_the_limit() -> None:
    parse_expression("-" * (MAX_DEPTH - 1) + "x")  # depth 40: allowed
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("-" * MAX_DEPTH + "x")
    # Four parenthesized sums of 30 terms: 239 nodes, 33 levels, 247 characters.
    group = "(" + "+".join(["x", "y"] * 15) + ")"
    text = "+".join([group] * 4)
    assert len(text) <= MAX_LENGTH
    with pytest.raises(ExpressionError, match=f"more than {MAX_NODES} terms"):
        parse_expression(text)
    parse_expression("+".join([group] * 3))  # 179 nodes: allowed


def _deepest(wrap: Callable[[str, int], str]) -> tuple[str, int]:
    """The most levels of ``wrap`` around ``x`` that the caps admit, and that count."""
    text = "x"
    for level in range(MAX_DEPTH + 1):
        candidate = wrap(text, level)
        try:
            parse_expression(candidate)
        except ExpressionError:
            return text, level
        text = candidate
    raise AssertionError("the depth cap never stopped the nesting")


def test_the_deepest_and_the_widest_admitted_expressions_evaluate_exactly() -> None:
    # x+(y+(x+(...))): every level keeps one more operand waiting on the stack.
    deep, levels = _deepest(lambda inner, level: f"{'xy'[level % 2]}+({inner})")
    assert levels >= MAX_DEPTH - 2
    points = np.array([[0.5, -0.25], [2.0, 3.0]])
    xs = deep.count("x")
    expected = xs * points[:, 0] + (levels + 1 - xs) * points[:, 1]
    np.testing.assert_allclose(_values(compile_expression(deep), points), expected, rtol=1e-15)
    group = "(" + "+".join(["x", "y"] * 15) + ")"
    wide = "+".join([group] * 3)  # 179 nodes: near the node cap
    np.testing.assert_allclose(
        _values(compile_expression(wide), points), 45 * (points[:, 0] + points[:, 1]), rtol=1e-14
    )
    chain, levels = _deepest(lambda inner, level: f"sin({inner})")
    assert levels >= MAX_DEPTH // 2 - 1
    expected_chain = points[:, 0]
    for _ in range(levels):
        expected_chain = np.sin(expected_chain)
    np.testing.assert_allclose(_values(compile_expression(chain), points), expected_chain)


def test_a_program_deeper_than_the_interpreters_stack_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The caps keep every admitted expression within the stack (above); the assembler
    # checks it anyway rather than let the interpreter overwrite its own stack.
    monkeypatch.setattr(expressions, "STACK_DEPTH", 3)
    compile_expression("x+(y+x)")  # needs 3
    with pytest.raises(ExpressionError, match="nested too deeply to evaluate"):
        compile_expression("x+(y+(x+y))")  # needs 4


def test_parentheses_alone_add_no_depth_but_python_caps_them() -> None:
    parse_expression("(" * 40 + "x" + ")" * 40)
    with pytest.raises(ExpressionError, match="syntax error"):
        parse_expression("(" * 240 + "x" + ")" * 240)


MESSAGES = {
    # text: (the error says this, at this column)
    "x + z": ("unknown name 'z'", 5),
    "1 + Y": ("did you mean y", 5),
    "sin(x, y)": ("sin takes 1 argument, got 2", 1),
    "sin()": ("sin takes 1 argument, got 0", 1),
    "max(x)": ("max takes 2 arguments, got 1", 1),
    "x.__class__": ("attribute access", 2),
    "x + foo(1)": ("unknown function 'foo'", 5),
    "2x": ("write 2*x", 1),
    "x + ": ("ends too early", 4),
    "2 × x": ("use *", 3),
    "x − 1": ("use -", 3),
    "х + 1": ("CYRILLIC SMALL LETTER HA", 1),
    "１ + x": ("use 1", 1),
    "x²": ("use ^2", 2),
    "x\0": ("NUL", 2),
    "x;y": ("';'", 2),
    "x\ny": ("line breaks", 2),
    "  x + z": ("unknown name 'z'", 7),
    "x^2 + q": ("unknown name 'q'", 7),  # '^' became '**': the column is still the user's
    "sin": ("is a function", 1),
    "x(y)": ("write x*(...)", 1),
    "x, y": ("tuples", 1),
    "1j": ("complex", 1),
    "True": ("True not allowed", 1),
    "x if y else 1": ("if-expressions", 1),
    "not x": ("'not' not allowed", 1),
    "x and y": ("'and' / 'or'", 1),
    "": ("empty", None),
}


@pytest.mark.parametrize("text", MESSAGES, ids=[repr(t) for t in MESSAGES])
def test_errors_say_what_and_where(text: str) -> None:
    mention, column = MESSAGES[text]
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert mention in str(caught.value)
    assert caught.value.column == column
    if column is not None:
        assert f"at column {column}" in str(caught.value)


# ---------------------------------------------------------------- hostile input

HOSTILE = [
    "__import__('os').system('ls')",
    "__import__",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "(1).real",
    "lambda: 1",
    "[x for x in y]",
    "(x for x in y)",
    '"a"',
    "'a'",
    "b'a'",
    "f'{x}'",
    "x if y else 1",
    "open('/etc/passwd')",
    "open",
    "eval('1')",
    "exec",
    "globals()",
    "locals()",
    "vars(x)",
    "getattr(x, y)",
    "breakpoint()",
    "((((" * 2_500 + "x" + "))))" * 2_500,
    "-" * 10_000 + "x",
    "x" * 1_000_000,
    "(" * 240 + "x" + ")" * 240,
    "-" * 60 + "x",
    "х",  # Cyrillic
    "x × y",
    "x − y",
    "１２",  # full-width digits
    "ｘ",  # full-width x
    "x\0",
    "\0",
    "x;y",
    "x\ny",
    "import os",
    "max(x, y=1)",
    "sin()",
    "sin(x, y)",
    "sin(*x)",
    "max(**x)",
    "x := 1",
    "(y := 1)",
    "x[0]",
    "x @ y",
    "x % 2",
    "x // 2",
    "x & y",
    "x | y",
    "x << 2",
    "~x",
    "x < y",
    "x == y",
    "x is y",
    "x in y",
    "{x: y}",
    "{x}",
    "[x]",
    "...",
    "None",
    "x.real",
    "sin.__call__(x)",
    "pi.__class__",
    "e()",
    "await x",
    "yield x",
    "\\x",
    "#",
    "x # comment",
    "x\u200b",  # zero-width space
    "\ufeffx",  # byte-order mark
]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(t[:30]) for t in HOSTILE])
def test_hostile_expressions_are_rejected(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(text)


@PROPERTIES
@given(text=st.text(max_size=MAX_LENGTH + 50))
def test_arbitrary_text_compiles_or_raises_expression_error_only(text: str) -> None:
    _compiles_or_names_a_column(text)


SOUP_TOKENS = (
    *("x", "y", "pi", "e", "sin", "max", "pow", "(", ")", ",", "+", "-", "*", "/", "^", "**"),
    *("1", "2.5", "1e3", " ", ".", "_", "j", "lambda", "[", "]", ":", "'", "=", "<", "if"),
    *("else", "not", "and", "__class__", "import", "os", "0x", "1_0", "e5", "@"),
)
GRAMMAR_SOUP = st.lists(
    st.sampled_from(SOUP_TOKENS),
    max_size=80,
).map("".join)


@PROPERTIES
@given(text=GRAMMAR_SOUP)
def test_soups_of_the_grammars_tokens_compile_or_raise_expression_error_only(text: str) -> None:
    _compiles_or_names_a_column(text)


def _compiles_or_names_a_column(text: str) -> None:
    try:
        compiled = compile_expression(text)
    except ExpressionError as error:
        assert error.column is None or 1 <= error.column <= len(text) + 1
        return
    assert isinstance(compiled, CompiledExpression)
    assert all(isinstance(c, float) for c in compiled.constants)


ALLOWED_NAMES = {"x", "y", "pi", "e", *UNARY, *BINARY, *ALIASES}
IDENTIFIERS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: name not in ALLOWED_NAMES and not keyword.iskeyword(name)
)
SMALL_TREES = st.recursive(LEAVES, _extend, max_leaves=3).map(_to_ast)
NO_ARGUMENTS = ast.arguments(
    posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
)


def _store(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Store())


def _forbidden(valid: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    """Python expressions with at least one node outside the grammar, around valid parts."""
    load = ast.Load()
    bad_operators = st.sampled_from(
        [ast.Mod, ast.FloorDiv, ast.MatMult, ast.LShift, ast.RShift, ast.BitAnd, ast.BitOr]
    )
    comparisons = st.sampled_from([ast.Lt, ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In])
    functions = st.sampled_from(sorted({*UNARY, *BINARY}))
    return st.one_of(
        st.builds(ast.Attribute, valid, st.sampled_from(["__class__", "real", "x"]), st.just(load)),
        st.builds(ast.Subscript, valid, valid, st.just(load)),
        st.builds(lambda n, a: ast.Call(ast.Name(n, load), [a], []), IDENTIFIERS, valid),
        st.builds(lambda n: ast.Name(n, load), IDENTIFIERS),
        st.builds(
            lambda f, a, k: ast.Call(ast.Name(f, load), [a], [ast.keyword("y", k)]),
            functions,
            valid,
            valid,
        ),
        st.builds(
            lambda f, a: ast.Call(ast.Name(f, load), [ast.Starred(a, load)], []), functions, valid
        ),
        st.builds(lambda body: ast.Lambda(NO_ARGUMENTS, body), valid),
        st.builds(lambda a, op, b: ast.Compare(a, [op()], [b]), valid, comparisons, valid),
        st.builds(lambda a, b: ast.BoolOp(ast.And(), [a, b]), valid, valid),
        st.builds(ast.IfExp, valid, valid, valid),
        st.builds(lambda a, b: ast.Tuple([a, b], load), valid, valid),
        st.builds(lambda a: ast.List([a], load), valid),
        st.builds(lambda a: ast.Set([a]), valid),
        st.builds(lambda a, b: ast.Dict([a], [b]), valid, valid),
        st.builds(
            lambda a, b: ast.ListComp(a, [ast.comprehension(_store("x"), b, [], 0)]), valid, valid
        ),
        st.builds(lambda a, op, b: ast.BinOp(a, op(), b), valid, bad_operators, valid),
        st.builds(lambda a: ast.UnaryOp(ast.Not(), a), valid),
        st.builds(lambda a: ast.UnaryOp(ast.Invert(), a), valid),
        st.builds(lambda a: ast.NamedExpr(_store("z"), a), valid),
        st.sampled_from(["a", b"a", 1j, True, False, None, ...]).map(ast.Constant),
    )


def _embedded(forbidden: ast.expr, valid: ast.expr, where: int) -> ast.expr:
    """The forbidden node alone, or as an operand, or as a function's argument."""
    if where == 0:
        return forbidden
    if where == 1:
        return ast.BinOp(valid, ast.Add(), forbidden)
    return ast.Call(ast.Name("sin", ast.Load()), [forbidden], [])


@PROPERTIES
@given(forbidden=_forbidden(SMALL_TREES), valid=SMALL_TREES, where=st.integers(0, 2))
def test_a_forbidden_node_anywhere_is_rejected(
    forbidden: ast.expr, valid: ast.expr, where: int
) -> None:
    text = ast.unparse(ast.fix_missing_locations(_embedded(forbidden, valid, where)))
    with pytest.raises(ExpressionError):
        compile_expression(text)


# ---------------------------------------------------------------- in the engine

ROSENBROCK = get_surface("rosenbrock")
TYPED_ROSENBROCK = "(1 - x)^2 + 100*(y - x^2)^2"
RACE = [
    RunConfig(OPTIMIZERS["sgd"], (-1.2, 1.0), {"learning_rate": 1e-3}),
    RunConfig(OPTIMIZERS["adam"], (-1.2, 1.0), {"learning_rate": 0.05}),
    RunConfig(OPTIMIZERS["momentum"], (0.5, -0.5), {"learning_rate": 1e-3}),
]


def _objective(compiled: CompiledExpression, domain: Any = None) -> Objective:
    return Objective.typed(compiled.instructions, compiled.constants, domain or ROSENBROCK.domain)


def test_typed_rosenbrock_has_the_built_in_values_gradients_and_hessians() -> None:
    typed = _objective(compile_expression(TYPED_ROSENBROCK)).args()
    built_in = Objective.from_surface(ROSENBROCK).args()
    for point in [(-1.2, 1.0), (0.3, -0.7), (1.0, 1.0), (2.0, 3.0), (0.0, 0.0)]:
        at = np.array(point)
        expected = DERIVATIVES((), at, built_in)
        actual = DERIVATIVES((), at, typed)
        for e, a in zip(expected, actual, strict=True):
            # Forward mode (the interpreter) and reverse mode (JAX, for the built-in) sum
            # the same products in another order: equal up to rounding.
            np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=1e-14, atol=1e-12)


def test_a_race_on_typed_rosenbrock_follows_the_built_in_race() -> None:
    compiled = compile_expression(TYPED_ROSENBROCK)
    typed = run_trajectories(_objective(compiled), 64, RACE)
    built_in = run_trajectories(Objective.from_surface(ROSENBROCK), 64, RACE)
    for a, b in zip(typed, built_in, strict=True):
        np.testing.assert_allclose(a.points, b.points, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(a.loss, b.loss, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(a.gradient, b.gradient, rtol=1e-12, atol=1e-12)
        assert a.diverged_at is b.diverged_at is None


def test_new_structures_do_not_compile_a_race() -> None:
    run_trajectories(_objective(compile_expression("(1 - x)^2 + 100*(y - x^2)^2")), 64, RACE)
    other = compile_expression("(0.5 - x)^2 + 7*(y - x^2)^2")
    new = compile_expression("sin(3*x) * exp(-y^2) + log(1 + x^2 + y^2)")
    with count_compiles() as log:
        results = run_trajectories(_objective(other), 64, RACE)
        run_trajectories(_objective(new), 64, RACE)
    assert log.compiles == []
    assert log.traces == []
    x, y = RACE[0].start
    assert results[0].loss[0] == pytest.approx((0.5 - x) ** 2 + 7 * (y - x**2) ** 2)


def test_overflow_is_reported_as_divergence() -> None:
    at_once = compile_expression("1e400*x")
    (result,) = run_trajectories(_objective(at_once), 64, RACE[:1])
    assert result.diverged_at == 0 and len(result.points) == 0
    later = compile_expression("10^150*(x^2 + y^2)")  # finite at the start
    (result,) = run_trajectories(_objective(later), 64, RACE[:1])
    assert result.diverged_at == 1
    assert np.all(np.isfinite(result.points)) and np.all(np.isfinite(result.loss))


def test_typed_monkey_saddle_is_inconclusive_at_the_origin() -> None:
    compiled = compile_expression("x^3 - 3*x*y^2")
    analysis = analyze_point(_objective(compiled, ((-2.0, 2.0), (-2.0, 2.0))), (0.0, 0.0))
    assert analysis.kind == "inconclusive"
    np.testing.assert_array_equal(analysis.hessian, np.zeros((2, 2)))
