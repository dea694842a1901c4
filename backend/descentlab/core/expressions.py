"""User-typed surfaces: a small compiler from the text of f(x, y) to a program of data.

The text is parsed with ``ast.parse(mode="eval")`` and walked against an allow-list;
Python never evaluates any of it (no ``eval``, no sympy). The walk gives a *structure*
and its numbers: ``(1 - x)^2 + 100*(y - x^2)^2`` is ``(c0 - x)^2 + c1*(y - x^2)^2`` with
``constants = (1, 100)``. The structure is then assembled into instructions for
``interpreter``, the one jitted stack machine that evaluates every typed surface: no
expression, however new, large or deep, makes XLA compile anything. Small integer
exponents (``x^2``) become an exact integer-power instruction, computed by repeated
multiplication as the built-in surfaces compute ``x**2``.

Grammar (anything else is an ``ExpressionError`` that names its column):

* numbers (``2``, ``0.5``, ``1e-3``), the variables ``x`` and ``y``, the constants
  ``pi`` and ``e``;
* ``+ - * /``, powers as ``^`` or ``**`` (tighter than unary minus, grouped from the
  right, as in mathematics: ``-x^2 = -(x^2)``, ``2^3^2 = 2^9``), unary ``-`` and ``+``;
* calls of the functions in ``UNARY`` and ``BINARY`` (and their ``ALIASES``).

``^`` is rewritten to ``**`` on the text before parsing (with a column map back to the
original): Python's ``^`` binds looser than ``+``, so treating its AST node as a power
would read ``x^2 + 1`` as ``x^3``.

Numbers are floats from the start, never Python integers, so ``10^10^10`` is ``inf``
(the engine then reports divergence) instead of a hang.
"""

import ast
import math
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from descentlab.core.interpreter import (
    BINARY,
    OPCODES,
    PROGRAM_LENGTH,
    PUSH_CONSTANT,
    PUSH_X,
    PUSH_Y,
    STACK_DEPTH,
    STACK_EFFECT,
    UNARY,
    Instructions,
)
from descentlab.core.surfaces import Interval

MAX_LENGTH = 500  # characters
MAX_NODES = 200  # numbers, names, operations and calls
MAX_DEPTH = 40  # nesting of operations and calls
MAX_INTEGER_POWER = 16  # x^n with |n| ≤ this is exact, and part of the structure
DEFAULT_DOMAIN: tuple[Interval, Interval] = ((-5.0, 5.0), (-5.0, 5.0))

VARIABLES = ("x", "y")
CONSTANTS: Mapping[str, float] = {"pi": math.pi, "e": math.e}
ALIASES: Mapping[str, str] = {
    "ln": "log",
    "asin": "arcsin",
    "acos": "arccos",
    "atan": "arctan",
    "asinh": "arcsinh",
    "acosh": "arccosh",
    "atanh": "arctanh",
    "atan2": "arctan2",
}
ARITY: Mapping[str, int] = {**dict.fromkeys(UNARY, 1), **dict.fromkeys(BINARY, 2)}

# The structure of an expression, as nested tuples (assembled into instructions):
#   ("var", 0 | 1)  ("const", "pi" | "e")  ("param", i)  ("ipow", a, n)
#   ("apply", name, *args), name an operator (neg, add, sub, mul, div, pow) or a function
Node = tuple[Any, ...]


class ExpressionError(ValueError):
    """Text that is not an allowed expression; ``column`` is 1-based (None: the whole text)."""

    def __init__(self, message: str, column: int | None = None, hint: str | None = None) -> None:
        self.message, self.column, self.hint = message, column, hint
        text = message if column is None else f"{message} at column {column}"
        super().__init__(text if hint is None else f"{text}; {hint}")


