"""After the warm-up, nothing the lab's pages ask for compiles anything.

The tour makes the requests the front end makes (frontend/js/requests.js) over every
built-in surface (and two typed ones) × every optimizer × every schedule kind × the
step choices × 1–8 runs, the fair race (a sweep, then a race at the best rates), grids
at the page's resolution and others, point analyses, surface constants and gradient
noise. JAX's compile and trace events are counted across all of it: zero. A positive
control shows the counter does see a program compiled through the same path. The
largest and deepest expressions the caps admit are answered without growing memory.
"""

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from descentlab.core.expressions import ExpressionError, compile_expression, parse_expression
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.programs import Kernel
from descentlab.core.schedules import SCHEDULES
from descentlab.core.surfaces import SURFACES
from descentlab.core.trajectory import _simulate_signature, simulate
from descentlab.core.warmup import (
    compiled_programs,
    every_program,
    release_freed_memory,
    warm_everything,
)
from tests.api.conftest import strict_json
from tests.compile_counter import CompileLog, count_compiles

STATE_JS = (Path(__file__).parents[2] / "frontend" / "js" / "state.js").read_text()
STEP_CHOICES = [int(n) for n in re.search(r"STEP_CHOICES = \[([^\]]*)\]", STATE_JS)[1].split(",")]  # type: ignore[index]
MAX_RUNS = int(re.search(r"MAX_RUNS = (\d+)", STATE_JS)[1])  # type: ignore[index]
PAGE_RESOLUTION = 128  # requests.js gridRequest
SWEEP_RATES = 48  # requests.js sweepRequest

TYPED = [
    {"expression": "(1 - x)^2 + 100*(y - x^2)^2", "domain": {"x": [-2, 2], "y": [-1, 3]}},
    {"expression": "sin(3*x) * exp(-y^2/4) + 0.1*hypot(x, y)^2 - atan2(y, x + 10)"},
]
SURFACE_REFS: list[Any] = [
    *SURFACES,
    {"id": "elongated_quadratic", "params": {"condition": 1000.0}},
    {"id": "logits_mse", "params": {"y3": 2.0}},
    *TYPED,
]
SCHEDULE_REQUESTS: list[dict[str, Any] | None] = [
    None,
    *({"name": name} for name in SCHEDULES),
    *({"name": "warmup", "then": {"name": name}} for name in SCHEDULES),
    {"name": "warmup"},
    {"name": "exponential_decay", "transition_steps": 7, "decay_rate": 0.3, "transition_begin": 5},
    {"name": "cosine_decay", "decay_steps": 150, "alpha": 0.1, "exponent": 2.0},
]


def _start(surface: Any) -> list[float]:
    surface_id = surface if isinstance(surface, str) else surface.get("id")
    return list(SURFACES[surface_id].default_start) if surface_id else [0.5, -0.5]


def _run(name: str, start: list[float], index: int, schedule: Any = None) -> dict[str, Any]:
    spec = OPTIMIZERS[name]
    run: dict[str, Any] = {
        "optimizer": {"name": name, "learning_rate": spec.learning_rate.default * (1 + index)},
        "start": start,
        "gradient_noise": 0.0 if index % 3 else 0.5,
        "seed": index,
        "label": f"{name} {index + 1}",
    }
    if schedule is not None:
        run["schedule"] = schedule
    return run


def _races() -> Iterator[dict[str, Any]]:
    names = list(OPTIMIZERS)
    cases = itertools.count()
    # Every surface × every optimizer, cycling through run counts, schedules and steps
    # (the short ones: long runs only make longer responses; they come next).
    short = [steps for steps in STEP_CHOICES if steps <= 500]
    for surface, name in itertools.product(SURFACE_REFS, names):
        case = next(cases)
        runs = 1 + case % MAX_RUNS
        schedule = SCHEDULE_REQUESTS[case % len(SCHEDULE_REQUESTS)]
        start = _start(surface)
        yield {
            "surface": surface,
            "steps": short[case % len(short)],
            "runs": [_run(name, start, i, schedule) for i in range(runs)],
        }
    # Every step choice × every run count, with the optimizers mixed as on the page.
    for steps, runs in itertools.product(STEP_CHOICES, range(1, MAX_RUNS + 1)):
        mixed = [_run(names[(steps + i) % len(names)], [-1.2, 1.0], i) for i in range(runs)]
        yield {"surface": "rosenbrock", "steps": steps, "runs": mixed}
    # Every schedule kind at every step choice, on a typed surface too.
    for schedule, steps in itertools.product(SCHEDULE_REQUESTS, STEP_CHOICES):
        surface = TYPED[steps % 2] if steps >= 1000 else "booth"
        yield {"surface": surface, "steps": steps, "runs": [_run("adam", [-1, 1], 0, schedule)]}


