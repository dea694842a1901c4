from fastapi import APIRouter

from descentlab.api import public
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.grid import GridPublic, GridRequest

router = APIRouter(prefix="/api", tags=["grid"])


@router.post("/grid", response_model=GridPublic)
def compute_grid(request: GridRequest) -> ArrayJSONResponse:
    """Values on a resolution × resolution grid, ``z[j][i] = f(x[i], y[j])``."""
    return ArrayJSONResponse(public.grid(request))
