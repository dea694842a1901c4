"""Compile what a first visit needs before the service accepts requests.

Compiling is the one slow thing here (about 0.3–0.8 s per surface and optimizer kind on
a 2-core machine, once per step bucket and run bucket), so start-up does the default
scenario first, while the server is not yet listening, and the rest in the background.
"""

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from descentlab.core.analysis import analyze_point
from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.schedules import warm_schedule_kernels
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, run_trajectories, step_bucket

DEFAULT_SURFACE = "rosenbrock"
DEFAULT_STEPS = 1000
# The front end's own default race (frontend/js/state.js: 500 steps, so the 512 bucket).
UI_STEPS = 500
UI_OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
DEFAULT_GRID = 128
# The race a first visit shows; the other optimizers compile in the background.
FIRST_VISIT_OPTIMIZERS = (
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "radam",
)


def _race_jobs(names: Iterable[str], steps: int = DEFAULT_STEPS) -> list[Callable[[], object]]:
    surface = get_surface(DEFAULT_SURFACE)
    objective = Objective.from_surface(surface)
    return [
        partial(
            run_trajectories,
            objective,
            steps,
            [RunConfig(OPTIMIZERS[name], surface.default_start)],
        )
        for name in names
    ]


def _run_all(jobs: list[Callable[[], object]], workers: int) -> None:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


def warm_first_visit(workers: int = 2) -> None:
    """The default race (``FIRST_VISIT_OPTIMIZERS`` on Rosenbrock, one run each, the
    ``DEFAULT_STEPS`` step bucket), the front end's default race (``UI_OPTIMIZERS`` at
    ``UI_STEPS``), every schedule kind at both buckets, the surface's grid at resolutions
    128 and 256, and the point analysis."""
    surface = get_surface(DEFAULT_SURFACE)
    objective = Objective.from_surface(surface)
    jobs = _race_jobs(FIRST_VISIT_OPTIMIZERS) + _race_jobs(UI_OPTIMIZERS, UI_STEPS)
    jobs += [
        partial(warm_schedule_kernels, step_bucket(DEFAULT_STEPS)),
        partial(warm_schedule_kernels, step_bucket(UI_STEPS)),
        partial(evaluate_grid, objective, DEFAULT_GRID),
        partial(evaluate_grid, objective, 256),
        partial(analyze_point, objective, surface.default_start),
    ]
    _run_all(jobs, workers)


def warm_remaining_optimizers(workers: int = 1) -> None:
    """The other optimizers on the default surface: meant for a background thread."""
    _run_all(_race_jobs(n for n in OPTIMIZERS if n not in FIRST_VISIT_OPTIMIZERS), workers)
