"""2-D loss landscape of an MLP: the engine's one jitted call vs the reference's way.

The reference (tomgoldstein/loss-landscape, ``plot_surface.py``) loops over grid points in
Python; at each point it writes ``w + α d1 + β d2`` into the PyTorch model's parameters
(``net_plotter.set_weights``) and evaluates the whole dataset through its data loader
(``evaluation.eval_loss``, batches of 128 by default). Both ways are timed here in the
same run, on the same network, directions and data; the torch loop is timed on a few grid
rows and scaled to the full grid, with the faster of torch's default thread count and one
thread (on a busy two-core machine one thread can be much faster).

Also reported: the engine's achieved rate for the naive FLOP count (the forward pass's
matrix products, 2·samples·Σ fan_in·fan_out per grid point) against this machine's
measured fp32 matrix-product throughput (one large ``jnp`` matmul).
"""

import itertools
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from descentlab.core.nets import landscape

SIZES = (2, 128, 128, 64, 2)
SAMPLES = 2048
RESOLUTION = 51
REFERENCE_BATCH = 128  # loss-landscape's default --batch_size
REFERENCE_ROWS = 2  # grid rows the torch loop is timed on, then scaled to the grid


def mlp_params(key: Array) -> dict[str, Any]:
    layers = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        key, kw, kb = jax.random.split(key, 3)
        layers.append(
            {
                "w": jax.random.normal(kw, (fan_in, fan_out), jnp.float32)
                * np.float32(np.sqrt(2.0 / fan_in)),
                "b": 0.01 * jax.random.normal(kb, (fan_out,), jnp.float32),
            }
        )
    return {"layers": layers}


def mlp_loss(params: dict[str, Any], data: tuple[Array, Array]) -> Array:
    """Mean softmax cross-entropy of a ReLU MLP (torch.nn.CrossEntropyLoss's value)."""
    x, labels = data
    hidden = x
    for layer in params["layers"][:-1]:
        hidden = jax.nn.relu(hidden @ layer["w"] + layer["b"][None, :])
    last = params["layers"][-1]
    logits = hidden @ last["w"] + last["b"][None, :]
    picked = jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1)
    return -jnp.mean(picked)


def two_spirals(samples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, samples)
    radius = rng.uniform(0.1, 1.0, samples)
    angle = 3.0 * np.pi * radius + np.pi * labels
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    x += 0.05 * rng.normal(size=x.shape)
    return x.astype(np.float32), labels.astype(np.int32)


def best_of(call: Callable[[], Any], repeats: int) -> float:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return min(seconds)


def matmul_throughput(n: int = 4096) -> float:
    """fp32 FLOP/s of one large matrix product on JAX's default device."""
    a = jax.random.normal(jax.random.key(0), (n, n), jnp.float32)
    product = jax.jit(jnp.matmul)
    product(a, a).block_until_ready()
    return 2.0 * n**3 / best_of(lambda: product(a, a).block_until_ready(), 3)


def torch_reference(
    params: dict[str, Any],
    d1: dict[str, Any],
    d2: dict[str, Any],
    coordinates: np.ndarray,
    data: tuple[np.ndarray, np.ndarray],
    batch: int,
    device: str = "cpu",
) -> tuple[float, np.ndarray]:
    """Seconds for the reference's loop over ``coordinates``, and the losses it found
    (on ``device``: "cuda" as the reference runs on a GPU)."""
    import torch

    modules: list[torch.nn.Module] = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        modules += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    net = torch.nn.Sequential(*modules[:-1]).eval().to(device)
    criterion = torch.nn.CrossEntropyLoss()

    def as_torch(tree: dict[str, Any]) -> list[torch.Tensor]:
        # torch.nn.Linear stores (out, in) weights: the transpose of the Weights convention
        tensors = []
        for layer in tree["layers"]:
            tensors += [
                torch.tensor(np.asarray(layer["w"]).T, device=device),
                torch.tensor(np.asarray(layer["b"]), device=device),
            ]
        return tensors

    weights, dx, dy = as_torch(params), as_torch(d1), as_torch(d2)
    inputs = torch.tensor(data[0], device=device)
    targets = torch.tensor(data[1], device=device).long()
    losses = []
    started = time.perf_counter()
    for alpha, beta in coordinates:
        changes = [a * float(alpha) + b * float(beta) for a, b in zip(dx, dy, strict=True)]
        for p, w, d in zip(net.parameters(), weights, changes, strict=True):
            p.data = w + d
        total = 0.0
        with torch.no_grad():
            for start in range(0, len(inputs), batch):
                x, y = inputs[start : start + batch], targets[start : start + batch]
                total += criterion(net(x), y).item() * len(x)
        losses.append(total / len(inputs))
    return time.perf_counter() - started, np.asarray(losses)


