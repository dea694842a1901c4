"""`make bench`: time the lab through HTTP on loopback against the naive ways, in one run.

Writes docs/BENCHMARKS.md. Ratios matter more than absolute numbers: these machines are
noisy, so every comparison is measured in the same run.
"""

import http.client
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from bench import (
    baselines,
    browser,
    cnn,
    compiles,
    experiments,
    gpu_report,
    hessian,
    landscape,
    live,
    transfer,
    workloads,
)
from bench.load_report import render as render_load_section
from bench.server import serve, wait_for_background_warmup
from descentlab.core.warmup import every_program

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


class KeepAliveClient:
    """A minimal keep-alive HTTP client (the standard library's), so the figures measure
    the server and the transfer rather than a heavyweight client library."""

    def __init__(self, url: str) -> None:
        self._connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=120)

    def post(self, path: str, body: bytes) -> bytes:
        headers = {"content-type": "application/json"}
        self._connection.request("POST", path, body, headers)
        response = self._connection.getresponse()
        content = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}: {content[:200]!r}")
        return content

    def close(self) -> None:
        self._connection.close()


def post(client: KeepAliveClient, path: str, body: dict[str, Any]) -> Callable[[], bytes]:
    encoded = json.dumps(body).encode()
    return lambda: client.post(path, encoded)


def start_up_figures() -> dict[str, float]:
    """Cold starts: empty compilation cache with and without warm-up, then a filled cache."""
    figures: dict[str, float] = {}
    race = workloads.race()
    with (
        tempfile.TemporaryDirectory() as cache,
        client_for(Path(cache), warmup=False) as (ready_s, client),
    ):
        figures["no_warmup_ready_s"] = ready_s
        figures["no_warmup_first_race_s"] = once(post(client, "/api/trajectories", race))
    with tempfile.TemporaryDirectory() as cache:
        with client_for(Path(cache)) as (ready_s, client):
            figures["empty_cache_ready_s"] = ready_s
            figures["empty_cache_first_race_s"] = once(post(client, "/api/trajectories", race))
        with client_for(Path(cache)) as (ready_s, client):
            figures["filled_cache_ready_s"] = ready_s
            figures["filled_cache_first_race_s"] = once(post(client, "/api/trajectories", race))
    return figures


@contextmanager
def client_for(cache: Path, warmup: bool = True) -> Iterator[tuple[float, KeepAliveClient]]:
    """A fresh server and a keep-alive client for it; yields (seconds to ready, client)."""
    with serve(cache, warmup) as server:
        client = KeepAliveClient(server.url)
        try:
            yield server.seconds_to_ready, client
        finally:
            client.close()


def warm_figures() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as cache, serve(Path(cache)) as server:
        wait_for_background_warmup(server.url)
        client = KeepAliveClient(server.url)
        try:
            return {
                "race": time_calls(post(client, "/api/trajectories", workloads.race())),
                "noisy_race": time_calls(
                    post(client, "/api/trajectories", workloads.race(gradient_noise=0.5))
                ),
                "sweep": time_calls(post(client, "/api/sweeps", workloads.sweep()), repeats=20),
                "map": time_calls(
                    post(client, "/api/maps", workloads.hyperparameter_map()), repeats=20
                ),
                "grid": time_calls(post(client, "/api/grid", workloads.grid())),
                "slider": slider_timing(server.url),
            }
        finally:
            client.close()


def slider_timing(url: str) -> Timing | None:
    latencies = browser.slider_latencies_ms(url)
    return None if latencies is None else Timing.of([ms / 1000 for ms in latencies])


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


