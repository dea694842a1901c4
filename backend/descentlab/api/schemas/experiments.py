"""Experiment requests ``{kind, params?}``, generated from the core's experiment table.

Each kind's parameters are a frozen dataclass in ``core/experiments`` whose fields carry
their bounds (``annotated_types``), meaning (``Doc``) and admissible names (``OneOf``);
this module turns each into a strict pydantic model with the same defaults, whose
validator runs the experiment's own check, and joins them in a discriminated union. So
the core, the request models, OpenAPI and the lab's controls cannot disagree.
"""

import dataclasses
import functools
import operator
from collections.abc import Callable
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Literal,
    Union,
    cast,
    get_args,
    get_origin,
    get_type_hints,
)

import annotated_types
import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    TypeAdapter,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    model_validator,
)

from descentlab.api.schemas.common import StrictModel
from descentlab.api.schemas.enums import JobStatus, core_literal, reference
from descentlab.core.base import Doc, OneOf
from descentlab.core.experiments import Progress
from descentlab.core.experiments.registry import EXPERIMENTS, Experiment


def _one_of(mark: OneOf) -> Any:
    def known(name: str, info: ValidationInfo) -> str:
        if not mark.admits(name):
            also = f", or an id matching {mark.pattern}" if mark.pattern else ""
            raise ValueError(
                f"unknown {info.field_name} {name!r}; known: {', '.join(mark.names)}{also}"
            )
        return name

    return AfterValidator(known)


def _one_of_schema(mark: OneOf) -> WithJsonSchema:
    """The names as a shared enumeration (``mark.name``), or any string of the pattern."""
    names: dict[str, Any] = {"type": "string", "enum": list(mark.names)}
    if mark.name is not None:
        names = reference(mark.name, mark.names).json_schema or names
    if mark.pattern is None:
        return WithJsonSchema(names)
    return WithJsonSchema({"anyOf": [names, {"type": "string", "pattern": f"^{mark.pattern}$"}]})


def _pydantic_type(hint: Any) -> Any:
    """``hint`` with the core's markers turned into pydantic's (bounds pass as they are)
    and its named literal types into the API's shared enumerations."""
    shared = core_literal(hint)
    if shared is not None:
        return shared
    origin = get_origin(hint)
    if origin is Annotated:
        base, *marks = get_args(hint)
        translated: list[Any] = []
        for mark in marks:
            if isinstance(mark, Doc):
                translated.append(Field(description=mark.text))
            elif isinstance(mark, OneOf):
                translated += [_one_of(mark), _one_of_schema(mark)]
            else:
                translated.append(mark)
        return cast(Any, Annotated)[(_pydantic_type(base), *translated)]
    if origin is tuple:
        items = tuple(a if a is Ellipsis else _pydantic_type(a) for a in get_args(hint))
        return cast(Any, tuple)[items]
    if origin in (Union, type(int | None)):
        return functools.reduce(operator.or_, (_pydantic_type(a) for a in get_args(hint)))
    if origin is Literal and len(get_args(hint)) == 1:  # a word among numbers ("full")
        # A one-name enum rather than a const: generated clients (openapi-python-client)
        # parse ``int | const`` as the const alone and refuse every number.
        return Annotated[hint, WithJsonSchema({"type": "string", "enum": list(get_args(hint))})]
    return hint


def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls, include_extras=True)


def _dataclass(hint: Any) -> type | None:
    """``hint`` when it is a dataclass type (a nested parameter object), else None."""
    return hint if isinstance(hint, type) and dataclasses.is_dataclass(hint) else None