def grammar_summary() -> str:
    """One paragraph for API documentation."""
    functions = ", ".join(
        f"{name}({'a, b' if arity == 2 else 'a'})" for name, arity in ARITY.items()
    )
    aliases = ", ".join(f"{alias} = {name}" for alias, name in ALIASES.items())
    return (
        "f(x, y) as text: numbers, x, y, pi, e, + - * /, ^ or ** for powers, unary minus, "
        f"and the functions {functions} (aliases: {aliases}). At most {MAX_LENGTH} "
        f"characters, {MAX_NODES} terms and {MAX_DEPTH} levels of nesting."
    )


# ---------------------------------------------------------------- characters


_ALLOWED_CHARACTERS = frozenset(string.ascii_letters + string.digits + " +-*/^().,_")
_WHITESPACE = " \t\r\n"
_LOOK_ALIKES: Mapping[str, str] = {
    "×": "*",
    "·": "*",
    "⋅": "*",
    "∗": "*",
    "÷": "/",
    "∕": "/",
    "−": "-",
    "–": "-",
    "—": "-",
    "‐": "-",
    "²": "^2",
    "³": "^3",
    "π": "pi",
    "√": "sqrt(...)",
}


def _character_error(character: str, column: int) -> ExpressionError:
    if character == "\0":
        return ExpressionError("a NUL character is not allowed", column)
    if character in "\t\r\n":
        return ExpressionError("line breaks and tabs are not allowed", column)
    if character.isascii():
        return ExpressionError(f"character {character!r} is not allowed", column)
    name = unicodedata.name(character, f"U+{ord(character):04X}")
    replacement = _LOOK_ALIKES.get(character) or unicodedata.normalize("NFKC", character)
    if replacement and all(c in _ALLOWED_CHARACTERS for c in replacement):
        hint = f"use {replacement}"
    else:
        hint = "type plain ASCII letters, digits and + - * / ^ ( )"
    return ExpressionError(f"character {character!r} ({name}) is not allowed", column, hint)


# ---------------------------------------------------------------- text → AST


@dataclass(frozen=True)
class _Source:
    """The text handed to the parser, and where each of its characters came from."""

    code: str
    origin: tuple[int, ...]  # 1-based column in the user's text of code[i]; one extra at the end

    def column(self, offset: int | None) -> int | None:
        """The user's column of a 0-based offset into ``code``."""
        if offset is None:
            return None
        return self.origin[min(max(offset, 0), len(self.origin) - 1)]