def ratio(slow_ms: float, fast_ms: float) -> str:
    return f"{slow_ms / fast_ms:,.0f}×" if fast_ms > 0 else "n/a"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def render(
    start: dict[str, float],
    warm: dict[str, Any],
    engine: Timing,
    baseline: dict[str, float],
    networks: dict[str, dict[str, Any]],
    compile_figures: dict[str, Any],
) -> str:
    race, sweep, grid = warm["race"], warm["sweep"], warm["grid"]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    numpy_race_ms, torch_race_ms = baseline["numpy_race_s"] * 1000, baseline["torch_race_s"] * 1000
    numpy_sweep_s, torch_sweep_s = baseline["numpy_sweep_s"], baseline["torch_sweep_s"]
    race_rows = [
        ("Descent Lab, HTTP end to end, p50 (target ≤ 10 ms)", f"{race.p50_ms:.1f} ms", "1×"),
        ("Descent Lab, HTTP end to end, p90", f"{race.p90_ms:.1f} ms", ""),
        (
            "the same with gradient noise σ = 0.5 on every run, p50",
            f"{warm['noisy_race'].p50_ms:.1f} ms",
            "",
        ),
        ("the engine alone, in process, p50", f"{engine.p50_ms:.1f} ms", ""),
        (
            "per-step NumPy loop (`tests/reference/numpy_optimizers.py`)",
            f"{numpy_race_ms:.0f} ms",
            ratio(numpy_race_ms, race.p50_ms),
        ),
        (
            "per-step `torch.optim` loop (float64, autograd)",
            f"{torch_race_ms:.0f} ms",
            ratio(torch_race_ms, race.p50_ms),
        ),
    ]
    sweep_rows = [
        ("Descent Lab `POST /api/sweeps`, p50 (target ≤ 100 ms)", f"{sweep.p50_ms:.1f} ms", "1×"),
        ("Descent Lab, p90", f"{sweep.p90_ms:.1f} ms", ""),
        (
            "per-step NumPy loop, 512 runs one after another",
            f"{numpy_sweep_s:.1f} s",
            ratio(numpy_sweep_s * 1000, sweep.p50_ms),
        ),
        (
            "per-step `torch.optim` loop, 512 runs one after another",
            f"{torch_sweep_s:.1f} s",
            ratio(torch_sweep_s * 1000, sweep.p50_ms),
        ),
    ]
    hyper_map = warm["map"]
    map_rows = [
        ("Descent Lab `POST /api/maps`, p50 (target ≤ 150 ms)", f"{hyper_map.p50_ms:.1f} ms", "1×"),
        ("Descent Lab, p90", f"{hyper_map.p90_ms:.1f} ms", ""),
        (
            "per-step NumPy loop, one cell after another (256 cells timed, scaled)",
            f"{baseline['numpy_map_s']:.0f} s",
            ratio(baseline["numpy_map_s"] * 1000, hyper_map.p50_ms),
        ),
    ]
    grid_rows = [
        ("Descent Lab `POST /api/grid`, p50 (target ≤ 20 ms)", f"{grid.p50_ms:.1f} ms"),
        ("Descent Lab, p90", f"{grid.p90_ms:.1f} ms"),
        (
            "NumPy vectorized + `json.dumps`, in process (no HTTP)",
            f"{baseline['naive_grid_ms']:.1f} ms",
        ),
    ]

    def start_row(label: str, key: str) -> tuple[str, str, str]:
        ready, first = start[f"{key}_ready_s"], start[f"{key}_first_race_s"]
        return (label, f"{ready:.1f} s", f"{first * 1000:.0f} ms")

    slider = warm["slider"]
    slider_rows = (
        [("p50", f"{slider.p50_ms:.0f} ms"), ("p90", f"{slider.p90_ms:.0f} ms")]
        if slider is not None
        else [("not measured", "Chromium not installed")]
    )
    start_rows = [
        start_row("warm-up on, empty compilation cache", "empty_cache"),
        start_row("warm-up on, cache filled by a previous start", "filled_cache"),
        start_row("warm-up off, empty cache (what the warm-up saves)", "no_warmup"),
    ]
    land, hess = networks["landscape"], networks["hessian"]
    landscape_rows = [
        (
            f"Descent Lab, one jitted call ({land['chunk_points']} point per vmap chunk)",
            f"{land['engine_warm_s']:.2f} s",
            "1×",
        ),
        (
            "the reference's way: a Python loop over grid points, torch model, batches of 128",
            f"{land['reference_batch128_s']:.2f} s",
            f"{land['speedup_vs_reference']:.1f}×",
        ),
        (
            "the same loop, the whole dataset per point",
            f"{land['reference_full_batch_s']:.2f} s",
            f"{land['speedup_vs_full_batch_torch']:.1f}×",
        ),
    ]
    conv = networks["cnn"]
    cnn_rows = [
        ("Descent Lab, one jitted call", f"{conv['engine_warm_s']:.2f} s", "1×"),
        (
            "the reference's way: a Python loop over grid points, torch model, batches of 128",
            f"{conv['reference_s']:.2f} s",
            f"{conv['speedup_vs_reference']:.1f}×",
        ),
    ]
    conv_rows = [
        (
            "a training step (batch 64, in an epoch's scan)",
            f"{conv['engine_step_s'] * 1000:.1f} ms",
            f"{conv['xla_step_s'] * 1000:.1f} ms",
        ),
        (
            "a Hessian-vector product (256 samples, in a loop)",
            f"{conv['engine_hvp_s'] * 1000:.0f} ms",
            f"{conv['xla_hvp_s'] * 1000:.0f} ms",
        ),
    ]
    layer_rows = [
        (
            f"every layer of the CNN ({conv['layers_network']}, {conv['cnn_layers']} layers, "
            f"{conv['cnn_parameters']:,} parameters): 24 Lanczos steps and 8 probes each",
            f"{conv['cnn_per_layer_s']:.1f} s",
        ),
        (
            f"every layer of a {conv['mlp_parameters']:,}-parameter MLP, 64 steps and 8 probes",
            f"{conv['mlp_per_layer_s']:.2f} s",
        ),
        (
            "the same MLP's dense Hessian, cut into blocks, each block's eigenvalues "
            f"(top values agree to {conv['mlp_top_agreement']:.1e})",
            f"{conv['mlp_dense_blocks_s']:.2f} s",
        ),
    ]
    hessian_rows = [
        (
            f"full spectrum, {hess['small_parameters']} parameters (target ≤ 0.3 s)",
            f"{hess['full_spectrum_s'] * 1000:.0f} ms",
        ),
        (
            "  the naive way: jax.hessian, then eigh",
            f"{hess['naive_full_spectrum_s'] * 1000:.0f} ms",
        ),
        (
            f"top eigenvalue, {hess['big_parameters']:,} parameters, 32 Lanczos steps"
            " (target ≤ 1 s)",
            f"{hess['top_eigenvalue_s'] * 1000:.0f} ms",
        ),
    ]
    experiment_rows = [
        (kind, f"{figures['cold_s']:.1f} s", f"{figures['warm_s']:.1f} s")
        for kind, figures in networks["experiments"].items()
    ]
    written = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    return f"""# Benchmarks

Written by `make bench` (`python -m bench.run_all`) on {written}, {machine}, CPU only.
Every Descent Lab figure is measured end to end through HTTP on loopback (uvicorn, the standard
library's keep-alive client, response body read; the server's response cache off, so every
request computes), warm unless it says cold, {REPEATS} repetitions
(20 for the sweep and the map) after 3 warm-up calls. The naive baselines run in the same run, so
the ratios hold even when the machine is noisy.

## The race: 8 optimizers × 1000 steps on Rosenbrock

sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, radam, one run each, every step
recorded (point, loss, gradient, learning rate, optimizer state).

{table(("how", "time", "vs Descent Lab p50"), race_rows)}

## Learning-rate sweep: 8 optimizers × 64 rates × 500 steps

{table(("how", "time", "vs Descent Lab p50"), sweep_rows)}

## Hyperparameter map: 128 × 128 runs × 500 steps

Heavy ball on the elongated valley (κ = 100) over 128 log-spaced η × 128 momenta, every
cell's final loss and divergence, the response being 16,384 values and flags
(`bench.workloads.hyperparameter_map`).

{table(("how", "time", "vs Descent Lab p50"), map_rows)}

## Grid: 256 × 256 values of Rosenbrock

{table(("how", "time"), grid_rows)}

## In the browser: slider move → redrawn paths (aim: under 100 ms)

Run 1's learning-rate slider moved one notch at a time (the default four-run race on
Rosenbrock, 500 steps), in headless Chromium with software rendering (`--disable-gpu`)
on this machine, from the `input` event to the next painted frame showing the new path:
request, engine, JSON, Plotly redraw. 30 moves after 3 warm-up moves.

{table(("slider move → painted path", "time"), slider_rows)}

## Start-up and the first request (cold; target: first request ≤ 1.5 s)

The engine is a fixed set of {len(every_program())} programs (five kernels at a few shapes
each; every surface, optimizer, schedule, step count and typed expression is data for
them). Before
the server accepts requests it compiles the default page's two (its grid, and the race
program that serves every built-in race of up to 2,048 steps, this 8 × 1000 one
included); the point analysis, a typed surface's race and then the rest follow in a
background thread. JAX's persistent compilation cache
(`DESCENTLAB_COMPILATION_CACHE_DIR`) makes a restart cheap.

{table(("scenario", "server ready", "first race request (8 × 1000)"), start_rows)}

{compiles.render(compile_figures)}
## Networks: a 2-D loss landscape (target ≥ 8× the reference's way)

A {land["network"]} ReLU MLP ({land["parameters"]:,} parameters) on {land["samples"]:,}
samples, a {land["grid"]} grid of filter-normalized directions, on `{land["device"]}`. The
torch loop is timed on two grid rows and scaled to the grid, with the faster of one thread
and torch's default; its losses agree with the engine's to
{land["max_abs_difference_vs_torch"]:.1e}. The engine does the naive
{land["naive_gflop"]:.0f} GFLOP at {land["achieved_gflops"]:.0f} GFLOP/s, which is
{land["achieved_over_matmul"]:.0%} of this machine's measured fp32 matmul throughput
({land["matmul_gflops"]:.0f} GFLOP/s). At that rate the target is out of reach on this CPU:
single-threaded torch is itself near the matmul limit.

{table(("how", "time", "vs Descent Lab"), landscape_rows)}

## Networks: a convolutional network's landscape (`python -m bench.cnn`)

A {conv["network"]} network ({conv["parameters"]:,} parameters) on the first
{conv["samples"]} of the 8 × 8 digits, a {conv["grid"]} slice along filter-normalized
directions. The torch loop is timed on two grid rows and scaled to the grid; its losses
agree with the engine's to {conv["max_relative_difference_vs_torch"]:.1e} of their size.

{table(("how", "time", "vs Descent Lab"), cnn_rows)}

The engine's convolution is one matrix product of each pixel's 3 × 3 neighbourhood with
the kernel (`models._convolve`), not XLA's convolution, whose gradient runs slowly inside
the loops the engine uses:

{table(("in a loop", "the engine's convolution", "XLA's convolution"), conv_rows)}

## Networks: per-layer Hessians

{table(("what", "time"), layer_rows)}

## Networks: Hessians (warm, best of 5)

{table(("what", "time"), hessian_rows)}

## Networks: the experiments' default runs (in process; `minimum_ratio` target ≤ 30 s)

{table(("experiment", "cold (compiling)", "warm"), experiment_rows)}

{gpu_report.render()}"""


