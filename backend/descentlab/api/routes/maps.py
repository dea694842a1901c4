from fastapi import APIRouter

from descentlab.api import public
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.maps import MapPublic, MapRequest

router = APIRouter(prefix="/api", tags=["maps"])


@router.post("/maps", response_model=MapPublic)
def run_hyperparameter_map(request: MapRequest) -> ArrayJSONResponse:
    """One run per cell of a grid over two hyperparameters (up to 128 × 128), in one call.

    Every cell starts at ``start`` with the optimizer's other hyperparameters, the schedule,
    the noise and the seed of the request; its metric lands in ``z[j][i]`` for ``x[i]``,
    ``y[j]``. E.g. η × momentum for heavy ball shows Polyak's stability region.
    """
    return ArrayJSONResponse(public.hyperparameter_map(request))
