from fastapi import APIRouter

from descentlab.api.convert import objective_for, run_config
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.sweeps import SweepPublic, SweepRequest
from descentlab.core.sweep import log_spaced, sweep_learning_rates

router = APIRouter(prefix="/api", tags=["sweeps"])


@router.post("/sweeps", response_model=SweepPublic)
def run_sweep(request: SweepRequest) -> ArrayJSONResponse:
    """Every optimizer at log-spaced learning rates from one start, in one vmapped call each.

    The best rate per optimizer is the one with the lowest final (or mean) loss among
    the runs that did not diverge; the UI then races every optimizer at its best rate.
    """
    rates = request.learning_rates
    learning_rates = log_spaced(rates.min, rates.max, rates.count)
    templates = [
        run_config(c.optimizer, c.schedule, request.start, request.gradient_noise, request.seed)
        for c in request.optimizers
    ]
    results = sweep_learning_rates(
        objective_for(request.surface), request.steps, templates, learning_rates, request.metric
    )
    scores = "final_loss" if request.metric == "final" else "mean_loss"
    body = []
    for candidate, template, result in zip(request.optimizers, templates, results, strict=True):
        best = result.best_index
        body.append(
            {
                "label": candidate.label or template.optimizer.name,
                "optimizer": template.optimizer.name,
                "final_loss": result.final_loss,
                "mean_loss": result.mean_loss,
                "diverged_at": result.diverged_at,
                "best_learning_rate": None if best is None else learning_rates[best],
                "best_loss": None if best is None else getattr(result, scores)[best],
            }
        )
    return ArrayJSONResponse(
        {
            "learning_rates": learning_rates,
            "metric": request.metric,
            "steps": request.steps,
            "results": body,
        }
    )
