"""Compile what a first visit needs before the service accepts requests."""

from concurrent.futures import Future, ThreadPoolExecutor

from descentlab.core.analysis import analyze_point
from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.schedules import warm_schedule_kernels
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, run_trajectories, step_bucket

DEFAULT_SURFACE = "rosenbrock"
DEFAULT_STEPS = 1000
DEFAULT_GRID = 128


def warm_default_scenario(workers: int = 2) -> None:
    """Compile the default race: every optimizer on Rosenbrock, one run each, up to
    ``DEFAULT_STEPS`` steps; every schedule kind at that step bucket; its grid at the
    default resolution and 256; and the point analysis. Other surfaces and larger batches
    compile on first use (about 0.3–0.6 s per surface and optimizer on a 2-core machine),
    or come from the persistent cache.
    """
    surface = get_surface(DEFAULT_SURFACE)
    objective = Objective.from_surface(surface)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures: list[Future[object]] = [
            pool.submit(
                run_trajectories,
                objective,
                DEFAULT_STEPS,
                [RunConfig(spec, surface.default_start)],
            )
            for spec in OPTIMIZERS.values()
        ]
        futures += [
            pool.submit(warm_schedule_kernels, step_bucket(DEFAULT_STEPS)),
            pool.submit(evaluate_grid, objective, DEFAULT_GRID),
            pool.submit(evaluate_grid, objective, 256),
            pool.submit(analyze_point, objective, surface.default_start),
        ]
        for future in futures:
            future.result()
