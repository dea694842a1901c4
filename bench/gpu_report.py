"""The GPU section of docs/BENCHMARKS.md, rendered from the JSON that ``bench/gpu.py``
wrote on a lent GPU machine (docs/benchmarks_gpu.json). CPU-only ``make bench`` runs keep
that file and re-render its section, so the GPU rows survive until a GPU run replaces them.
"""

import json
from pathlib import Path
from typing import Any

GPU_RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks_gpu.json"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def _landscape_rows(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for row in rows:
        chunks = ", ".join(f"{c}: {s * 1000:.0f} ms" for c, s in row["warm_s_by_chunk"].items())
        out.append(
            (
                f"{row['grid']}, {row['samples']:,} samples",
                f"{row['engine_warm_s'] * 1000:.0f} ms",
                f"{row['reference_batch128_s']:.1f} s ({row['speedup_vs_reference']:.0f}×)",
                f"{row['reference_full_batch_s']:.2f} s"
                f" ({row['speedup_vs_full_batch_torch']:.0f}×)",
                f"{row['achieved_over_matmul']:.0%} of {row['matmul_gflops'] / 1000:.0f} TFLOP/s",
                f"{row['max_abs_difference_vs_torch']:.1e}",
                chunks,
            )
        )
    return out


def render(path: Path = GPU_RESULTS) -> str:
    """Markdown for the GPU rows, or a line saying none were recorded."""
    if not path.exists():
        return "## On a GPU\n\nNo GPU run recorded yet (`bench/gpu.py` on a lent GPU machine).\n"
    data = json.loads(path.read_text())
    smoke, race, hess = data["smoke"], data["race"], data["hessian"]
    batches = data["batch_size"]
    first, last = batches[0], batches[-1]
    growth = last["batch_size"] / first["batch_size"]
    update_growth = last["seconds_per_update"] / first["seconds_per_update"]
    epoch_ratio = first["seconds_per_epoch"] / last["seconds_per_epoch"]
    landscape_table = _table(
        (
            "grid, samples",
            "Descent Lab",
            "reference loop, batches of 128 (speed-up)",
            "loop, whole dataset per point",
            "vs fp32 matmul",
            "max abs. difference vs torch",
            "warm time by points per chunk",
        ),
        _landscape_rows(data["landscape"]),
    )
    batch_table = _table(
        ("batch size", "time per update", "time per epoch"),
        [
            (
                str(row["batch_size"]),
                f"{row['seconds_per_update'] * 1e6:.0f} µs",
                f"{row['seconds_per_epoch'] * 1000:.2f} ms",
            )
            for row in batches
        ],
    )
    experiment_table = _table(
        ("experiment", "cold", "warm"),
        [
            (kind, f"{f['cold_s']:.1f} s", f"{f['warm_s']:.1f} s")
            for kind, f in data.get("experiments", {}).items()
            if "cold_s" in f
        ],
    )
    return f"""## On a GPU ({smoke["devices"][0]}, JAX {smoke["jax"]}, recorded {data["when"]})

Run once on a lent GPU machine with `PYTHONPATH=backend:. python3 -m bench.gpu
docs/benchmarks_gpu.json`; `make bench` re-renders these rows from that file. The smoke
test found 2-D work on `{", ".join(smoke["two_d_work_device"])}` and network training on
`{", ".join(smoke["training_device"])}`; the landscape takes {smoke["landscape_chunk_points"]}
grid points per chunk there by default.

**Why 2-D work stays on the CPU:** the 8-optimizer race (8 × 1000 steps) took
{race["race_cpu_ms"]:.1f} ms pinned to the CPU and {race["race_gpu_ms"]:.1f} ms forced onto
the GPU ({race["race_gpu_ms"] / race["race_cpu_ms"]:.0f}× slower: one tiny kernel launch per
step).

**2-D loss landscape** of the 2→128→128→64→2 ReLU MLP (25,282 parameters), full float32
matrix products, against the reference's Python loop with the torch model on the same GPU:

{landscape_table}

**Hessians:** full spectrum of {hess["small_parameters"]} parameters
{hess["full_spectrum_s"] * 1000:.0f} ms; top eigenvalue of {hess["big_parameters"]:,}
parameters (32 Lanczos steps) {hess["top_eigenvalue_s"] * 1000:.1f} ms.

**Time per update and per epoch by batch size** (curriculum section 2; 2→64→64→2 MLP,
plain SGD, 3,072 training samples): from batch {first["batch_size"]} to
{last["batch_size"]:,} the batch grows {growth:,.0f}× and one update's time
{update_growth:.0f}×, so an epoch takes {epoch_ratio:.0f}× less time.

{batch_table}

**The network experiments' default runs** on the GPU (cold: the first run in the process,
compiling; `train` was already compiled by the smoke test):

{experiment_table}
"""
