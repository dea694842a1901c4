"""No compile after start-up: first use against warm use, typed surfaces, the worst
admissible expression, and the warm-up itself, from an empty and from a filled cache.

Everything is measured through HTTP against a fresh ``descentlab serve`` (response cache
off), after its warm-up reports done. The baseline, in the same run: the engine this
replaced (one program per surface, optimizer kind and power-of-two step bucket; per
structure for a typed surface), taken from git (``BASELINE_COMMIT``) and run in a fresh
process after its own warm-up, in process (no HTTP: it is favoured, not handicapped).

Usage: ``python -m bench.compiles`` measures, writes ``docs/compile_results.json`` and
replaces just this section (between its markers) in docs/BENCHMARKS.md; ``make bench``
measures it again and renders the whole file.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load_report import DOCS, write_section
from bench.server import RunningServer, serve
from descentlab.core.expressions import ExpressionError, compile_expression, parse_expression
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.surfaces import SURFACES
from descentlab.core.sweep import MAX_TYPED_SWEEP_WORK, typed_sweep_work

COMPILE_RESULTS = DOCS / "compile_results.json"
BEGIN = "<!-- compiles:begin (written by python -m bench.compiles) -->"
END = "<!-- compiles:end -->"

# The page's default race (frontend/js/state.js): four runs, 500 steps.
UI_RUNS = {
    "sgd": {"learning_rate": 1e-3},
    "momentum": {"learning_rate": 1e-3, "momentum": 0.9},
    "rmsprop": {"learning_rate": 1e-2},
    "adam": {"learning_rate": 5e-2},
}
UI_STEPS = 500
# A typical typed surface: 20 nodes.
TYPICAL = "sin(x)*cos(y) + 0.1*(x^2 + y^2) - exp(-(x - 1)^2)"


def _fill(terms: list[str]) -> str:
    """A sum of ``terms`` (in groups, under the depth cap) as long as the node cap allows."""
    text, k = terms[0], 1
    while True:
        term = terms[k % len(terms)]
        candidate = f"({text})+({term})" if k % 8 == 0 else f"{text}+{term}"
        try:
            parse_expression(candidate)
        except ExpressionError:
            return text
        text, k = candidate, k + 1


def _nest(wrap: str) -> str:
    """``wrap`` around ``x`` as many times as the caps admit."""
    text, level = "x", 0
    while True:
        candidate = wrap.format(inner=text, other="xy"[level % 2])
        try:
            parse_expression(candidate)
        except ExpressionError:
            return text
        text, level = candidate, level + 1


# The largest expressions the caps admit, of cheap and of costly instructions, and the
# most deeply nested.
WORST = {
    "arithmetic": _fill(["x*y", "x*x", "y*y*x"]),
    "functions": _fill(["sin(x)", "exp(y)", "tanh(x)", "log(1+y*y)"]),
    "two-argument functions": _fill(["pow(x, y)", "hypot(x, y)", "arctan2(y, x)", "max(x, y)"]),
    "nested": _nest("sin({other} * cos({inner}) + {other}^2)"),
}


def ui_race(surface: Any, start: list[float]) -> dict[str, Any]:
    runs = [{"optimizer": {"name": n, **h}, "start": start} for n, h in UI_RUNS.items()]
    return {"surface": surface, "steps": UI_STEPS, "runs": runs}


def _start(surface_id: str) -> list[float]:
    return list(SURFACES[surface_id].default_start)


def _post_ms(client: httpx.Client, path: str, body: dict[str, Any]) -> float:
    started = time.perf_counter()
    response = client.post(path, json=body)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
    return elapsed


def _first_and_warm(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, float]:
    first = _post_ms(client, path, body)
    warm = statistics.median(_post_ms(client, path, body) for _ in range(5))
    return {"first_ms": first, "warm_ms": warm}


def _page(client: httpx.Client, surface: Any, start: list[float]) -> dict[str, float]:
    """What picking a surface costs the page: its grid, then the default race."""

    def both() -> float:
        grid = _post_ms(client, "/api/grid", {"surface": surface, "resolution": 128})
        return grid + _post_ms(client, "/api/trajectories", ui_race(surface, start))

    first = both()
    return {"first_ms": first, "warm_ms": statistics.median(both() for _ in range(5))}


def _until_warm(server: RunningServer, limit_s: float = 600) -> float:
    """Seconds from process start until the background warm-up reports done."""
    began = time.perf_counter() - server.seconds_to_ready
    while httpx.get(server.url + "/api/health").json()["warmup"] != "done":
        if time.perf_counter() - began > limit_s:
            raise RuntimeError("the warm-up did not finish")
        time.sleep(0.05)
    return time.perf_counter() - began


def _worst(client: httpx.Client, server: RunningServer) -> dict[str, Any]:
    rows = {}
    names = list(OPTIMIZERS)
    for label, text in WORST.items():
        size = len(compile_expression(text).instructions)
        surface = {"expression": text, "domain": {"x": [-2, 2], "y": [-2, 2]}}
        start = [0.5, 0.5]
        before = server.rss_mb()
        # The most a race may do: 16 runs (one per call for a typed surface) × 6,250 steps.
        runs = [
            {"optimizer": {"name": names[i % len(names)], "learning_rate": 1e-3}, "start": start}
            for i in range(16)
        ]
        body = {"surface": surface, "steps": 6250, "runs": runs}
        race = _post_ms(client, "/api/trajectories", body)
        grid = _post_ms(
            client, "/api/grid", {"surface": surface, "resolution": 512, "gradients": True}
        )
        analysis = _post_ms(client, "/api/analyze", {"surface": surface, "point": start})
        # The largest sweep the typed-work bound admits: 8 optimizers × 64 rates.
        steps = min(5000, MAX_TYPED_SWEEP_WORK // typed_sweep_work(size, 1, 8, 64))
        sweep = {
            "surface": surface,
            "start": start,
            "steps": steps,
            "optimizers": [{"optimizer": {"name": n}} for n in names[:8]],
            "learning_rates": {"min": 1e-5, "max": 1.0, "count": 64},
        }
        rows[label] = {
            "instructions": size,
            "race_ms": race,
            "grid_ms": grid,
            "analysis_ms": analysis,
            "sweep_steps": steps,
            "sweep_ms": _post_ms(client, "/api/sweeps", sweep),
            "rss_growth_mb": server.rss_mb() - before,
        }
    return rows


def served() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as cache:
        with serve(Path(cache)) as server:
            figures["empty_cache"] = {
                "ready_s": server.seconds_to_ready,
                "all_warm_s": _until_warm(server),
                "rss_mb": server.rss_mb(),
            }
            with httpx.Client(base_url=server.url, timeout=300) as client:
                figures["surfaces"] = {
                    surface_id: _page(client, surface_id, _start(surface_id))
                    for surface_id in SURFACES
                }
                figures["typed"] = _page(client, {"expression": TYPICAL}, [1.0, 1.0])
                fair = {
                    "surface": "himmelblau",
                    "start": _start("himmelblau"),
                    "steps": UI_STEPS,
                    "optimizers": [{"optimizer": {"name": n}} for n in UI_RUNS],
                    "learning_rates": {"min": 1e-5, "max": 1.0, "count": 48},
                }
                figures["fair_sweep"] = _first_and_warm(client, "/api/sweeps", fair)
                every = {**fair, "surface": "beale", "start": _start("beale")}
                every["optimizers"] = [{"optimizer": {"name": n}} for n in OPTIMIZERS]
                figures["sweep_14"] = _first_and_warm(client, "/api/sweeps", every)
                figures["worst"] = _worst(client, server)
                figures["rss_after_mb"] = server.rss_mb()
        with serve(Path(cache)) as server:
            figures["filled_cache"] = {
                "ready_s": server.seconds_to_ready,
                "all_warm_s": _until_warm(server),
                "rss_mb": server.rss_mb(),
            }
    return figures


# The engine before this design, from git: its first use of each surface after its own
# warm-up (the old server's), as the page makes it: the grid, then the default race.
BASELINE_COMMIT = "85a9430"
_OLD_WAY = """
try:  # today's switch; the old engine turned float64 on as it was imported
    from descentlab.core import use_engine_precision
    use_engine_precision()