def run(
    resolution: int = RESOLUTION, samples: int = SAMPLES, reference_device: str = "cpu"
) -> dict[str, Any]:
    """Figures for docs/BENCHMARKS.md (about 30–60 s on a two-core CPU)."""
    import torch

    params = mlp_params(jax.random.key(1))
    d1 = landscape.random_direction(params, jax.random.key(2))
    d2 = landscape.random_direction(params, jax.random.key(3))
    x, labels = two_spirals(samples)
    data = (jnp.asarray(x), jnp.asarray(labels))
    axis = np.linspace(-1.0, 1.0, resolution)

    def engine() -> landscape.Slice2D:
        return landscape.slice_2d(mlp_loss, params, d1, d2, axis, axis, data)

    cold = best_of(engine, 1)
    warm = best_of(engine, 3)
    result = engine()

    # the reference, timed on the first rows of the same grid (row j: β = axis[j])
    rows = np.stack(np.meshgrid(axis, axis[:REFERENCE_ROWS]), axis=-1).reshape(-1, 2)
    points = resolution * resolution
    reference: dict[str, float] = {}
    default_threads = torch.get_num_threads()
    for batch in (REFERENCE_BATCH, samples):
        for threads in sorted({default_threads, 1}) if reference_device == "cpu" else [1]:
            torch.set_num_threads(threads)
            device = reference_device
            torch_reference(params, d1, d2, rows[:3], (x, labels), batch, device)  # warm up
            seconds, losses = torch_reference(params, d1, d2, rows, (x, labels), batch, device)
            reference[f"batch_{batch}_threads_{threads}"] = seconds / len(rows) * points
        torch.set_num_threads(default_threads)
        reference[f"batch_{batch}"] = min(
            value for key, value in reference.items() if key.startswith(f"batch_{batch}_")
        )
    agreement = float(np.max(np.abs(losses - result["z"][:REFERENCE_ROWS].reshape(-1))))

    parameter_count = sum(
        fan_in * fan_out + fan_out for fan_in, fan_out in itertools.pairwise(SIZES)
    )
    flops = 2.0 * samples * sum(a * b for a, b in itertools.pairwise(SIZES))
    naive_flops = flops * points
    peak = matmul_throughput()
    achieved = naive_flops / warm
    return {
        "device": str(jax.devices()[0]),
        "reference_device": reference_device,
        "network": "→".join(map(str, SIZES)),
        "parameters": parameter_count,
        "samples": samples,
        "grid": f"{resolution}×{resolution}",
        "chunk_points": landscape.chunk_points(),
        "engine_cold_s": cold,
        "engine_warm_s": warm,
        "reference_batch128_s": reference[f"batch_{REFERENCE_BATCH}"],
        "reference_full_batch_s": reference[f"batch_{samples}"],
        "reference_s_by_batch_and_threads": {
            key: value for key, value in reference.items() if "threads" in key
        },
        "speedup_vs_reference": reference[f"batch_{REFERENCE_BATCH}"] / warm,
        "speedup_vs_full_batch_torch": reference[f"batch_{samples}"] / warm,
        "max_abs_difference_vs_torch": agreement,
        "centre_matches": result["centre"]["matches"],
        "naive_gflop": naive_flops / 1e9,
        "achieved_gflops": achieved / 1e9,
        "matmul_gflops": peak / 1e9,
        "achieved_over_matmul": achieved / peak,
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
