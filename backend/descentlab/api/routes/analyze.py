from fastapi import APIRouter

from descentlab.api import public
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.analysis import AnalysisPublic, AnalyzeRequest

router = APIRouter(prefix="/api", tags=["analyze"])


@router.post("/analyze", response_model=AnalysisPublic)
def analyze_point(request: AnalyzeRequest) -> ArrayJSONResponse:
    """Gradient, Hessian, eigenpairs, and the second-order test at a point."""
    return ArrayJSONResponse(public.analysis(request))