# Sections that modules of their own write between their markers (python -m bench.job_costs,
# ...): slow or special runs that `make bench` keeps as they are instead of dropping.
OWN_SECTIONS = ("bounded", "job-costs", "cancel-latency", "network-shapes")


def kept_sections(previous: str) -> str:
    """From the line of the first of ``OWN_SECTIONS``' markers in ``previous`` to the end."""
    starts = [previous.find(f"<!-- {name}:begin") for name in OWN_SECTIONS]
    found = [start for start in starts if start >= 0]
    return previous[previous.rfind("\n", 0, min(found)) :] if found else ""


def main() -> None:
    print("first uses, typed surfaces, warm-up…", flush=True)
    compile_figures = compiles.run()
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
        "numpy_map_s": baselines.numpy_map_s(),
    }
    print("networks…", flush=True)
    networks = {
        "landscape": landscape.run(),
        "hessian": hessian.run(),
        "cnn": cnn.run(),
        "experiments": experiments.run(),
    }
    print("live training…", flush=True)
    live_figures = live.run()
    print("a first visit's bytes…", flush=True)
    first_visit = transfer.run()
    report = render(start, warm, engine, baseline, networks, compile_figures)
    report += "\n" + live.render(live_figures)
    report += "\n" + transfer.render(first_visit)
    report += "\n" + render_load_section()
    OUTPUT.write_text(report + kept_sections(OUTPUT.read_text() if OUTPUT.exists() else ""))
    print(report)


if __name__ == "__main__":
    main()
