"""Start-up warm-up: after it, the first visit's requests compile nothing."""

import re
from dataclasses import replace
from pathlib import Path

from descentlab.core.analysis import analyze_point
from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.schedules import ScheduleConfig
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, run_trajectories
from descentlab.core.warmup import (
    DEFAULT_STEPS,
    DEFAULT_SURFACE,
    FIRST_VISIT_OPTIMIZERS,
    UI_OPTIMIZERS,
    UI_STEPS,
    warm_first_visit,
)
from tests.compile_counter import count_compiles


def test_after_warm_up_the_default_race_compiles_nothing() -> None:
    warm_first_visit()
    surface = get_surface(DEFAULT_SURFACE)
    objective = Objective.from_surface(surface)
    runs = [
        RunConfig(OPTIMIZERS[name], (0.5, -0.5), {"learning_rate": 2e-3})
        for name in FIRST_VISIT_OPTIMIZERS
    ]
    warmup_then_cosine = ScheduleConfig.of("warmup", then=ScheduleConfig.of("cosine_decay"))
    with count_compiles() as log:
        results = run_trajectories(objective, DEFAULT_STEPS - 300, runs)
        scheduled = run_trajectories(
            objective, DEFAULT_STEPS, [replace(runs[0], schedule=warmup_then_cosine)]
        )
        evaluate_grid(objective, 200)
        analyze_point(objective, (0.25, 0.75))
    assert len(results) == len(FIRST_VISIT_OPTIMIZERS)
    assert len(scheduled[0].points) == DEFAULT_STEPS + 1
    assert log.compiles == [], log.compiles


def test_after_warm_up_the_front_ends_default_race_compiles_nothing() -> None:
    """The page's own first request: frontend/js/state.js's four runs at 500 steps."""
    warm_first_visit()
    surface = get_surface(DEFAULT_SURFACE)
    objective = Objective.from_surface(surface)
    runs = [RunConfig(OPTIMIZERS[name], surface.default_start) for name in UI_OPTIMIZERS]
    with count_compiles() as log:
        results = run_trajectories(objective, UI_STEPS, runs)
    assert [len(r.points) for r in results] == [UI_STEPS + 1] * len(UI_OPTIMIZERS)
    assert log.compiles == [], log.compiles


def test_the_warm_up_matches_the_front_ends_defaults() -> None:
    state = (Path(__file__).parents[2] / "frontend" / "js" / "state.js").read_text()
    defaults = state[state.index("export const DEFAULTS") :]
    assert f"steps: {UI_STEPS}," in defaults
    assert re.findall(r'makeRun\("(\w+)"', defaults) == list(UI_OPTIMIZERS)