except ImportError:
    pass
import json, resource, sys, time
import numpy as np
from descentlab.core.expressions import DEFAULT_DOMAIN, compile_expression
from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.surfaces import SURFACES
from descentlab.core.sweep import sweep_learning_rates
from descentlab.core.trajectory import RunConfig, run_trajectories
from descentlab.core.warmup import warm_first_visit, warm_remaining_optimizers

UI_RUNS, UI_STEPS, TYPICAL, WORST = json.loads(sys.argv[1])


def page(objective, start):
    runs = [RunConfig(OPTIMIZERS[n], tuple(start), h) for n, h in UI_RUNS.items()]
    evaluate_grid(objective, 128)
    run_trajectories(objective, UI_STEPS, runs)


def timed(call):
    began = time.perf_counter()
    call()
    first = time.perf_counter() - began
    began = time.perf_counter()
    call()
    return {"first_ms": first * 1000, "warm_ms": (time.perf_counter() - began) * 1000}


warm_first_visit()
warm_remaining_optimizers()
out = {"surfaces": {}}
for surface_id, surface in SURFACES.items():
    objective = Objective.from_surface(surface)
    out["surfaces"][surface_id] = timed(lambda: page(objective, surface.default_start))
typed = compile_expression(TYPICAL)
typed_objective = Objective(typed.fn, typed.constants, DEFAULT_DOMAIN)
out["typed"] = timed(lambda: page(typed_objective, (1.0, 1.0)))
rates = np.geomspace(1e-5, 1.0, 48)
for label, surface_id, names in (("fair_sweep", "himmelblau", list(UI_RUNS)),
                                 ("sweep_14", "beale", list(OPTIMIZERS))):
    surface = SURFACES[surface_id]
    templates = [RunConfig(OPTIMIZERS[n], surface.default_start) for n in names]
    objective = Objective.from_surface(surface)
    out[label] = timed(lambda: sweep_learning_rates(objective, UI_STEPS, templates, rates))


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


