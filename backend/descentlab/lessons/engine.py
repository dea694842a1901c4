"""A 2-D lesson's scenario on the engine: the objective and the runs the lab would race.

The lab sends ``POST /api/trajectories`` built from its state (``frontend/js/requests.js``);
these functions build the same race from a ``SurfaceScenario`` without the API, so a test
(or an export that precomputes a lesson) runs exactly what a learner sees.
"""

from math import inf

from descentlab.core.hyperparameter_maps import (
    DEFAULT_TOLERANCE,
    HyperparameterMap,
    MapAxis,
    hyperparameter_map,
    map_steps,
    tolerance_target,
)
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


def map_of(scenario: SurfaceScenario) -> HyperparameterMap:
    """The scenario's hyperparameter map as the lab asks for it (``hyper_map.js
    mapRequest``): its run's settings, at most the steps the map's bound allows."""
    setting = scenario.hyper_map
    if setting is None:
        raise ValueError("the scenario has no hyperparameter map")
    x, y = (MapAxis.spaced(a.param, a.min, a.max, a.count, a.scale) for a in (setting.x, setting.y))
    surface = get_surface(scenario.surface)
    reaching = setting.metric == "steps_to_tolerance"
    target = tolerance_target(surface, DEFAULT_TOLERANCE) if reaching else -inf
    steps = map_steps(scenario.steps, setting.x.count * setting.y.count)
    run = run_configs(scenario)[setting.run]
    return hyperparameter_map(objective_of(scenario), steps, run, x, y, target)