@functools.cache
def params_model(cls: type, default: Any = None, name: str | None = None) -> type[BaseModel]:
    """A strict model of the dataclass ``cls`` whose defaults are those of ``default`` (an
    instance; the class's own defaults when None). A nested dataclass field becomes a
    nested model with its default instance's values (a batch-size setup defaults to SGD)."""
    instance = cls() if default is None else default
    fields: dict[str, Any] = {}
    hints = _hints(cls)
    for field in dataclasses.fields(cls):
        hint, value = hints[field.name], getattr(instance, field.name)
        inner = _dataclass(hint)
        if inner is not None:
            # The shared setup model, or this experiment's own defaults (BatchSizeSetup).
            own = value != inner()
            owner = cls.__name__.removesuffix("Params")
            nested = params_model(
                inner,
                value if own else None,
                f"{owner}{inner.__name__.removeprefix('Network')}" if own else None,
            )
            fields[field.name] = (nested, Field(default_factory=nested))
        else:
            fields[field.name] = (_pydantic_type(hint), value)
    return create_model(
        name or cls.__name__,
        __base__=StrictModel,
        __doc__=cls.__doc__,
        **fields,
    )


def to_core(model: BaseModel, cls: type) -> Any:
    """The core's parameter object of a validated request model (nested ones too)."""
    hints = _hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        value = getattr(model, field.name)
        inner = _dataclass(hints[field.name])
        values[field.name] = value if inner is None else to_core(value, inner)
    return cls(**values)


def _checked_model(experiment: Experiment) -> type[BaseModel]:
    """The experiment's params model, with its cross-field check as a validator (a
    ValueError becomes a 422 naming the problem)."""
    base = params_model(experiment.params)

    def check(model: BaseModel) -> BaseModel:
        experiment.check(to_core(model, experiment.params))
        return model

    return create_model(
        base.__name__,
        __base__=base,
        __doc__=base.__doc__,
        __validators__={"_check": cast(Any, model_validator(mode="after")(check))},
    )


def _request_model(experiment: Experiment, params: type[BaseModel]) -> type[BaseModel]:
    name = "".join(part.title() for part in experiment.kind.split("_"))
    return create_model(
        f"{name}Request",
        __base__=StrictModel,
        __doc__=experiment.summary,
        kind=(cast(Any, Literal)[experiment.kind], ...),
        params=(params, Field(default_factory=params)),
    )


PARAMS_MODELS: dict[str, type[BaseModel]] = {
    kind: _checked_model(experiment) for kind, experiment in EXPERIMENTS.items()
}
REQUEST_MODELS: dict[str, type[BaseModel]] = {
    kind: _request_model(EXPERIMENTS[kind], model) for kind, model in PARAMS_MODELS.items()
}

if TYPE_CHECKING:  # the union is built from the table at run time
    ExperimentRequest = BaseModel
else:
    ExperimentRequest = Annotated[
        Union[tuple(REQUEST_MODELS.values())],  # noqa: UP007
        Field(discriminator="kind"),
    ]

_REQUEST: TypeAdapter[Any] = TypeAdapter(ExperimentRequest)


class ExperimentFieldPublic(BaseModel):
    """One setting of an experiment, as the lab's controls need it."""

    name: str = Field(description="its path in ``params``, e.g. ``setup.n_samples``")
    type: Literal["integer", "number", "boolean", "string", "array"]
    default: Any = None
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = Field(False, description="``minimum`` itself is not allowed")
    choices: list[str] | None = Field(
        None, description="the names a string takes, or those a number takes besides numbers"
    )
    pattern: str | None = Field(
        None, description="a string may also be any name this matches (an uploaded dataset)"
    )
    min_items: int | None = None
    max_items: int | None = None
    multiple_of: float | None = Field(None, description="the value is a multiple of this")
    items: "ExperimentFieldPublic | None" = Field(None, description="an array's elements")
    description: str | None = None


class ExperimentKindPublic(BaseModel):
    kind: str
    summary: str
    fields: list[ExperimentFieldPublic]
    limits: dict[str, float] = Field(
        description="limits across fields, e.g. ``sample_epochs``: n_samples × epochs"
    )
    per_run: dict[str, str | None] = Field(
        description="setup fields the experiment sets per run: null where a list of its own "
        "names the values, else what they are in words ({value}: the setup's value)"
    )


_TYPES = {int: "integer", float: "number", bool: "boolean", str: "string", tuple: "array"}


