from fastapi import APIRouter

from descentlab.api.convert import objective_for
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.analysis import AnalysisPublic, AnalyzeRequest
from descentlab.core.analysis import analyze_point

router = APIRouter(prefix="/api", tags=["analysis"])


@router.post("/analyze", response_model=AnalysisPublic)
def analyze(request: AnalyzeRequest) -> ArrayJSONResponse:
    """Gradient, Hessian, eigenpairs, and the second-order test at a point."""
    result = analyze_point(
        objective_for(request.surface),
        request.point,
        request.gradient_tolerance,
        request.eigenvalue_tolerance,
    )
    taylor = result.taylor
    return ArrayJSONResponse(
        {
            "point": result.point,
            "value": result.value,
            "gradient": result.gradient,
            "gradient_norm": result.gradient_norm,
            "hessian": result.hessian,
            "eigenvalues": result.eigenvalues,
            "eigenvectors": result.eigenvectors,
            "critical": result.critical,
            "kind": result.kind,
            "escape_direction": result.escape_direction,
            "gradient_tolerance": result.gradient_tolerance,
            "eigenvalue_tolerance": result.eigenvalue_tolerance,
            "taylor": {
                "center": taylor.center,
                "value": taylor.value,
                "gradient": taylor.gradient,
                "hessian": taylor.hessian,
                "polynomial": taylor.polynomial,
            },
        }
    )
