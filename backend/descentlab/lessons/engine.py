"""A 2-D lesson's scenario on the engine: the objective and the runs the lab would race.

The lab sends ``POST /api/trajectories`` built from its state (``frontend/js/requests.js``);
these functions build the same race from a ``SurfaceScenario`` without the API, so a test
(or an export that precomputes a lesson) runs exactly what a learner sees.
"""

from collections.abc import Mapping
from typing import Any

from descentlab.core.objective import Objective
from descentlab.core.optimizers import get_optimizer
from descentlab.core.schedules import ScheduleConfig
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, RunResult, run_trajectories
from descentlab.lessons.format import Point, SurfaceScenario


def schedule_config(schedule: Mapping[str, Any] | None) -> ScheduleConfig | None:
    """The engine's schedule for one in the API's form: ``{"name", ...values, "then"?}``."""
    if schedule is None:
        return None
    values = {k: float(v) for k, v in schedule.items() if k not in ("name", "then")}
    return ScheduleConfig.of(schedule["name"], then=schedule_config(schedule.get("then")), **values)


def objective_of(scenario: SurfaceScenario) -> Objective:
    surface = get_surface(scenario.surface)
    return Objective.from_surface(surface, surface.params_from(scenario.params))


def start_of(scenario: SurfaceScenario) -> Point:
    """The runs' shared start: the scenario's, or the surface's default one."""
    return scenario.start or get_surface(scenario.surface).default_start


def run_configs(scenario: SurfaceScenario) -> list[RunConfig]:
    start = start_of(scenario)
    return [
        RunConfig(
            optimizer=get_optimizer(run.optimizer),
            start=start,
            hyperparameters=dict(run.hyper),
            schedule=schedule_config(run.schedule),
            gradient_noise=run.noise,
            seed=run.seed,
        )
        for run in scenario.runs
    ]


def run_scenario(scenario: SurfaceScenario) -> list[RunResult]:
    """Every run of the scenario for its steps, in the order of ``scenario.runs``."""
    return run_trajectories(objective_of(scenario), scenario.steps, run_configs(scenario))
