"""The network kernels' compiled code is bounded: generations of ``CAPACITY`` executables.

Tiny networks of distinct shapes train one after another (as distinct train jobs do on a
server) under a small capacity: the kernels never hold more executables than it, the
builders never more objects, memory stops growing, a shape trained again after its
generation was dropped gives the same numbers, and dropping a generation leaves the 2-D
lab's compiled programs alone.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from jax.flatten_util import ravel_pytree
from jax.tree_util import Partial

from descentlab.core import experiments, nets
from descentlab.core.analysis import analyze_point
from descentlab.core.experiments.train import NetworkSetup, train_setup
from descentlab.core.grid import evaluate_grid
from descentlab.core.nets import hessian, kernel_cache
from descentlab.core.nets.kernel_cache import KERNELS
from descentlab.core.nets.models import MLPSpec
from descentlab.core.nets.network_losses import _flat_loss, _network_loss, flat_loss
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.schedules import ScheduleConfig, schedule_shape
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, run_trajectories
from descentlab.core.warmup import release_freed_memory
from tests.compile_counter import count_compiles

SMALL_CAPACITY = 8  # two shapes' worth: a generation ends every other shape
SHAPES = 20


def _setup(index: int) -> NetworkSetup:
    """A distinct tiny network per index (SGD: the quickest epoch to compile)."""
    return NetworkSetup(
        n_samples=40,
        epochs=1,
        widths=(1 + index % 10, 1 + index // 10),
        batch_size=(4, 8, 16)[index % 3],
        optimizer="sgd",
    )


def _train_and_probe(setup: NetworkSetup) -> tuple[np.ndarray, np.ndarray]:
    """Train, then one Hessian-vector product through the loss builder (whose closure
    keys a compile of its own): the final weights and H·θ."""
    dataset, spec, trained = train_setup(setup)
    theta, _ = ravel_pytree(trained.params)
    loss = Partial(
        flat_loss(spec, setup.loss), trained.batch_stats, dataset.x_train, dataset.y_train
    )
    return np.asarray(theta), np.asarray(hessian.hvp(loss, theta, theta))


def _rss_mb() -> float:
    release_freed_memory()
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@pytest.fixture
def small_capacity(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(KERNELS, "capacity", SMALL_CAPACITY)
    KERNELS.release()
    yield
    KERNELS.release()


def test_every_network_kernel_and_builder_goes_through_the_generations() -> None:
    # A plain jax.jit or functools.cache in the network code would grow without bound.
    unbounded = re.compile(r"\bjax\.jit\b|^\s*@(functools\.)?cache\b|maxsize=None", re.MULTILINE)
    for package in (nets, experiments):
        for path in Path(package.__file__).parent.glob("*.py"):
            if path.name != "kernel_cache.py":
                assert not unbounded.search(path.read_text()), path.name
    # The bound counts through JAX's per-function cache; a JAX without it must fail here.
    assert all(callable(kernel._cache_size) for kernel in KERNELS._kernels)


@pytest.mark.usefixtures("small_capacity")
def test_distinct_shapes_stay_within_the_capacity_and_memory_stops_growing() -> None:
    generations = KERNELS.generations
    most_executables = most_built = 0
    rss: list[float] = []
    for index in range(SHAPES):
        _train_and_probe(_setup(index))
        most_executables = max(most_executables, KERNELS.executables())
        most_built = max(most_built, KERNELS.built())
        if index in (6, SHAPES - 1):
            rss.append(_rss_mb())
    assert 0 < most_executables <= SMALL_CAPACITY
    assert most_built <= SMALL_CAPACITY
    # Five executables a shape: a generation ends every other shape or so.
    assert KERNELS.generations - generations >= SHAPES * 5 // SMALL_CAPACITY - 1
    # Measured: +19 MB over these 13 shapes; without the bound, about +16 MB a shape.
    assert rss[1] - rss[0] < 100, rss


@pytest.mark.usefixtures("small_capacity")
def test_builders_are_bounded_by_the_capacity_even_without_compiling() -> None:
    for width in range(1, kernel_cache.CAPACITY + 10):
        flat_loss(MLPSpec(2, (width,), 2), "cross_entropy")
    assert _flat_loss.cache_info().currsize == kernel_cache.CAPACITY  # type: ignore[attr-defined]
    assert _network_loss.cache_info().currsize == 0  # type: ignore[attr-defined]


@pytest.mark.usefixtures("small_capacity")
def test_a_shape_trained_again_after_its_generation_ended_gives_the_same_numbers() -> None:
    setup = _setup(3)
    first = _train_and_probe(setup)
    generations = KERNELS.generations
    for index in range(4, 7):  # enough shapes to end the first one's generation ...
        _train_and_probe(_setup(index))
    assert KERNELS.generations > generations
    with count_compiles() as log:
        again = _train_and_probe(setup)
    assert any("train_epoch" in name for name in log.compiles)  # ... so it compiles again
    np.testing.assert_array_equal(again[0], first[0])
    np.testing.assert_array_equal(again[1], first[1])


def test_ending_a_generation_compiles_nothing_for_the_2d_lab() -> None:
    # What a 2-D request compiles on first use (the server compiles it all at start-up):
    # programs ahead of time, and the eager kernels of a schedule kind.
    objective = Objective.from_surface(get_surface("rosenbrock"))
    cosine = ScheduleConfig.of("cosine_decay", decay_steps=100)
    run = RunConfig(OPTIMIZERS["adam"], (-1.2, 1.0), {"learning_rate": 0.01}, schedule=cosine)
    sgd = RunConfig(OPTIMIZERS["sgd"], (1.0, 2.0))
    run_trajectories(objective, 200, [run, sgd])
    evaluate_grid(objective, 32)
    analyze_point(objective, (0.5, 0.5))
    KERNELS.release()  # what a network job does when its generation is full
    other = ScheduleConfig.of("cosine_decay", decay_steps=37, alpha=0.1)
    with count_compiles() as log:
        schedule_shape(other)
        run_trajectories(objective, 300, [sgd, run])
        evaluate_grid(objective, 48, with_gradient=True)
        analyze_point(objective, (0.1, -0.3))
    # (After jax.clear_caches() instead, the new schedule alone compiles 8 eager kernels.)
    assert log.compiles == [] and log.traces == []
