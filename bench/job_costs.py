"""Each experiment kind's estimated cost (core/experiments/costs.py) against what it took.

``python -m bench.job_costs`` runs every kind at several sizes, each in a fresh process,
and replaces its section of docs/BENCHMARKS.md between its markers: the estimate's seconds
and peak memory above the baseline next to the measured ones, and what the default budget
(5 min, 1.5 GB) says of each kind at the schema's maximums.

``measure(kind, params)`` is also what tests/unit/experiments/test_costs.py uses to check
the memory estimates from above.
"""

import copy
import json
import subprocess
import sys
from typing import Any

from bench.load_report import write_section

BEGIN = "<!-- job-costs:begin (written by python -m bench.job_costs) -->"
END = "<!-- job-costs:end -->"
MB = 2**20

# Run in a fresh process: the job's peak resident set above the process after its imports
# (the server's baseline: the 2-D engine's programs are not needed and not compiled here).
_ONE = """
import json, sys, time
from descentlab.core.experiments.costs import estimate
from bench.job_costs import core_params
params = core_params(sys.argv[1], json.loads(sys.argv[2]))
from descentlab.core.experiments.registry import EXPERIMENTS
run = EXPERIMENTS[sys.argv[1]].run
cost = estimate(params)
if sys.argv[1] == "loss_comparison":  # the 2-D engine's programs: a server compiles them
    from descentlab.core.warmup import warm_first_visit  # at start-up, before its baseline
    warm_first_visit()

def status(field: str) -> float:
    with open("/proc/self/status") as lines:
        return next(int(l.split()[1]) * 1024 for l in lines if l.startswith(field))

baseline, started = status("VmRSS:"), time.perf_counter()
run(params, lambda *args: None)
seconds = time.perf_counter() - started
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and
# exec, so under a large parent (pytest) it read the parent's size, not this job's.
peak = status("VmHWM:")
print(json.dumps({"seconds": seconds, "peak_bytes": peak - baseline,
                  "estimated_seconds": cost.seconds, "estimated_peak_bytes": cost.peak_bytes}))
"""


def core_params(kind: str, params: dict[str, Any]) -> Any:
    """The core's parameters for ``kind`` as ``POST /api/experiments`` validates them."""
    from pydantic import TypeAdapter

    from descentlab.api.schemas.experiments import ExperimentRequest
    from descentlab.api.schemas.experiments import core_params as to_core

    request = TypeAdapter(ExperimentRequest).validate_python({"kind": kind, "params": params})
    return to_core(request)