def _source(text: str) -> _Source:
    """Strip surrounding whitespace, check every character, and rewrite ``^`` as ``**``."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression too long ({len(text)} > {MAX_LENGTH} characters)")
    lead = len(text) - len(text.lstrip(_WHITESPACE))
    body = text.strip(_WHITESPACE)
    if not body:
        raise ExpressionError("the expression is empty")
    code, origin = [], []
    for index, character in enumerate(body):
        column = lead + index + 1
        if character not in _ALLOWED_CHARACTERS:
            raise _character_error(character, column)
        replacement = "**" if character == "^" else character
        code.append(replacement)
        origin.extend([column] * len(replacement))
    origin.append(lead + len(body) + 1)
    return _Source("".join(code), tuple(origin))


def _parse(source: _Source) -> ast.expr:
    try:
        tree = ast.parse(source.code, mode="eval")
    except SyntaxError as error:
        message = (error.msg or "invalid syntax").split(".")[0]
        if not error.offset:  # Python's parser ran off the end of the text
            raise ExpressionError(
                "the expression ends too early", source.column(len(source.code))
            ) from None
        column = source.column(error.offset - 1)
        hint = "write 2*x for a product" if message == "invalid decimal literal" else None
        raise ExpressionError(f"syntax error ({message})", column, hint) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ExpressionError("expression too deeply nested or too large to parse") from None
    return tree.body


def _check_size(root: ast.expr, source: _Source) -> None:
    """Node count and depth, without recursion (the tree may be as deep as the text is long)."""
    count, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"expression too large (more than {MAX_NODES} terms)")
        if depth > MAX_DEPTH:
            column = source.column(getattr(node, "col_offset", None))
            raise ExpressionError(f"expression nested too deeply (over {MAX_DEPTH} levels)", column)
        stack.extend(
            (child, depth + 1)
            for child in ast.iter_child_nodes(node)
            if isinstance(child, ast.expr)
        )


# ---------------------------------------------------------------- AST → structure


_BINARY_OPERATORS: Mapping[type[ast.operator], str] = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.Pow: "pow",
}
_OPERATOR_SYMBOLS: Mapping[type[ast.AST], str] = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.Not: "not",
    ast.Invert: "~",
}
_FORBIDDEN: Mapping[type[ast.AST], str] = {
    ast.Attribute: "attribute access ('.')",
    ast.Subscript: "indexing ('[...]')",
    ast.Lambda: "lambda",
    ast.IfExp: "if-expressions",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and' / 'or'",
    ast.NamedExpr: "':='",
    ast.Tuple: "tuples (a comma outside a call)",
    ast.List: "lists",
    ast.Set: "sets",
    ast.Dict: "dictionaries",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.JoinedStr: "strings",
    ast.Starred: "'*' unpacking",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}


class _Builder:
    """Walks an allow-listed AST into a structure, collecting the numbers as it goes."""

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.constants: list[float] = []

    def error(self, node: ast.AST, message: str, hint: str | None = None) -> ExpressionError:
        offset = getattr(node, "col_offset", None)
        if isinstance(node, ast.Attribute):  # point at the dot, not at what comes before it
            offset = node.value.end_col_offset
        return ExpressionError(message, self.source.column(offset), hint)

    def build(self, node: ast.expr) -> Node:
        if isinstance(node, ast.Constant):
            return ("param", self.number(node))
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        what = _FORBIDDEN.get(type(node), type(node).__name__)
        raise self.error(node, f"{what} not allowed")

    def number(self, node: ast.Constant) -> int:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            what = "complex numbers" if isinstance(value, complex) else f"{value!r}"
            raise self.error(node, f"{what} not allowed", "only real numbers, x and y")
        try:
            number = float(value)
        except OverflowError:  # an integer literal beyond float64: the same as 1e400
            number = float("inf")
        self.constants.append(number)
        return len(self.constants) - 1

    def name(self, node: ast.Name) -> Node:
        if node.id in VARIABLES:
            return ("var", VARIABLES.index(node.id))
        if node.id in CONSTANTS:
            return ("const", node.id)
        if node.id in ARITY or node.id in ALIASES:
            raise self.error(node, f"{node.id!r} is a function", f"call it, e.g. {node.id}(x)")
        known = (*VARIABLES, *CONSTANTS, *ARITY, *ALIASES)
        if node.id.lower() in known:
            raise self.error(node, f"unknown name {node.id!r}", f"did you mean {node.id.lower()}?")
        raise self.error(node, f"unknown name {node.id!r}", "use x and y (constants: pi, e)")

    def unary(self, node: ast.UnaryOp) -> Node:
        if isinstance(node.op, ast.UAdd):
            return self.build(node.operand)
        if isinstance(node.op, ast.USub):
            return ("apply", "neg", self.build(node.operand))
        raise self.error(node, f"{_OPERATOR_SYMBOLS[type(node.op)]!r} not allowed")

    def binary(self, node: ast.BinOp) -> Node:
        kind = _BINARY_OPERATORS.get(type(node.op))
        if kind is None:
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise self.error(node, f"operator {symbol!r} not allowed", "use + - * / ^")
        if kind == "pow":
            return self.power(node.left, node.right)
        return ("apply", kind, self.build(node.left), self.build(node.right))

    def power(self, base: ast.expr, exponent: ast.expr) -> Node:
        integer = _small_integer(exponent)
        if integer is not None:
            return ("ipow", self.build(base), integer)
        return ("apply", "pow", self.build(base), self.build(exponent))

    def call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.error(node, "only named functions can be called", "e.g. sin(x)")
        name = ALIASES.get(node.func.id, node.func.id)
        if name not in ARITY:
            if node.func.id in (*VARIABLES, *CONSTANTS):
                hint = f"write {node.func.id}*(...) for a product"
                raise self.error(node, f"{node.func.id!r} is not a function", hint)
            known = ", ".join(ARITY)
            raise self.error(node, f"unknown function {node.func.id!r}", f"known: {known}")
        if node.keywords:
            raise self.error(node.keywords[0].value, f"{node.func.id} takes no keyword arguments")
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                raise self.error(argument, "'*' unpacking not allowed")
        arity = ARITY[name]
        if len(node.args) != arity:
            plural = "argument" if arity == 1 else "arguments"
            got = len(node.args)
            raise self.error(node, f"{node.func.id} takes {arity} {plural}, got {got}")
        if name == "pow":
            return self.power(node.args[0], node.args[1])
        return ("apply", name, *(self.build(argument) for argument in node.args))


def _small_integer(node: ast.expr) -> int | None:
    """The exponent's value if it is a literal integer (optionally negated) within bounds."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return None
    value = node.value
    if isinstance(value, int) and abs(value) <= MAX_INTEGER_POWER:
        return sign * value
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_INTEGER_POWER:
        return sign * int(value)
    return None


