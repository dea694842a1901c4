"""Turn validated request models into the engine's objects (and nothing else)."""

from pydantic import BaseModel

from descentlab.api.schemas.common import DomainModel
from descentlab.api.schemas.surfaces import ExpressionSurface, SurfaceSelection, program_of
from descentlab.core.expressions import DEFAULT_DOMAIN
from descentlab.core.objective import Objective
from descentlab.core.surfaces import SURFACES
from descentlab.core.trajectory import RunConfig


def objective_for(
    selection: SurfaceSelection | ExpressionSurface, domain: DomainModel | None = None
) -> Objective:
    """The objective for a validated selection (its parameters were checked by the schema).

    A typed surface becomes a program for the engine's interpreter, with its numbers as
    constants. ``domain`` (the grid's own) wins over the surface's.
    """
    if isinstance(selection, ExpressionSurface):
        compiled = program_of(selection.expression)
        own = DEFAULT_DOMAIN if selection.domain is None else selection.domain.as_tuple()
        return Objective.typed(
            compiled.instructions, compiled.constants, own if domain is None else domain.as_tuple()
        )
    spec = SURFACES[selection.id]
    params = spec.params_from(selection.params)
    return Objective.from_surface(spec, params, None if domain is None else domain.as_tuple())


def run_config(
    optimizer: BaseModel,
    schedule: BaseModel | None,
    start: tuple[float, float],
    gradient_noise: float,
    seed: int,
) -> RunConfig:
    return RunConfig.from_mapping(
        {
            "optimizer": optimizer.model_dump(),
            "schedule": None if schedule is None else schedule.model_dump(),
            "start": start,
            "gradient_noise": gradient_noise,
            "seed": seed,
        }
    )
