"""What can be chosen: surfaces, optimizers, schedules."""

from fastapi import APIRouter

from descentlab.api.schemas.common import DomainModel
from descentlab.api.schemas.optimizers import HyperparameterPublic, OptimizerPublic
from descentlab.api.schemas.schedules import ScheduleParameterPublic, SchedulePublic
from descentlab.api.schemas.surfaces import MinimumPublic, SurfaceParameterPublic, SurfacePublic
from descentlab.core.optimizers import OPTIMIZERS, state_keys
from descentlab.core.schedules import SCHEDULES, WARMUP_PARAMETERS
from descentlab.core.surfaces import SURFACES

router = APIRouter(prefix="/api", tags=["catalogue"])


@router.get("/surfaces")
def list_surfaces() -> list[SurfacePublic]:
    return [
        SurfacePublic(
            id=s.id,
            name=s.name,
            latex=s.latex,
            domain=DomainModel(x=s.domain[0], y=s.domain[1]),
            default_start=s.default_start,
            minima=[MinimumPublic(x=m.x, y=m.y, value=m.value) for m in s.minima],
            description=s.description,
            parameters=[SurfaceParameterPublic(**p.__dict__) for p in s.parameters],
            log_scale=s.log_colour,
        )
        for s in SURFACES.values()
    ]


@router.get("/optimizers")
def list_optimizers() -> list[OptimizerPublic]:
    return [
        OptimizerPublic(
            name=spec.name,
            title=spec.title,
            reference=spec.reference,
            hyperparameters=[
                HyperparameterPublic(**h.__dict__)
                for h in (spec.learning_rate, *spec.hyperparameters)
            ],
            state=list(state_keys(spec)),
        )
        for spec in OPTIMIZERS.values()
    ]


@router.get("/schedules")
def list_schedules() -> list[SchedulePublic]:
    plain = [
        SchedulePublic(
            name=spec.name,
            title=spec.title,
            formula=spec.formula,
            parameters=[ScheduleParameterPublic(**p.__dict__) for p in spec.parameters],
        )
        for spec in SCHEDULES.values()
    ]
    warmup = SchedulePublic(
        name="warmup",
        title="Linear warm-up, then another schedule",
        formula=(
            r"\eta_t = \eta\,(a + (1-a)\,t/w)\ \text{for}\ t < w,"
            r"\ \text{then}\ \eta^{\text{then}}_{t-w}"
        ),
        parameters=[ScheduleParameterPublic(**p.__dict__) for p in WARMUP_PARAMETERS],
    )
    return [*plain, warmup]
