from fastapi import APIRouter

from descentlab.api.convert import objective_for
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.grid import GridPublic, GridRequest
from descentlab.core.grid import evaluate_grid

router = APIRouter(prefix="/api", tags=["surfaces"])


@router.post("/grid", response_model=GridPublic)
def grid(request: GridRequest) -> ArrayJSONResponse:
    """Values on a resolution × resolution grid, ``z[j][i] = f(x[i], y[j])``."""
    objective = objective_for(request.surface, request.domain)
    result = evaluate_grid(objective, request.resolution, with_gradient=request.gradients)
    body: dict[str, object] = {"x": result.x, "y": result.y, "z": result.z}
    if result.gradient is not None:
        body |= {"dz_dx": result.gradient[..., 0], "dz_dy": result.gradient[..., 1]}
    return ArrayJSONResponse(body)