def _field_public(name: str, hint: Any, default: Any) -> ExperimentFieldPublic:
    """The controls' view of one field: its type, default and bounds, read from ``hint``."""
    out: dict[str, Any] = {"name": name, "default": default}
    while True:
        origin = get_origin(hint)
        if origin is Annotated:
            hint, *marks = get_args(hint)
            for mark in marks:
                if isinstance(mark, Doc):
                    out["description"] = mark.text
                elif isinstance(mark, OneOf):
                    out["choices"] = list(mark.names)
                    out["pattern"] = mark.pattern
                elif isinstance(mark, annotated_types.Gt):
                    out |= {"minimum": mark.gt, "exclusive_minimum": True}
                elif isinstance(mark, annotated_types.Ge):
                    out["minimum"] = mark.ge
                elif isinstance(mark, annotated_types.Le):
                    out["maximum"] = mark.le
                elif isinstance(mark, annotated_types.MinLen):
                    out["min_items"] = mark.min_length
                elif isinstance(mark, annotated_types.MaxLen):
                    out["max_items"] = mark.max_length
                elif isinstance(mark, annotated_types.MultipleOf):
                    out["multiple_of"] = mark.multiple_of
        elif origin in (Union, type(int | None)):
            options = [a for a in get_args(hint) if a is not type(None)]
            out["nullable"] = len(options) < len(get_args(hint))
            names = [a for a in options if get_origin(a) is Literal]
            if names and len(names) < len(options):  # a number, or a name ("full")
                out["choices"] = [value for name in names for value in get_args(name)]
            (hint,) = [a for a in options if a not in names] or options
        elif origin is Literal:
            out |= {"type": "string", "choices": list(get_args(hint))}
            return ExperimentFieldPublic(**out)
        elif origin is tuple:
            item = get_args(hint)[0]  # tuple[X, ...] or tuple[X, X]: one element type
            out |= {"type": "array", "items": _field_public("", item, None)}
            if get_args(hint)[-1] is not Ellipsis:
                out |= {"min_items": len(get_args(hint)), "max_items": len(get_args(hint))}
            return ExperimentFieldPublic(**out)
        else:
            return ExperimentFieldPublic(**out, type=_TYPES[hint])


def field_table(cls: type, default: Any = None, prefix: str = "") -> list[ExperimentFieldPublic]:
    """Every field of the parameter dataclass ``cls`` (nested ones by path), with the
    defaults of ``default`` (the class's own when None)."""
    instance = cls() if default is None else default
    hints = _hints(cls)
    table: list[ExperimentFieldPublic] = []
    for field in dataclasses.fields(cls):
        hint, value = hints[field.name], getattr(instance, field.name)
        inner = _dataclass(hint)
        if inner is not None:
            table += field_table(inner, value, f"{prefix}{field.name}.")
        else:
            table.append(_field_public(prefix + field.name, hint, value))
    return table


def core_params(request: Any) -> Any:
    """The core's parameters of a validated ``ExperimentRequest``."""
    return to_core(request.params, EXPERIMENTS[request.kind].params)


def experiment_work(request: Any) -> Callable[[Progress], Any]:
    """The job of a validated ``ExperimentRequest``: its run, given progress reports."""
    return functools.partial(EXPERIMENTS[request.kind].run, core_params(request))


def rebuilt_work(kind: str, params: str) -> Callable[[Progress], Any]:
    """The job of ``kind`` with its parameters as the web process queued them (JSON), in a
    worker elsewhere: validated again, so a worker never runs what the API would refuse."""
    request = _REQUEST.validate_python({"kind": kind, "params": orjson.loads(params)})
    return experiment_work(request)


class ExperimentAccepted(BaseModel):
    id: str
    status: JobStatus


class ExperimentSummary(BaseModel):
    """One of a client's experiments, without its result (``GET /api/experiments/{id}``)."""

    id: str
    kind: str
    status: JobStatus
    progress: float = Field(ge=0, le=1)
    submitted: float = Field(description="when this client submitted it: Unix time, seconds")
