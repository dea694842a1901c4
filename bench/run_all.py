"""`make bench`: time the lab through HTTP on loopback against the naive ways, in one run.

Writes docs/BENCHMARKS.md. Ratios matter more than absolute numbers: these machines are
noisy, so every comparison is measured in the same run.
"""

import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench import baselines, workloads
from bench.server import serve

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md"
REPEATS = 40


@dataclass(frozen=True)
class Timing:
    p50_ms: float
    p90_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> "Timing":
        ms = sorted(s * 1000 for s in seconds)
        return cls(statistics.median(ms), ms[int(0.9 * (len(ms) - 1))])


def time_calls(call: Callable[[], Any], repeats: int = REPEATS, warm: int = 3) -> Timing:
    for _ in range(warm):
        call()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return Timing.of(seconds)


def once(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def post(client: httpx.Client, path: str, body: dict[str, Any]) -> Callable[[], bytes]:
    def call() -> bytes:
        response = client.post(path, json=body)
        response.raise_for_status()
        return response.content

    return call


def start_up_figures() -> dict[str, float]:
    """Cold starts: empty compilation cache with and without warm-up, then a filled cache."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as cache:
        with serve(Path(cache), warmup=False) as server, httpx.Client(base_url=server.url, timeout=120) as c:
            figures["no_warmup_ready_s"] = server.seconds_to_ready
            figures["no_warmup_first_race_s"] = once(post(c, "/api/trajectories", workloads.race()))
    with tempfile.TemporaryDirectory() as cache:
        with serve(Path(cache)) as server, httpx.Client(base_url=server.url, timeout=120) as client:
            figures["empty_cache_ready_s"] = server.seconds_to_ready
            figures["empty_cache_first_race_s"] = once(
                post(client, "/api/trajectories", workloads.race())
            )
        with serve(Path(cache)) as server, httpx.Client(base_url=server.url, timeout=120) as client:
            figures["filled_cache_ready_s"] = server.seconds_to_ready
            figures["filled_cache_first_race_s"] = once(
                post(client, "/api/trajectories", workloads.race())
            )
    return figures


def warm_figures() -> dict[str, Timing]:
    with tempfile.TemporaryDirectory() as cache:
        with serve(Path(cache)) as server, httpx.Client(base_url=server.url, timeout=120) as client:
            return {
                "race": time_calls(post(client, "/api/trajectories", workloads.race())),
                "sweep": time_calls(post(client, "/api/sweeps", workloads.sweep()), repeats=20),
                "grid": time_calls(post(client, "/api/grid", workloads.grid())),
            }


def in_process_race() -> Timing:
    """The engine alone (no HTTP, no JSON), to show where the end-to-end time goes."""
    from descentlab.core.objective import Objective
    from descentlab.core.optimizers import OPTIMIZERS
    from descentlab.core.surfaces import get_surface
    from descentlab.core.trajectory import RunConfig, run_trajectories

    objective = Objective.from_surface(get_surface("rosenbrock"))
    runs = [
        RunConfig(OPTIMIZERS[name], workloads.START, dict(hyper))
        for name, hyper in workloads.RACE_OPTIMIZERS.items()
    ]
    return time_calls(lambda: run_trajectories(objective, 1000, runs), repeats=REPEATS)


def naive_grid(resolution: int = 256) -> Callable[[], bytes]:
    """NumPy vectorized over the grid, serialized with the standard library."""

    def call() -> bytes:
        xs, ys = np.linspace(-2, 2, resolution), np.linspace(-1, 3, resolution)
        x, y = np.meshgrid(xs, ys)
        z = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        return json.dumps({"x": xs.tolist(), "y": ys.tolist(), "z": z.tolist()}).encode()

    return call


def naive_sweep(race: Callable[..., list[np.ndarray]], steps: int, count: int) -> float:
    rates = np.geomspace(1e-5, 1.0, count)
    started = time.perf_counter()
    with np.errstate(all="ignore"):
        for rate in rates:
            race(steps, dict.fromkeys(workloads.RACE_OPTIMIZERS, float(rate)))
    return time.perf_counter() - started


def ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:,.0f}×" if fast > 0 else "n/a"


def render(
    start: dict[str, float],
    warm: dict[str, Timing],
    engine: Timing,
    baseline: dict[str, float],
) -> str:
    race, sweep, grid = warm["race"], warm["sweep"], warm["grid"]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    return f"""# Benchmarks

Written by `make bench` (`python -m bench.run_all`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC,
{machine}, CPU only. Every Descent Lab figure is measured end to end through HTTP on
loopback (uvicorn, keep-alive client, response body read), warm unless it says cold,
{REPEATS} repetitions after 3 warm-up calls. The naive baselines run in the same process
and the same run, so the ratios hold even when the machine is noisy.

## The race: 8 optimizers × 1000 steps on Rosenbrock

sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, radam, one run each, every step
recorded (point, loss, gradient, learning rate, optimizer state).

| how | time | vs Descent Lab p50 |
|---|---:|---:|
| Descent Lab, HTTP end to end, p50 (target ≤ 10 ms) | {race.p50_ms:.1f} ms | 1× |
| Descent Lab, HTTP end to end, p90 | {race.p90_ms:.1f} ms | |
| the engine alone, in process, p50 | {engine.p50_ms:.1f} ms | |
| per-step NumPy loop (`tests/reference/numpy_optimizers.py`) | {baseline["numpy_race_s"] * 1000:.0f} ms | {ratio(baseline["numpy_race_s"] * 1000, race.p50_ms)} |
| per-step `torch.optim` loop (float64, autograd) | {baseline["torch_race_s"] * 1000:.0f} ms | {ratio(baseline["torch_race_s"] * 1000, race.p50_ms)} |

## Learning-rate sweep: 8 optimizers × 64 rates × 500 steps

| how | time | vs Descent Lab p50 |
|---|---:|---:|
| Descent Lab `POST /api/sweeps`, p50 (target ≤ 100 ms) | {sweep.p50_ms:.1f} ms | 1× |
| Descent Lab, p90 | {sweep.p90_ms:.1f} ms | |
| per-step NumPy loop, 512 runs one after another | {baseline["numpy_sweep_s"]:.1f} s | {ratio(baseline["numpy_sweep_s"] * 1000, sweep.p50_ms)} |
| per-step `torch.optim` loop, 512 runs one after another | {baseline["torch_sweep_s"]:.1f} s | {ratio(baseline["torch_sweep_s"] * 1000, sweep.p50_ms)} |

## Grid: 256 × 256 values of Rosenbrock

| how | time |
|---|---:|
| Descent Lab `POST /api/grid`, p50 (target ≤ 20 ms) | {grid.p50_ms:.1f} ms |
| Descent Lab, p90 | {grid.p90_ms:.1f} ms |
| NumPy vectorized + `json.dumps`, in process (no HTTP) | {baseline["naive_grid_ms"]:.1f} ms |

## Start-up and the first request (cold)

Start-up compiles the default scenario before the server accepts requests: all 14
optimizers on Rosenbrock (one run each, the 1024-step bucket), the Rosenbrock grid at
resolution 128 and 256, and the point analysis. JAX's persistent compilation cache
(`DESCENTLAB_COMPILATION_CACHE_DIR`) makes a restart cheaper.

| scenario | server ready | first race request (8 × 1000) |
|---|---:|---:|
| warm-up on, empty compilation cache (target: first request ≤ 1.5 s) | {start["empty_cache_ready_s"]:.1f} s | {start["empty_cache_first_race_s"] * 1000:.0f} ms |
| warm-up on, cache filled by a previous start | {start["filled_cache_ready_s"]:.1f} s | {start["filled_cache_first_race_s"] * 1000:.0f} ms |
| warm-up off, empty cache (what the warm-up saves) | {start["no_warmup_ready_s"]:.1f} s | {start["no_warmup_first_race_s"] * 1000:.0f} ms |

A surface or optimizer the warm-up did not cover compiles on its first use (roughly
0.3–0.6 s per surface and optimizer kind on this machine), once per step bucket (powers
of two from 64) and run bucket (powers of two).
"""


def main() -> None:
    print("start-up and cold requests…", flush=True)
    start = start_up_figures()
    print("warm requests…", flush=True)
    warm = warm_figures()
    print("engine in process…", flush=True)
    engine = in_process_race()
    print("naive baselines…", flush=True)
    baseline = {
        "numpy_race_s": min(once(lambda: baselines.numpy_race(1000)) for _ in range(3)),
        "torch_race_s": min(once(lambda: baselines.torch_race(1000)) for _ in range(3)),
        "numpy_sweep_s": naive_sweep(baselines.numpy_race, 500, 64),
        "torch_sweep_s": naive_sweep(baselines.torch_race, 500, 64),
        "naive_grid_ms": time_calls(naive_grid()).p50_ms,
    }
    report = render(start, warm, engine, baseline)
    OUTPUT.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
