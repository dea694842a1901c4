from fastapi import APIRouter

from descentlab.api.convert import objective_for, run_config
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.trajectories import TrajectoryPublic, TrajectoryRequest
from descentlab.core.trajectory import run_trajectories

router = APIRouter(prefix="/api", tags=["trajectories"])


@router.post("/trajectories", response_model=TrajectoryPublic)
def trajectories(request: TrajectoryRequest) -> ArrayJSONResponse:
    """Race the runs from their starts; each reports where it diverged, if it did."""
    configs = [
        run_config(r.optimizer, r.schedule, r.start, r.gradient_noise, r.seed) for r in request.runs
    ]
    results = run_trajectories(objective_for(request.surface), request.steps, configs)
    runs = [
        {
            "label": r.label or config.optimizer.name,
            "optimizer": config.optimizer.name,
            "points": result.points,
            "loss": result.loss,
            "gradient": result.gradient,
            "grad_norm": result.grad_norm,
            "learning_rate": result.learning_rate,
            "state": result.state,
            "diverged_at": result.diverged_at,
        }
        for r, config, result in zip(request.runs, configs, results, strict=True)
    ]
    return ArrayJSONResponse({"steps": request.steps, "runs": runs})
