"""Schedule request models, generated from the engine's table (warm-up wraps the others)."""

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, create_model

from descentlab.api.schemas.common import ParameterPublic, StrictModel, parameter_field
from descentlab.core.base import Parameter
from descentlab.core.schedules import (
    SCHEDULES,
    WARMUP_PARAMETERS,
)


def _model(name: str, doc: str, parameters: tuple[Parameter, ...], **extra: Any) -> type[BaseModel]:
    fields: dict[str, Any] = {"name": (Literal[name], ...)}
    fields |= {p.name: parameter_field(p) for p in parameters}
    return create_model(
        f"{name.title().replace('_', '')}Schedule",
        __base__=StrictModel,
        __doc__=doc,
        **fields,
        **extra,
    )


_PLAIN_MODELS = {
    name: _model(name, f"{spec.title}: ${spec.formula}$", spec.parameters)
    for name, spec in SCHEDULES.items()
}
if TYPE_CHECKING:  # the unions are built from the table at run time
    PlainScheduleRequest = BaseModel
else:
    PlainScheduleRequest = Annotated[
        Union[tuple(_PLAIN_MODELS.values())],  # noqa: UP007
        Field(discriminator="name"),
    ]
WarmupSchedule = _model(
    "warmup",
    "Linear warm-up from init_value·η to η over warmup_steps, then the `then` schedule "
    "(constant η when absent), as in ResNet and the Transformer.",
    WARMUP_PARAMETERS,
    then=(PlainScheduleRequest | None, None),
)
if TYPE_CHECKING:
    ScheduleRequest = BaseModel
else:
    ScheduleRequest = Annotated[
        Union[(*_PLAIN_MODELS.values(), WarmupSchedule)],
        Field(discriminator="name"),
    ]


class SchedulePublic(BaseModel):
    name: str
    title: str
    formula: str
    parameters: list[ParameterPublic]