def _post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    response = client.post(path, json=body)
    assert response.status_code == 200, (path, body, response.text[:300])
    return strict_json(response.text)


def _fair_race(client: TestClient, surface: Any, steps: int) -> None:
    """What the Fair race button does: sweep every run's optimizer, race at the best rates."""
    start = _start(surface)
    names = list(OPTIMIZERS)
    sweep = _post(
        client,
        "/api/sweeps",
        {
            "surface": surface,
            "start": start,
            "steps": min(steps, 5000),
            "optimizers": [{"optimizer": {"name": n}, "label": n} for n in names],
            "learning_rates": {"min": 1e-5, "max": 1.0, "count": SWEEP_RATES},
        },
    )
    runs = []
    for name, result in zip(names, sweep["results"], strict=True):
        rate = result["best_learning_rate"] or OPTIMIZERS[name].learning_rate.default
        runs.append({"optimizer": {"name": name, "learning_rate": rate}, "start": start})
    for batch in (runs[:MAX_RUNS], runs[MAX_RUNS:]):
        _post(client, "/api/trajectories", {"surface": surface, "steps": steps, "runs": batch})


def _hyperparameter_maps(client: TestClient) -> int:
    """The map panel: every optimizer with two knobs, on every surface, at the lab's cell
    counts (32², 64², 128²) and metrics, each over η and the optimizer's first own knob."""
    names = [n for n, spec in OPTIMIZERS.items() if spec.hyperparameters]
    metrics = ("final_loss", "mean_loss", "diverged")
    for case, surface in enumerate(SURFACE_REFS):
        name = names[case % len(names)]
        knob = OPTIMIZERS[name].hyperparameters[0]
        count = (32, 64, 128)[case % 3]
        body = _post(
            client,
            "/api/maps",
            {
                "surface": surface,
                "start": _start(surface),
                "steps": 60,
                "optimizer": {"name": name},
                "x": {"param": "learning_rate", "min": 1e-4, "max": 1.0, "count": count,
                      "scale": "log"},
                "y": {"param": knob.name, "min": knob.lower, "max": knob.upper, "count": count},
                "metric": metrics[case % len(metrics)],
            },
        )  # fmt: skip
        assert np.shape(body["diverged"]) == (count, count)
    return len(SURFACE_REFS)


@pytest.fixture(scope="module")
def warm() -> None:
    warm_everything()
    assert compiled_programs() == len(every_program())


@pytest.mark.usefixtures("warm")
def test_the_whole_lab_compiles_nothing_after_the_warm_up(client: TestClient) -> None:
    requests = 0
    with count_compiles() as log:
        for body in _races():
            result = _post(client, "/api/trajectories", body)
            assert len(result["runs"]) == len(body["runs"])
            requests += 1
        _fair_race(client, "rosenbrock", STEP_CHOICES[-1])
        for case, surface in enumerate(SURFACE_REFS):
            _fair_race(client, surface, STEP_CHOICES[case % 4])
            grid = {"surface": surface, "resolution": PAGE_RESOLUTION, "gradients": case % 2 == 0}
            body = _post(client, "/api/grid", grid)
            assert np.shape(body["z"]) == (PAGE_RESOLUTION, PAGE_RESOLUTION)
            _post(client, "/api/analyze", {"surface": surface, "point": _start(surface)})
            requests += 2 * len(OPTIMIZERS) // MAX_RUNS + 3
        for resolution in (2, 33, 64, 129, 256, 300, 512):
            body = _post(client, "/api/grid", {"surface": TYPED[1], "resolution": resolution})
            assert np.shape(body["z"]) == (resolution, resolution)
        requests += _hyperparameter_maps(client)
    assert requests > 400
    _assert_nothing_compiled(log)


