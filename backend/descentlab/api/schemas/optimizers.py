"""One request model per optimizer, generated from the engine's table.

A discriminated union on ``name`` turns an unknown optimizer into a clear 422, and
OpenAPI documents every hyperparameter with optax's name, default and bounds.
"""

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, create_model

from descentlab.api.schemas.common import StrictModel
from descentlab.core.optimizers import OPTIMIZERS, Hyperparameter, OptimizerSpec


def _field(h: Hyperparameter) -> Any:
    return (
        float,
        Field(
            h.default,
            ge=h.lower,
            le=h.upper,
            description=h.description,
            json_schema_extra={"x-log-scale": h.log_scale},
        ),
    )


def _model(spec: OptimizerSpec) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "name": (Literal[spec.name], ...),
        "learning_rate": _field(spec.learning_rate),
    }
    fields |= {h.name: _field(h) for h in spec.hyperparameters}
    return create_model(
        f"{spec.name.capitalize()}Optimizer",
        __base__=StrictModel,
        __doc__=f"{spec.title}. {spec.reference}",
        **fields,
    )


OPTIMIZER_MODELS: dict[str, type[BaseModel]] = {name: _model(s) for name, s in OPTIMIZERS.items()}

if TYPE_CHECKING:  # the union is built from the table at run time
    OptimizerRequest = BaseModel
else:
    OptimizerRequest = Annotated[
        Union[tuple(OPTIMIZER_MODELS.values())],  # noqa: UP007
        Field(discriminator="name"),
    ]


class HyperparameterPublic(BaseModel):
    name: str
    default: float
    lower: float
    upper: float
    log_scale: bool
    description: str


class OptimizerPublic(BaseModel):
    name: str
    title: str
    reference: str
    hyperparameters: list[HyperparameterPublic]
    state: list[str] = Field(description="what each step's ``state`` holds for this optimizer")