def measure(kind: str, params: dict[str, Any], timeout_s: float = 600) -> dict[str, float]:
    """Run one experiment in a fresh process: seconds and peak bytes, measured and estimated."""
    done = subprocess.run(
        [sys.executable, "-c", _ONE, kind, json.dumps(params)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=True,
    )
    measured: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


WIDE = [256, 256, 256, 256]
CASES: list[tuple[str, dict[str, Any]]] = [
    ("loss_comparison", {"resolution": 256, "steps": 5000}),
    ("train", {"n_samples": 4000, "epochs": 20, "widths": WIDE, "batch_size": 32}),
    ("train", {"n_samples": 4000, "epochs": 5, "widths": WIDE, "batch_size": 1}),
    ("train", {"n_samples": 400, "epochs": 500, "widths": WIDE, "batch_size": 64}),
    (
        "hessian",
        {
            "setup": {"n_samples": 4000, "epochs": 2, "widths": WIDE, "batch_size": 256},
            "iterations": 64,
            "probes": 8,
        },
    ),
    (
        "hessian",
        {
            "setup": {"n_samples": 2000, "epochs": 5, "widths": [32, 32], "batch_size": 64},
            "iterations": 64,
            "probes": 16,
        },
    ),
    (
        "landscape",
        {
            "setup": {"n_samples": 4000, "epochs": 10, "widths": WIDE, "batch_size": 256},
            "resolution": 61,
        },
    ),
    (
        "landscape",
        {
            "setup": {"n_samples": 400, "epochs": 500, "widths": WIDE, "batch_size": 256},
            "resolution": 11,
        },
    ),
    (
        "batch_size",
        {
            "setup": {"n_samples": 2000, "epochs": 10, "widths": [64, 64]},
            "batch_sizes": [1, 64, "full"],
            "iterations": 32,
        },
    ),
    ("normalization", {"setup": {"n_samples": 1000, "epochs": 10, "widths": [64, 64]}}),
    (
        "minimum_ratio",
        {"setup": {"epochs": 10}, "widths": [[16, 16]], "seeds": 1, "polish_steps": 30},
    ),
    ("minimum_ratio", {"setup": {"epochs": 10}, "widths": [[8]], "seeds": 2, "polish_steps": 100}),
]

# Every size at the schema's maximum (the attacks): what the default budget says.
MAXIMUMS: list[tuple[str, dict[str, Any]]] = [
    ("loss_comparison", {"resolution": 256, "steps": 5000}),
    ("train", {"n_samples": 4000, "epochs": 50, "widths": WIDE, "batch_size": 1}),
    (
        "hessian",
        {
            "setup": {"n_samples": 4000, "epochs": 50, "widths": WIDE},
            "top_k": 20,
            "iterations": 200,
            "probes": 64,
            "per_layer": True,
            "slice_span": 10.0,
            "samples": 4000,
        },
    ),
    (
        "landscape",
        {"setup": {"n_samples": 4000, "epochs": 50, "widths": WIDE}, "resolution": 61},
    ),
    (
        "batch_size",
        {
            "setup": {"n_samples": 4000, "epochs": 6, "widths": WIDE},
            "batch_sizes": [1, 2, 4, 8, 16, 32, 64, "full"],
            "top_k": 10,
            "iterations": 200,
            "resolution": 201,
            "timing_repeats": 20,
        },
    ),
    (
        "normalization",
        {
            "setup": {"n_samples": 4000, "epochs": 16, "widths": WIDE},
            "samples": 4000,
            "steps": 5000,
            "resolution": 201,
            "learning_rates": [0.1, 0.3, 1.0, 3.0, 10.0],
            "slice_learning_rate": 0.5,
            "slice_resolution": 61,
            "iterations": 200,
        },
    ),
    (
        "minimum_ratio",
        {
            "setup": {"n_samples": 1000, "epochs": 200},
            "widths": [[32], [16, 16], [20, 12], [12, 20], [24], [16, 8, 8]],
            "seeds": 16,
            "polish_steps": 1000,
        },
    ),
    (
        "skip_connections",
        {
            "setup": {"depth": 20, "channels": 32, "epochs": 22, "batch_size": 1},
            "seeds": 5,
            "resolution": 51,
            "slice_samples": 2048,
            "iterations": 100,
        },
    ),
]


# What ``largest_admitted`` halves, in turn, from the schema's maximums.
KNOBS: dict[str, list[tuple[str, ...]]] = {
    "loss_comparison": [("steps",)],
    "train": [("epochs",), ("n_samples",)],
    "hessian": [
        ("probes",),
        ("samples",),
        ("top_k",),  # before the iterations: it may not exceed them
        ("iterations",),
        ("setup", "epochs"),
        ("setup", "n_samples"),
        ("per_layer",),
    ],
    "landscape": [("resolution",), ("setup", "epochs"), ("setup", "n_samples")],
    "batch_size": [
        ("batch_sizes",),
        ("top_k",),
        ("iterations",),
        ("timing_repeats",),
        ("setup", "epochs"),
        ("resolution",),
        ("setup", "n_samples"),
    ],
    "normalization": [
        ("learning_rates",),
        ("iterations",),
        ("slice_resolution",),
        ("setup", "epochs"),
        ("setup", "n_samples"),
        ("steps",),
    ],
    "minimum_ratio": [("polish_steps",), ("widths",), ("seeds",), ("setup", "epochs")],
    "skip_connections": [
        ("seeds",),
        ("resolution",),
        ("setup", "epochs"),
        ("iterations",),
        ("slice_samples",),
        ("setup", "channels"),
    ],
}
MINIMUMS = {
    "iterations": 8,
    "resolution": 5,
    "slice_resolution": 5,
    "n_samples": 40,
    "probes": 2,
    "batch_sizes": 2,
    "slice_samples": 32,
    "samples": 16,
    "channels": 2,
}


def largest_admitted(kind: str, budget: Any) -> dict[str, Any]:
    """The schema's maximums for ``kind`` with sizes halved in turn (``KNOBS``) until the
    estimate fits ``budget`` (a ``costs.Budget``)."""
    from descentlab.core.experiments.costs import estimate

    params = copy.deepcopy(dict(MAXIMUMS)[kind])
    for _ in range(40):
        cost = estimate(core_params(kind, params))
        if cost.seconds <= budget.seconds and cost.peak_bytes <= budget.peak_bytes:
            return params
        for path in KNOBS[kind]:
            holder = params
            for key in path[:-1]:
                holder = holder.setdefault(key, {})
            value = holder.get(path[-1])
            low = MINIMUMS.get(path[-1], 1)
            if isinstance(value, list):  # architectures, batch sizes, rates: the first half
                if len(value) > low:
                    holder[path[-1]] = value[: max(low, len(value) // 2)]
                    break
                continue
            if value is True:  # a part of the work that can be left out (per_layer)
                holder[path[-1]] = False
                break
            value = low if value is None else value
            if value > low:
                holder[path[-1]] = max(low, value // 2)
                break
    raise ValueError(f"no {kind} parameters fit {budget}")


def _mb(value: float) -> str:
    return f"{value / MB:,.0f}"


def main() -> None:
    from descentlab.core.experiments.costs import Budget, OverBudgetError, check_budget, estimate

    rows = [
        "| kind | parameters | estimated s | measured s | estimated peak MB | measured peak MB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for kind, params in CASES:
        got = measure(kind, params)
        rows.append(
            f"| {kind} | `{json.dumps(params, separators=(',', ':'))}` "
            f"| {got['estimated_seconds']:.1f} | {got['seconds']:.1f} "
            f"| {_mb(got['estimated_peak_bytes'])} | {_mb(got['peak_bytes'])} |"
        )
        print(rows[-1], flush=True)
    budget = Budget(300.0, 1536 * MB)
    verdicts = [
        "| kind at the schema's maximums | estimated | with the default budget |",
        "|---|---|---|",
    ]
    for kind, params in MAXIMUMS:
        cost = estimate(core_params(kind, params))
        try:
            check_budget(cost, budget)
            verdict = "admitted"
        except OverBudgetError as over:
            verdict = f"422: {over}"
        verdicts.append(
            f"| {kind} | {cost.seconds / 60:,.1f} min, {_mb(cost.peak_bytes)} MB | {verdict} |"
        )
    section = "\n".join(
        [
            BEGIN,
            "Each experiment kind estimates its time and peak memory above the server's "
            "baseline from its parameters (`core/experiments/costs.py`) before it is queued, "
            "and one past the budget (`DESCENTLAB_EXPERIMENT_TIME_LIMIT_S`, default 300 s; "
            "`DESCENTLAB_EXPERIMENT_MEMORY_LIMIT_MB`, default 1,536) is refused with a 422 "
            "naming the limit and the parameters to lower. Measured each in a fresh process "
            "on 2 CPU cores (`python -m bench.job_costs`); memory estimates are upper bounds "
            "(checked by tests/unit/experiments/test_costs.py at the largest parameters a "
            "budget admits), time estimates only need to tell 5 minutes from much more.",
            "",
            *rows,
            "",
            *verdicts,
            END,
        ]
    )
    write_section(section, BEGIN, END)
    print(section)


if __name__ == "__main__":
    main()
