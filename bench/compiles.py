"""No compile after start-up: first use against warm use, typed surfaces, the worst
admissible expression, and the warm-up itself, from an empty and from a filled cache.

Everything is measured through HTTP against a fresh ``descentlab serve`` (response cache
off), after its warm-up reports done. The baseline, in the same run and process-fresh:
the per-surface way this replaced (``bench.per_surface``: one program per surface and
optimizer kind, per power-of-two step bucket), timed by its first race on each surface.

Usage: ``python -m bench.compiles`` prints the figures as JSON (``make bench`` renders them).
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.server import RunningServer, serve
from descentlab.core.expressions import ExpressionError, compile_expression, parse_expression
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.surfaces import SURFACES
from descentlab.core.sweep import MAX_TYPED_SWEEP_WORK, typed_sweep_work

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


# The largest expressions the caps admit, of cheap and of costly instructions.
WORST = {
    "arithmetic": _fill(["x*y", "x*x", "y*y*x"]),
    "functions": _fill(["sin(x)", "exp(y)", "tanh(x)", "log(1+y*y)"]),
    "two-argument functions": _fill(["pow(x, y)", "hypot(x, y)", "arctan2(y, x)", "max(x, y)"]),
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
                    surface_id: _first_and_warm(
                        client, "/api/trajectories", ui_race(surface_id, _start(surface_id))
                    )
                    for surface_id in SURFACES
                }
                typed = {"expression": TYPICAL}
                figures["typed"] = _first_and_warm(
                    client, "/api/trajectories", ui_race(typed, [1.0, 1.0])
                )
                figures["typed_grid"] = _first_and_warm(
                    client, "/api/grid", {"surface": {"expression": TYPICAL + " + 1"}}
                )
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


_OLD_WAY = """
import json, resource, sys, time
import numpy as np
from bench import per_surface
from bench.compiles import UI_RUNS, UI_STEPS
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.surfaces import SURFACES

def first_race(fn, params, start):
    runs = [(OPTIMIZERS[n], tuple(start), h["learning_rate"]) for n, h in UI_RUNS.items()]
    began = time.perf_counter()
    per_surface.race(fn, params, runs, UI_STEPS)
    first = time.perf_counter() - began
    began = time.perf_counter()
    per_surface.race(fn, params, runs, UI_STEPS)
    return {"first_ms": first * 1000, "warm_ms": (time.perf_counter() - began) * 1000}

which = sys.argv[1]
if which == "surfaces":
    out = {}
    for surface_id, surface in SURFACES.items():
        params = np.asarray(surface.default_params(), dtype=np.float64)
        out[surface_id] = first_race(surface.fn, params, surface.default_start)
