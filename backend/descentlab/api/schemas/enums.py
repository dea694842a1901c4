"""The API's enumerations, each declared once in the OpenAPI and referenced wherever it
is used, so a generated client gets one ``Activation`` type, not one per model.

Validation is unchanged (pydantic's ``Literal`` or the core's ``OneOf`` check); only the
schema of the field becomes a ``$ref`` to the shared component, which ``declare`` adds.
"""

from typing import Annotated, Any, Literal, cast, get_args

from pydantic import WithJsonSchema

from descentlab.api.jobs import JobStatus as JobStatusLiteral
from descentlab.core.experiments.landscape import Directions
from descentlab.core.experiments.train import Architecture
from descentlab.core.hyperparameter_maps import AxisScale, MapMetric
from descentlab.core.nets.models import Activation, LossName, Regularization, Task

# name → its values, as OpenAPI components: filled by ``named``.
COMPONENTS: dict[str, tuple[str, ...]] = {}


def reference(name: str, values: tuple[str, ...]) -> WithJsonSchema:
    """The schema of a field that takes one of ``values``: a reference to the component."""
    known = COMPONENTS.setdefault(name, values)
    if known != values:
        raise ValueError(f"enum {name!r} declared twice: {known} and {values}")
    # (In allOf: pydantic resolves a bare $ref beside a field's default or description
    # against its own definitions, which do not hold this one.)
    return WithJsonSchema({"allOf": [{"$ref": f"#/components/schemas/{name}"}]})


def named(name: str, values: tuple[str, ...]) -> Any:
    """A string type taking one of ``values``, declared as the component ``name``."""
    return Annotated[cast(Any, Literal)[values], reference(name, values)]


# The core's literal types, by the name the API gives them.
CORE_LITERALS: dict[Any, str] = {
    Activation: "Activation",
    LossName: "Loss",
    Task: "Task",
    Directions: "Directions",
    Architecture: "Architecture",
    Regularization: "Regularization",
}


def core_literal(hint: Any) -> Any | None:
    """The named type for one of the core's literal types (None for any other)."""
    name = CORE_LITERALS.get(hint)
    return None if name is None else named(name, get_args(hint))


TaskName = named("Task", get_args(Task))
RegularizationName = named("Regularization", get_args(Regularization))
DirectionsName = named("Directions", get_args(Directions))
JobStatus = named("JobStatus", get_args(JobStatusLiteral))
MapMetricName = named("MapMetric", get_args(MapMetric))
AxisScaleName = named("AxisScale", get_args(AxisScale))


def declare(document: dict[str, Any]) -> dict[str, Any]:
    """Add every shared enumeration to an OpenAPI document's components (idempotent)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, values in COMPONENTS.items():
        schemas[name] = {"type": "string", "enum": list(values), "title": name}
    return document
