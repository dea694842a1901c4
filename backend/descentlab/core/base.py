"""The engine's vocabulary: the few words every other module speaks.

One name per meaning. Bounds on a dataclass field are ``annotated_types`` markers
(``Ge``, ``Le``, ``Gt``, ``MaxLen``...) in ``Annotated``, plus a ``Doc`` saying what the
field means: the API turns them into request models and OpenAPI, the lab into controls,
and nothing else restates them.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeAlias

from annotated_types import Ge, Le
from jax import Array

Pytree: TypeAlias = Any  # nested dicts, lists and tuples of arrays (a network's weights)
FlatLoss: TypeAlias = Callable[[Array], Array]  # flat parameters (n,) -> scalar loss
Result: TypeAlias = dict[str, Any]  # an experiment's output: plain numbers and NumPy arrays

# Far beyond any surface's domain, small enough that squares and products stay finite.
COORDINATE_LIMIT = 1e6
Coordinate: TypeAlias = Annotated[float, Ge(-COORDINATE_LIMIT), Le(COORDINATE_LIMIT)]
Point: TypeAlias = tuple[Coordinate, Coordinate]

__all__ = ["Array", "Coordinate", "Doc", "FlatLoss", "OneOf", "Parameter", "Point", "Pytree"]
__all__ += ["Result"]


@dataclass(frozen=True)
class Doc:
    """What a dataclass field means, for a reader of OpenAPI or of the lab's controls."""

    text: str


@dataclass(frozen=True)
class OneOf:
    """A string field's admissible names: the keys of one of the engine's tables, and, when
    ``pattern`` is set, any name it matches in full (an uploaded dataset's id). ``name``
    names the set where the API declares it (``Optimizer``)."""

    names: tuple[str, ...]
    pattern: str | None = None
    name: str | None = None

    def admits(self, name: str) -> bool:
        return name in self.names or (
            self.pattern is not None and re.fullmatch(self.pattern, name) is not None
        )


@dataclass(frozen=True)
class Parameter:
    """One named numeric knob of a table entry (an optimizer's hyperparameter, a schedule's
    or a surface's constant): its default, its closed bounds and what it means."""

    name: str
    default: float
    lower: float
    upper: float
    description: str
    log_scale: bool = False  # sliders move it on a log scale
    integer: bool = False