# ---------------------------------------------------------------- structure → program


def _assemble(structure: Node, constants: list[float]) -> Instructions:
    """The structure's instructions in post-order; ``pi`` and ``e`` join the constants.

    The stack the interpreter needs is checked here: the depth cap bounds it, and a
    program that would overflow ``STACK_DEPTH`` is refused instead of run.
    """
    code: list[tuple[int, int]] = []
    height = peak = 0

    def emit(opcode: int, operand: int = 0) -> None:
        nonlocal height, peak
        code.append((opcode, operand))
        height += int(STACK_EFFECT[opcode])
        peak = max(peak, height)

    def walk(node: Node) -> None:
        kind = node[0]
        if kind == "var":
            emit(PUSH_X if node[1] == 0 else PUSH_Y)
        elif kind == "param":
            emit(PUSH_CONSTANT, node[1])
        elif kind == "const":
            constants.append(CONSTANTS[node[1]])
            emit(PUSH_CONSTANT, len(constants) - 1)
        elif kind == "ipow":
            walk(node[1])
            emit(OPCODES["ipow"], node[2])
        else:
            for argument in node[2:]:
                walk(argument)
            emit(OPCODES[node[1]])

    walk(structure)
    if peak > STACK_DEPTH or len(code) > PROGRAM_LENGTH or len(constants) > PROGRAM_LENGTH:
        raise ExpressionError("expression too large or nested too deeply to evaluate")
    return tuple(code)


# ---------------------------------------------------------------- the public entry point


@dataclass(frozen=True)
class CompiledExpression:
    """A typed surface: its program for the interpreter and the numbers it pushes."""

    text: str
    instructions: Instructions
    constants: tuple[float, ...]


def parse_expression(text: str) -> tuple[Node, tuple[float, ...]]:
    """The structure and the numbers of ``text``; raises ``ExpressionError``."""
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    source = _source(text)
    root = _parse(source)
    _check_size(root, source)
    builder = _Builder(source)
    structure = builder.build(root)
    return structure, tuple(builder.constants)


def compile_expression(text: str) -> CompiledExpression:
    """Check ``text`` against the grammar and caps, and turn it into a program.

    Nothing is compiled by XLA: the program is data for ``interpreter.evaluate``.
    """
    structure, numbers = parse_expression(text)
    constants = list(numbers)
    instructions = _assemble(structure, constants)
    return CompiledExpression(text, instructions, tuple(constants))
