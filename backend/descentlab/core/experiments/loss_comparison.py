"""Cross-entropy vs MSE on softmax outputs (curriculum section 5).

The lecture's 3-class error surface over two logits (y₁, y₂ ∈ [−10, 10], y₃ held low,
target class 1) under both losses, and the same optimizer run on both from the same
start: the MSE run stalls on the plateau, the cross-entropy run descends.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import Ge, Gt, Le

from descentlab.core.base import Doc, Point, Result
from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OptimizerName, get_optimizer
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, run_trajectories

LOSSES = {"cross_entropy": "logits_cross_entropy", "mse": "logits_mse"}


@dataclass(frozen=True)
class LossComparisonParams:
    """Cross-entropy vs MSE over two logits (curriculum section 5)."""

    y3: Annotated[float, Ge(-50), Le(10), Doc("the third logit, held fixed")] = -20.0
    start: Point = (-8.0, 8.0)
    optimizer: OptimizerName = "sgd"
    learning_rate: Annotated[float, Gt(0), Le(100)] = 1.0
    steps: Annotated[int, Ge(1), Le(5000)] = 300
    resolution: Annotated[int, Ge(8), Le(256)] = 101


def check_params(params: LossComparisonParams) -> None:
    """Nothing to check across fields: the bounds say it all."""
    del params


def run(params: LossComparisonParams, progress: Callable[[float], None]) -> Result:
    """Both error surfaces, and one run of the same optimizer on each."""
    result: dict[str, Any] = {"params": params.__dict__, "losses": {}}
    optimizer = get_optimizer(params.optimizer)
    for done, (loss, surface_id) in enumerate(LOSSES.items()):
        objective = Objective.from_surface(get_surface(surface_id), (params.y3,))
        grid = evaluate_grid(objective, params.resolution)
        config = RunConfig(optimizer, params.start, {"learning_rate": params.learning_rate})
        (run_result,) = run_trajectories(objective, params.steps, [config])
        result["losses"][loss] = {
            "surface": surface_id,
            "grid": {"x": grid.x, "y": grid.y, "z": grid.z},
            "run": {
                "points": run_result.points,
                "loss": run_result.loss,
                "grad_norm": run_result.grad_norm,
                "diverged_at": run_result.diverged_at,
            },
        }
        progress((done + 1) / len(LOSSES))
    return result
