"""How long a running experiment takes to stop after a cancel.

``python -m bench.cancel_latency`` runs each kind at the largest parameters the default
budget admits (``bench.job_costs.largest_admitted``: from the schema's maximums, sizes
halved until the estimate fits 5 minutes and 1.5 GB) on the job manager the server uses,
cancels it after a few seconds and again, in a fresh job, later on (another phase of the
work), and reports the time from the cancel to the job's ``cancelled`` status. It replaces
its section of docs/BENCHMARKS.md between its markers.
"""

import time
from functools import partial

from bench.job_costs import core_params, largest_admitted
from bench.load_report import write_section
from descentlab.api.jobs import JobManager
from descentlab.core.experiments.costs import Budget
from descentlab.core.experiments.registry import EXPERIMENTS

BEGIN = "<!-- cancel-latency:begin (written by python -m bench.cancel_latency) -->"
END = "<!-- cancel-latency:end -->"
DELAYS_S = (3.0, 25.0)  # after the job starts running: early (training) and later phases
DEFAULT_BUDGET = Budget(300.0, 1536 * 2**20)


def _wait(condition: "partial[bool]", timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the job did not get there in time")
        time.sleep(0.005)


def cancel_after(kind: str, params: dict[str, object], delay_s: float, tag: int) -> float | None:
    """Seconds from the cancel to ``cancelled``; None if the job finished before the delay."""
    jobs = JobManager(workers=1)
    run = EXPERIMENTS[kind].run
    job = jobs.submit(kind, f"{kind}:{tag}", partial(run, core_params(kind, params)))
    try:
        _wait(partial(lambda: job.status != "queued"), 60)
        started = time.monotonic()
        while job.status == "running" and time.monotonic() - started < delay_s:
            time.sleep(0.01)
        if job.status != "running":
            return None
        asked = time.perf_counter()
        jobs.cancel(job.id)
        _wait(partial(lambda: job.status == "cancelled"), 600)
        return time.perf_counter() - asked
    finally:
        jobs.shutdown()


def main() -> None:
    rows = [
        "| kind | largest admitted parameters | stop after a cancel at "
        + " | ".join(f"{d:.0f} s" for d in DELAYS_S)
        + " |",
        "|---|---|" + "---:|" * len(DELAYS_S),
    ]
    tag = 0
    for kind in EXPERIMENTS:
        params = largest_admitted(kind, DEFAULT_BUDGET)
        cells = []
        for delay in DELAYS_S:
            tag += 1
            latency = cancel_after(kind, params, delay, tag)
            cells.append("finished first" if latency is None else f"{latency * 1000:,.0f} ms")
        rows.append(f"| {kind} | `{params}` | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    section = "\n".join(
        [
            BEGIN,
            "A running experiment checks for a cancel (and its time limit) between pieces of "
            "its work: epochs, polishing steps, pieces of Lanczos runs and of landscape grids "
            "sized to about 0.5 s (`core/nets/chunks.py`). Time from `DELETE` to the "
            "`cancelled` status, each kind at the largest parameters the default budget "
            "admits, on 2 CPU cores (`python -m bench.cancel_latency`). `loss_comparison` "
            "runs on the 2-D engine, whose programs compile on first use in this process (a "
            "server compiles them at start-up): its first figure is that compile, not the job.",
            "",
            *rows,
            END,
        ]
    )
    write_section(section, BEGIN, END)
    print(section)


if __name__ == "__main__":
    main()