out["worst"] = {}
for label, text in WORST.items():
    worst = compile_expression(text)
    worst_objective = Objective(worst.fn, worst.constants, DEFAULT_DOMAIN)
    before = peak_mb()
    out["worst"][label] = timed(lambda: page(worst_objective, (0.5, 0.5)))
    out["worst"][label]["max_rss_growth_mb"] = peak_mb() - before
print(json.dumps(out))
"""


def baseline(timeout_s: float = 1800) -> dict[str, Any] | None:
    """The old engine's figures, measured in a fresh process (None without git history)."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "archive", BASELINE_COMMIT, "backend"],
            cwd=root,
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            return None
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        arguments = json.dumps([UI_RUNS, UI_STEPS, TYPICAL, WORST])
        done = subprocess.run(
            [sys.executable, "-c", _OLD_WAY, arguments],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=True,
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(Path(folder) / "backend")},
        )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run() -> dict[str, Any]:
    """Measure, and keep the raw figures next to the report they are rendered into."""
    figures = {"served": served(), "before": baseline()}
    COMPILE_RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def _ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"


def render(figures: dict[str, Any]) -> str:
    now, before = figures["served"], figures["before"] or {}

    def old(key: str, surface_id: str | None = None) -> dict[str, float] | None:
        row = before.get(key)
        return row.get(surface_id) if surface_id is not None and row else row

    def cells(new: dict[str, float], was: dict[str, float] | None) -> tuple[str, ...]:
        ratio = f"{was['first_ms'] / new['first_ms']:,.1f}×" if was else ""
        return (
            _ms(was["first_ms"]) if was else "not measured",
            _ms(new["first_ms"]),
            f"{new['warm_ms']:.0f} ms",
            ratio,
        )

    surface_rows = [
        (surface_id, *cells(row, old("surfaces", surface_id)))
        for surface_id, row in now["surfaces"].items()
    ]
    firsts = [row["first_ms"] for row in now["surfaces"].values()]
    summary = ["", f"{_ms(statistics.median(firsts))} / {_ms(max(firsts))}", "", ""]
    if before:
        old_firsts = [row["first_ms"] for row in before["surfaces"].values()]
        summary[0] = f"{_ms(statistics.median(old_firsts))} / {_ms(max(old_firsts))}"
        summary[3] = f"{statistics.median(old_firsts) / statistics.median(firsts):,.1f}×"
    surface_rows.append(("**median / max**", *summary))
    use_rows = [
        ("a new typed f(x, y) (20 nodes): grid and race", *cells(now["typed"], old("typed"))),
        (
            "the Fair race's sweep (4 optimizers × 48 rates × 500 steps)",
            *cells(now["fair_sweep"], old("fair_sweep")),
        ),
        (
            "a 14-optimizer sweep (× 48 rates × 500 steps)",
            *cells(now["sweep_14"], old("sweep_14")),
        ),
    ]
    old_worst = before.get("worst", {})

    def was(label: str) -> str:
        row = old_worst.get(label)
        if row is None:
            return "not measured"
        return f"{_ms(row['first_ms'])}, peak {row['max_rss_growth_mb']:+.0f} MB"

    worst_rows = [
        (
            f"{label} ({row['instructions']} instructions)",
            _ms(row["race_ms"]),
            _ms(row["grid_ms"]),
            f"{_ms(row['sweep_ms'])} ({row['sweep_steps']} steps)",
            _ms(row["analysis_ms"]),
            f"{row['rss_growth_mb']:+.0f} MB",
            was(label),
        )
        for label, row in now["worst"].items()
    ]
    start_rows = [
        (
            label,
            f"{now[key]['ready_s']:.1f} s",
            f"{now[key]['all_warm_s']:.1f} s",
            f"{now[key]['rss_mb']:.0f} MB",
        )
        for label, key in (("empty", "empty_cache"), ("filled by a previous start", "filled_cache"))
    ]
    header = ("before: first use", "now: first use", "now: again", "saved")
    return f"""{BEGIN}
## No compile after start-up (target: nothing compiles after the warm-up)

`python -m bench.compiles`: a fresh `descentlab serve` with an empty compilation cache,
measured through HTTP after its health check said the warm-up was done. "Before" is the
engine this replaced (one program per surface, optimizer kind and step bucket; per
structure for a typed surface), checked out from git at `{BASELINE_COMMIT}` and run in a
fresh process after its own warm-up, in process (no HTTP, which favours it): the wait
for every surface or expression nobody had used yet. Rosenbrock, the default page's
surface, was compiled at start-up before as well, so its first use was already warm.

### Picking a surface: its grid (128²) and the default race (4 optimizers × 500 steps)

{_table(("surface", *header), surface_rows)}

### Other first uses (target for a new typed structure: ≤ 0.5 s)

{_table(("request", *header), use_rows)}

### The worst expressions the caps admit (target ≤ 2 s and ≤ 100 MB each)

The largest expressions the node and depth caps admit, of three kinds of instruction,
each with the most a race may ask (16 runs × 6,250 steps), a 512² grid with gradients,
the largest sweep the typed-work bound admits (8 optimizers × 64 rates), and a point
analysis, then the growth of the server's resident memory over all four. The last column
is the engine before: the expression's first grid and default race (compiling), and how
far that took the process's peak memory.

{_table(("expression", "race", "grid 512²", "sweep", "analysis", "memory", "before"), worst_rows)}

### Start-up (targets: ready ≤ 10 s; all warm ≤ 60 s cold, ≤ 10 s cached; ≤ 1 GB)

"Ready": the server answers (the default page's programs are compiled). "All warm": its
health check reports every program compiled. Memory: its resident set then.

{_table(("compilation cache", "ready", "all warm", "memory"), start_rows)}
{END}
"""


def main() -> None:
    section = render(run())
    write_section(section, BEGIN, END)
    print(section)


if __name__ == "__main__":
    main()
