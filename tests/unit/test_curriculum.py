"""The curriculum's classic examples, reproduced by the engine (../shared/CURRICULUM.md)."""

import numpy as np

from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, RunResult, run_trajectories

SGD = OPTIMIZERS["sgd"]


def sgd(surface_id: str, start: tuple[float, float], steps: int, **run: float) -> list[RunResult]:
    objective = Objective.from_surface(get_surface(surface_id))
    seeds = int(run.pop("seeds", 1))
    noise = run.pop("gradient_noise", 0.0)
    configs = [
        RunConfig(SGD, start, dict(run), gradient_noise=noise, seed=seed) for seed in range(seeds)
    ]
    return run_trajectories(objective, steps, configs)


def test_section_1_gradient_descent_stays_on_the_saddle_and_noise_escapes_it() -> None:
    (stuck,) = sgd("w1w2_saddle", (0.0, 0.0), 300, learning_rate=0.1)
    assert np.all(stuck.points == 0.0)  # g = 0 at the origin: plain GD never moves
    assert np.all(stuck.loss == 1.0)
    escaped = sgd("w1w2_saddle", (0.0, 0.0), 300, learning_rate=0.1, gradient_noise=0.05, seeds=4)
    for run in escaped:
        assert run.diverged_at is None
        assert run.loss[-1] < 1e-3  # it reached the valley of minima w1·w2 = 1
        w1, w2 = run.points[-1]
        assert abs(w1 * w2 - 1.0) < 0.05


def test_section_2_noise_shakes_a_run_out_of_the_sharp_minimum_not_the_flat_one() -> None:
    surface = get_surface("sharp_flat")
    sharp, flat = (np.array([m.x, m.y]) for m in surface.minima)
    quiet = sgd("sharp_flat", tuple(sharp), 1000, learning_rate=0.01)[0]
    assert np.linalg.norm(quiet.points[-1] - sharp) < 1e-6  # plain GD stays put
    noisy = dict(learning_rate=0.01, gradient_noise=8.0, seeds=8)
    from_sharp = sgd("sharp_flat", tuple(sharp), 1000, **noisy)
    from_flat = sgd("sharp_flat", tuple(flat), 1000, **noisy)

    def time_near(runs: list[RunResult], centre: np.ndarray, radius: float) -> float:
        near = [np.linalg.norm(r.points - centre, axis=1) < radius for r in runs]
        return float(np.mean(near))

    # Every run is shaken out of the sharp basin, and most end far from it (a random walk
    # of this size may wander back past it by the last step).
    assert all(np.max(np.linalg.norm(r.points - sharp, axis=1)) > 1.0 for r in from_sharp)
    assert sum(np.linalg.norm(r.points[-1] - sharp) > 0.3 for r in from_sharp) >= 6
    # Each basin measured by its own width (about 0.15 and 0.7 in the formula).
    assert time_near(from_sharp, sharp, 0.3) < 0.3 < 0.5 < time_near(from_flat, flat, 1.0)


def test_section_4_the_elongated_valley_bounces_at_1e_2_and_crawls_at_1e_7() -> None:
    surface = get_surface("elongated_quadratic")
    start = surface.default_start
    (bouncing,) = sgd("elongated_quadratic", start, 2000, learning_rate=1e-2)
    y = bouncing.points[:, 1]
    assert np.all(np.sign(y[1:]) == -np.sign(y[:-1]))  # across the valley every step
    assert np.allclose(np.abs(y), abs(start[1]), rtol=1e-9)  # ... and it never settles
    late = slice(1500, None)
    # The loss stops decreasing while the gradient stays large: the lecture's warning.
    assert np.ptp(bouncing.loss[late]) < 1e-9 * bouncing.loss[-1]
    assert np.min(bouncing.grad_norm[late]) > 2 * 100 * abs(start[1]) * 0.99
    (crawling,) = sgd("elongated_quadratic", start, 20_000, learning_rate=1e-7)
    x = crawling.points[:, 0]
    assert abs(x[-1]) > 0.99 * abs(x[0])  # 20,000 updates: barely moved along the valley
    assert crawling.loss[-1] > 0.95 * start[0] ** 2  # nowhere near the minimum (0)
    assert np.all(np.diff(crawling.loss) < 0)  # but every step does go downhill
