"""What can be chosen: surfaces, optimizers, schedules."""

from fastapi import APIRouter

from descentlab.api import public
from descentlab.api.schemas.optimizers import OptimizerPublic
from descentlab.api.schemas.schedules import SchedulePublic
from descentlab.api.schemas.surfaces import SurfacePublic

router = APIRouter(prefix="/api")


@router.get("/surfaces", tags=["surfaces"])
def list_surfaces() -> list[SurfacePublic]:
    return public.surfaces()


@router.get("/optimizers", tags=["optimizers"])
def list_optimizers() -> list[OptimizerPublic]:
    return public.optimizers()


@router.get("/schedules", tags=["schedules"])
def list_schedules() -> list[SchedulePublic]:
    return public.schedules()