@pytest.mark.usefixtures("warm")
def test_the_networks_pages_live_training_compiles_nothing_after_the_warm_up(
    client: TestClient,
) -> None:
    """The page's default network played, stepped, re-rated, regularized and restarted on
    new data of the same size: every call runs the warm-up's programs."""
    with count_compiles() as log:
        for case, (regularization, rate) in enumerate(
            [("none", 0.001), ("l2", 0.003), ("l1", 1.0), ("l2", 10.0)]
        ):
            setup = {"data_seed": case, "noise": 0.1 * case}
            frame = _post(client, "/api/live/steps", {"setup": setup, "updates": case})
            for updates, learning_rate in ((1, 0.01), (10, 0.3), (0, 0.3), (25, 1e-4)):
                body = {
                    "setup": {
                        **setup,
                        "learning_rate": learning_rate,
                        "regularization": regularization,
                        "regularization_rate": rate,
                    },
                    "state": frame["state"],
                    "updates": updates,
                }
                frame = _post(client, "/api/live/steps", body)
            assert frame["updates"] == case + 36 and frame["network"] is not None
    _assert_nothing_compiled(log)


def _assert_nothing_compiled(log: CompileLog) -> None:
    assert log.compiles == [], log.compiles[:10]
    assert log.traces == [], log.traces[:10]


def test_control_the_counter_sees_a_program_compiled_through_the_same_path() -> None:
    # A kernel of its own, so the shared ones stay as the warm-up left them: the same
    # function, at a shape the lab's table does not have.
    kernel = Kernel("control", simulate, _simulate_signature, [(2, 64)])
    with count_compiles() as log:
        kernel.executable((2, 64))
    assert log.compiles == ["jit(simulate)"]
    assert log.traces


def _nested(wrap: str, levels: int) -> str:
    text = "x"
    for level in range(levels):
        text = wrap.format(inner=text, other="xy"[level % 2])
    return text


def _largest(wrap: str) -> str:
    """The most levels of ``wrap`` the caps admit."""
    levels = 1
    while True:
        try:
            parse_expression(_nested(wrap, levels + 1))
        except ExpressionError:
            return _nested(wrap, levels)
        levels += 1


def _widest(terms: list[str]) -> str:
    text, k = terms[0], 1
    while True:
        candidate = (
            f"({text})+({terms[k % len(terms)]})" if k % 8 == 0 else f"{text}+{terms[k % 3]}"
        )
        try:
            parse_expression(candidate)
        except ExpressionError:
            return text
        text, k = candidate, k + 1


EXTREMES = {
    "exp chain": _largest("exp({inner})"),
    "sin chain": _largest("sin({inner})"),
    "pow tower": _largest("pow({other}, {inner})"),
    "right-nested sum": _largest("{other}+({inner})"),
    "wide sum": _widest(["x*y", "sin(x)", "exp(-y^2)"]),
    "two-argument functions": _widest(["hypot(x, y)", "arctan2(y, x)", "pow(x, y)"]),
}


def _resident_mb() -> float:
    release_freed_memory()
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


@pytest.mark.usefixtures("warm")
def test_the_largest_admitted_expressions_are_answered_in_bounded_memory(
    client: TestClient,
) -> None:
    surface = {"expression": EXTREMES["wide sum"]}
    _post(client, "/api/grid", {"surface": surface, "resolution": 512})  # the response paths
    before = _resident_mb()
    answered: Counter[int] = Counter()
    with count_compiles() as log:
        for text in EXTREMES.values():
            assert len(compile_expression(text).instructions) >= 40
            surface = {"expression": text, "domain": {"x": [-2, 2], "y": [-2, 2]}}
            start = [0.5, 0.25]
            bodies = {
                "/api/grid": {"surface": surface, "resolution": 512, "gradients": True},
                "/api/analyze": {"surface": surface, "point": start},
                "/api/trajectories": {
                    "surface": surface,
                    "steps": STEP_CHOICES[-1],
                    "runs": [_run(name, start, i) for i, name in enumerate(list(OPTIMIZERS)[:8])],
                },
            }
            for path, body in bodies.items():
                response = client.post(path, json=body)
                answered[response.status_code] += 1
                assert response.status_code in (200, 422), response.text[:300]
                strict_json(response.text)
        # A sweep within the typed-work bound is answered; one beyond it is refused at once.
        sweep = {
            "surface": {"expression": EXTREMES["two-argument functions"]},
            "start": [0.5, 0.25],
            "steps": 500,
            "optimizers": [{"optimizer": {"name": n}} for n in list(OPTIMIZERS)[:8]],
            "learning_rates": {"min": 1e-5, "max": 1.0, "count": 48},
        }
        _post(client, "/api/sweeps", sweep)
        refused = client.post("/api/sweeps", json={**sweep, "steps": 5000})
        assert refused.status_code == 422
        assert "too much work" in refused.text
    _assert_nothing_compiled(log)
    assert answered[200] == 3 * len(EXTREMES)
    assert _resident_mb() - before < 100