else:
    fn, params = per_surface.structure_function(which)
    out = first_race(fn, params, (0.5, 0.5))
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _old_way(which: str, timeout_s: float = 600) -> Any:
    """The per-surface engine in a fresh process (so nothing is compiled beforehand)."""
    done = subprocess.run(
        [sys.executable, "-c", _OLD_WAY, which],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline() -> dict[str, Any]:
    return {
        "surfaces": _old_way("surfaces"),
        "typed": _old_way(TYPICAL),
        "worst_functions": _old_way(WORST["functions"]),
    }


def run() -> dict[str, Any]:
    return {"served": served(), "per_surface": baseline()}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def _ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"


def render(figures: dict[str, Any]) -> str:
    served_figures, old = figures["served"], figures["per_surface"]
    surfaces = served_figures["surfaces"]
    surface_rows = [
        (
            surface_id,
            _ms(old["surfaces"][surface_id]["first_ms"]),
            _ms(row["first_ms"]),
            f"{row['warm_ms']:.0f} ms",
            f"{old['surfaces'][surface_id]['first_ms'] / row['first_ms']:,.0f}×",
        )
        for surface_id, row in surfaces.items()
    ]
    firsts = [row["first_ms"] for row in surfaces.values()]
    old_firsts = [row["first_ms"] for row in old["surfaces"].values()]
    surface_rows.append(
        (
            "**median / max**",
            f"{_ms(statistics.median(old_firsts))} / {_ms(max(old_firsts))}",
            f"{_ms(statistics.median(firsts))} / {_ms(max(firsts))}",
            "",
            f"{statistics.median(old_firsts) / statistics.median(firsts):,.0f}×",
        )
    )
    typed, typed_old = served_figures["typed"], old["typed"]
    use_rows = [
        (
            "a new typed f(x, y) (20 nodes): its first race",
            _ms(typed_old["first_ms"]),
            _ms(typed["first_ms"]),
            f"{typed['warm_ms']:.0f} ms",
        ),
        (
            "a new typed f(x, y): its grid (128²)",
            "",
            _ms(served_figures["typed_grid"]["first_ms"]),
            f"{served_figures['typed_grid']['warm_ms']:.0f} ms",
        ),
        (
            "the Fair race's sweep (4 optimizers × 48 rates × 500 steps)",
            "",
            _ms(served_figures["fair_sweep"]["first_ms"]),
            f"{served_figures['fair_sweep']['warm_ms']:.0f} ms",
        ),
        (
            "a 14-optimizer sweep (× 48 rates × 500 steps)",
            "",
            _ms(served_figures["sweep_14"]["first_ms"]),
            f"{served_figures['sweep_14']['warm_ms']:.0f} ms",
        ),
    ]
    worst_rows = [
        (
            f"{label} ({row['instructions']} instructions)",
            _ms(row["race_ms"]),
            _ms(row["grid_ms"]),
            f"{_ms(row['sweep_ms'])} ({row['sweep_steps']} steps)",
            _ms(row["analysis_ms"]),
            f"{row['rss_growth_mb']:+.0f} MB",
        )
        for label, row in served_figures["worst"].items()
    ]
    worst_old = old["worst_functions"]
    start_rows = [
        (
            label,
            f"{served_figures[key]['ready_s']:.1f} s",
            f"{served_figures[key]['all_warm_s']:.1f} s",
            f"{served_figures[key]['rss_mb']:.0f} MB",
        )
        for label, key in (("empty cache", "empty_cache"), ("cache filled", "filled_cache"))
    ]
    return f"""## No compile after start-up (targets: nothing compiles after the warm-up)

A fresh `descentlab serve` with an empty compilation cache, measured after its health
check said the warm-up was done (`python -m bench.compiles`). "Before" is the engine's
previous shape (`bench/per_surface.py`: one program per surface and optimizer kind and
power-of-two step bucket), each surface's first race timed in a fresh process in the same
run: that was the wait for every surface nobody had used yet.

### The page's default race (4 optimizers × 500 steps) on each built-in surface

{_table(("surface", "first use, before", "first use, now", "again (warm)", "saved"), surface_rows)}

### Other first uses (target for a new typed structure: ≤ 0.5 s)

{_table(("request", "first use, before", "first use, now", "again (warm)"), use_rows)}

### The worst expressions the caps admit (target ≤ 2 s and ≤ 100 MB each)

The largest expressions the node and depth caps admit, of three kinds of instruction, each
with the most a race may ask (16 runs × 6,250 steps), a 512² grid with gradients, the
largest sweep the typed-work bound admits (8 optimizers × 64 rates), and a point
analysis; growth of the server's resident memory over all four. Before, such an
expression's first race compiled for {_ms(worst_old["first_ms"])} and took the process to
{worst_old["max_rss_mb"]:.0f} MB (the "functions" one, measured in this run).

{_table(("expression", "race", "grid 512²", "sweep", "analysis", "memory"), worst_rows)}

### Start-up (targets: ready ≤ 10 s, all warm ≤ 60 s cold and ≤ 10 s cached, ≤ 1 GB)

"Ready" is when the server answers (the default page's programs are compiled); "all
warm" when its health check reports every program compiled; memory is the server's
resident set then.

{_table(("compilation cache", "ready", "all warm", "memory"), start_rows)}
"""
