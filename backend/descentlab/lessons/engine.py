"""A 2-D lesson's scenario on the engine: the objective and the runs the lab would race.

The lab sends ``POST /api/trajectories`` built from its state (``frontend/js/requests.js``);
these functions build the same race from a ``SurfaceScenario`` without the API, so a test
(or an export that precomputes a lesson) runs exactly what a learner sees.
"""

from descentlab.core.objective import Objective
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, RunResult, run_trajectories
from descentlab.lessons.format import Point, SurfaceScenario


def objective_of(scenario: SurfaceScenario) -> Objective:
    surface = get_surface(scenario.surface)
    return Objective.from_surface(surface, surface.params_from(scenario.params))


def start_of(scenario: SurfaceScenario) -> Point:
    """The runs' shared start: the scenario's, or the surface's default one."""
    return scenario.start or get_surface(scenario.surface).default_start


def run_configs(scenario: SurfaceScenario) -> list[RunConfig]:
    start = start_of(scenario)
    return [
        RunConfig.from_mapping(
            {
                "optimizer": {"name": run.optimizer, **run.hyper},
                "start": start,
                "schedule": run.schedule,
                "gradient_noise": run.noise,
                "seed": run.seed,
            }
        )
        for run in scenario.runs
    ]


def run_scenario(scenario: SurfaceScenario) -> list[RunResult]:
    """Every run of the scenario for its steps, in the order of ``scenario.runs``."""
    return run_trajectories(objective_of(scenario), scenario.steps, run_configs(scenario))
