"""One request model per optimizer, generated from the engine's table.

A discriminated union on ``name`` turns an unknown optimizer into a clear 422, and
OpenAPI documents every hyperparameter with optax's name, default and bounds.
"""

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, create_model

from descentlab.api.schemas.common import ParameterPublic, StrictModel, parameter_field
from descentlab.core.optimizers import OPTIMIZERS, OptimizerSpec


def _model(spec: OptimizerSpec) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "name": (Literal[spec.name], ...),
        "learning_rate": parameter_field(spec.learning_rate),
    }
    fields |= {h.name: parameter_field(h) for h in spec.hyperparameters}
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


class OptimizerPublic(BaseModel):
    name: str
    title: str
    reference: str
    hyperparameters: list[ParameterPublic]
    state: list[str] = Field(description="what each step's ``state`` holds for this optimizer")
    sigma_divides: Literal["momentum", "gradient"] = Field(
        description="what σ divides in θ ← θ − (η/σ)·v: the momentum m, or the gradient itself"
    )
