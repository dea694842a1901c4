from fastapi import APIRouter

from descentlab.api import public
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.trajectories import TrajectoryPublic, TrajectoryRequest

router = APIRouter(prefix="/api", tags=["trajectories"])


@router.post("/trajectories", response_model=TrajectoryPublic)
def run_trajectories(request: TrajectoryRequest) -> ArrayJSONResponse:
    """Race the runs from their starts; each reports where it diverged, if it did."""
    return ArrayJSONResponse(public.trajectories(request))
