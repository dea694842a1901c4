"""What can be chosen: surfaces, optimizers, schedules, input features."""

from fastapi import APIRouter

from descentlab.api import public
from descentlab.api.schemas.live import FeaturePublic
from descentlab.api.schemas.optimizers import OptimizerPublic
from descentlab.api.schemas.schedules import SchedulePublic
from descentlab.api.schemas.surfaces import SurfacePublic
from descentlab.core.nets.datasets import FEATURES

router = APIRouter(prefix="/api")


@router.get("/surfaces", tags=["surfaces"])
def list_surfaces() -> list[SurfacePublic]:
    return public.surfaces()


@router.get("/optimizers", tags=["optimizers"])
def list_optimizers() -> list[OptimizerPublic]:
    return public.optimizers()


@router.get("/features", tags=["features"])
def list_features() -> list[FeaturePublic]:
    """The input features a network on 2-D data may read (``setup.features``), in order."""
    return [FeaturePublic(name=name, label=feature.label) for name, feature in FEATURES.items()]


@router.get("/schedules", tags=["schedules"])
def list_schedules() -> list[SchedulePublic]:
    return public.schedules()
