"""Start-up warm-up: the default page is warm before the server listens, the lessons next.

The first-visit test runs in a fresh interpreter: in this process other tests may have
compiled the programs already, which would hide a first visit that compiles too little.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

from descentlab.api.schemas.grid import GridRequest
from descentlab.core.grid import GRID, LAB_RESOLUTION
from descentlab.core.trajectory import SIMULATE, call_shape
from descentlab.core.warmup import FIRST_VISIT, NEXT, every_program
from descentlab.lessons.catalogue import LESSONS
from descentlab.lessons.format import SurfaceScenario

FRONTEND = Path(__file__).parents[2] / "frontend" / "js"
DEFAULTS = (FRONTEND / "state.js").read_text().split("export const DEFAULTS")[1]
UI_STEPS = int(re.search(r"steps: (\d+),", DEFAULTS)[1])  # type: ignore[index]
UI_OPTIMIZERS = re.findall(r'makeRun\("(\w+)"', DEFAULTS.split("lesson:")[0])

FIRST_VISIT_SCRIPT = """
from descentlab.core import use_engine_precision; use_engine_precision()
import json
from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, run_trajectories
from descentlab.core.warmup import compiled_programs, warm_first_visit
from tests.compile_counter import count_compiles

warm_first_visit()
surface = get_surface("rosenbrock")
objective = Objective.from_surface(surface)
runs = [RunConfig(OPTIMIZERS[name], surface.default_start) for name in {optimizers!r}]
with count_compiles() as log:
    results = run_trajectories(objective, {steps}, runs)
    evaluate_grid(objective, 128)
print(json.dumps({{
    "compiles": log.compiles,
    "points": [len(r.points) for r in results],
    "compiled_programs": compiled_programs(),
}}))
"""


def test_the_first_visit_warms_exactly_what_the_default_page_asks_for() -> None:
    script = FIRST_VISIT_SCRIPT.format(optimizers=UI_OPTIMIZERS, steps=UI_STEPS)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).parents[2],
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["compiles"] == []
    assert report["points"] == [UI_STEPS + 1] * len(UI_OPTIMIZERS)
    # Only the first visit's programs: the rest is left to the background.
    assert report["compiled_programs"] == len(FIRST_VISIT) < len(every_program())


def test_the_first_visit_matches_the_front_ends_defaults() -> None:
    race = (SIMULATE, call_shape(typed=False, steps=UI_STEPS))
    assert race in FIRST_VISIT
    assert (GRID, ()) in FIRST_VISIT
    # The page's grid names no resolution (requests.js gridRequest), so it gets the API's
    # default; the warmed grid program serves any resolution (its shape is ()).
    grid_request = (FRONTEND / "requests.js").read_text().split("export function gridRequest")[1]
    assert grid_request.split("}\n")[0].count("resolution") == 0
    assert GridRequest(surface="rosenbrock").resolution == LAB_RESOLUTION


def test_every_lessons_race_is_warmed_before_the_rest() -> None:
    early = {*FIRST_VISIT, *NEXT}
    assert every_program()[: len(early)] == [*FIRST_VISIT, *NEXT]
    races = 0
    for lesson in LESSONS:
        if not isinstance(lesson.scenario, SurfaceScenario):
            continue
        shape = call_shape(typed=False, steps=lesson.scenario.steps)
        assert (SIMULATE, shape) in early, lesson.id
        races += 1
    assert races >= 10
