"""GPU smoke test and GPU rows for docs/BENCHMARKS.md, run once on a lent GPU machine.

    PYTHONPATH=backend:. python3 -m bench.gpu docs/benchmarks_gpu.json

Checks that 2-D work stays on the CPU device while network work runs on the GPU, and
times, on the GPU: the 8-optimizer race pinned to the CPU vs forced onto the GPU (why the
engine pins it), the 2-D landscape at 51² × 2,048 and 101² × 8,192 samples for several
chunk sizes against the reference's loop in PyTorch on the same GPU, the Hessian
targets, training time per update and per epoch by batch size, and the network
experiments' default runs. ``bench/run_all.py``
renders the JSON it writes into docs/BENCHMARKS.md.
"""

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from bench import experiments as experiments_bench
from bench import hessian as hessian_bench
from bench import landscape as landscape_bench
from descentlab.core import trajectory
from descentlab.core.device import on_cpu
from descentlab.core.experiments.train import NetworkSetup, load_dataset, model_for, train_setup
from descentlab.core.nets import landscape
from descentlab.core.nets.training import (
    NO_PENALTY,
    TrainingRun,
    train,
    train_epoch,
    whole_epoch,
)
from descentlab.core.objective import Objective
from descentlab.core.optimizers import get_optimizer
from descentlab.core.surfaces import get_surface

RACE = {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.1}
RACE |= {"rmsprop": 1e-2, "adam": 1e-2, "adamw": 1e-2, "radam": 1e-2}
CHUNKS = (8, 32, 128, 512)


def best(call: Callable[[], Any], repeats: int = 5) -> float:
    call()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return min(seconds)


def smoke() -> dict[str, Any]:
    with on_cpu():
        pinned = jnp.zeros(1).devices()
    _, _, trained = train_setup(NetworkSetup(epochs=2))
    leaf = jax.tree.leaves(trained.params)[0]
    return {
        "jax": jax.__version__,
        "devices": [str(d) for d in jax.devices()],
        "default_backend": jax.default_backend(),
        "two_d_work_device": sorted(d.platform for d in pinned),
        "training_device": sorted(d.platform for d in leaf.devices()),
        "landscape_chunk_points": landscape.chunk_points(),
    }


def race_cpu_vs_gpu() -> dict[str, float]:
    objective = Objective.from_surface(get_surface("rosenbrock"), ())
    configs = [
        trajectory.RunConfig(get_optimizer(name), (-1.2, 1.0), {"learning_rate": lr})
        for name, lr in RACE.items()
    ]

    def race() -> Any:
        return trajectory.run_trajectories(objective, 1000, configs)

    pinned = best(race, 10)
    original = trajectory.SIMULATE
    trajectory.SIMULATE = original.on(jax.devices()[0])
    try:
        on_gpu = best(race, 10)
    finally:
        trajectory.SIMULATE = original
    return {"race_cpu_ms": pinned * 1e3, "race_gpu_ms": on_gpu * 1e3}


def landscape_rows() -> list[dict[str, Any]]:
    """Each grid at several chunk sizes, then the full comparison at the lab's default."""
    default = landscape.ACCELERATOR_CHUNK_POINTS
    rows = []
    for resolution, samples in ((51, 2048), (101, 8192)):
        timings = {}
        for chunk in CHUNKS:
            landscape.ACCELERATOR_CHUNK_POINTS = chunk
            timings[chunk] = _landscape_warm(resolution, samples)
        landscape.ACCELERATOR_CHUNK_POINTS = default
        row = landscape_bench.run(resolution, samples, reference_device="cuda")
        row["warm_s_by_chunk"] = {str(c): s for c, s in timings.items()}
        rows.append(row)
    return rows


def _landscape_warm(resolution: int, samples: int) -> float:
    params = landscape_bench.mlp_params(jax.random.key(1))
    d1 = landscape.random_direction(params, jax.random.key(2))
    d2 = landscape.random_direction(params, jax.random.key(3))
    x, labels = landscape_bench.two_spirals(samples)
    data = (jnp.asarray(x), jnp.asarray(labels))
    axis = np.linspace(-1.0, 1.0, resolution)
    return best(
        lambda: landscape.slice_2d(landscape_bench.mlp_loss, params, d1, d2, axis, axis, data), 3
    )


def batch_size_timing() -> list[dict[str, float]]:
    """Seconds per update and per epoch by batch size (curriculum section 2) on the GPU."""
    setup = NetworkSetup(dataset="moons", n_samples=4096, widths=(64, 64), epochs=1)
    dataset = load_dataset(setup)
    spec = model_for(setup, dataset)
    x = jnp.asarray(dataset.x_train, jnp.float32)
    y = jnp.asarray(dataset.y_train, jnp.int32)
    optimizer = get_optimizer("sgd")
    rows = []
    for batch in (1, 8, 64, 512, x.shape[0]):
        run = TrainingRun(
            spec, "cross_entropy", optimizer, {"learning_rate": 0.05}, batch, 1, 0,
            boundary_resolution=None,
        )  # fmt: skip
        trained = train(run, dataset)
        steps = trained.steps_per_epoch
        rates = jnp.full((steps,), 0.05, jnp.float32)
        state = _state(trained, optimizer)

        def epoch(
            batch: int = batch, state: Any = state, rates: Any = rates, steps: int = steps
        ) -> None:
            out, _ = train_epoch(
                spec, "cross_entropy", batch, optimizer, state, x, y,
                jax.random.key(0), rates, {}, NO_PENALTY, whole_epoch(steps),
            )  # fmt: skip
            jax.block_until_ready(out)

        seconds = best(epoch, 3)
        rows.append(
            {
                "batch_size": batch,
                "seconds_per_epoch": seconds,
                "seconds_per_update": seconds / steps,
            }
        )
    return rows


def _state(trained: Any, optimizer: Any) -> Any:
    from descentlab.core.nets.training import TrainState, init_optimizer_state

    rate = jnp.asarray(0.05, jnp.float32)
    opt_state = init_optimizer_state(optimizer, trained.params, rate, {})
    return TrainState(trained.params, trained.batch_stats, opt_state)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks_gpu.json")
    report: dict[str, Any] = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    steps: dict[str, Callable[[], Any]] = {
        "smoke": smoke,
        "race": race_cpu_vs_gpu,
        "hessian": hessian_bench.run,
        "batch_size": batch_size_timing,
        "landscape": landscape_rows,
        "experiments": experiments_bench.run,
    }
    for name, step in steps.items():
        started = time.perf_counter()
        try:
            report[name] = step()
        except Exception as error:  # record and go on: one device run must give all it can
            report[name] = {"error": f"{type(error).__name__}: {error}"}
        print(f"{name} ({time.perf_counter() - started:.1f} s):", report[name], flush=True)
        out.write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
