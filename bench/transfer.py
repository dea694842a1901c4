"""What a student's first visit downloads when `descentlab serve` faces the class directly:
every file the lab page loads (pages, ES modules, styles, plotly.js) and its first answers
(the catalogue, the map's grid, the race), with gzip and without, in the same run; and
the server's time per plotly.js request each way (it is compressed once, then served).

``python -m bench.transfer`` prints the section of docs/BENCHMARKS.md.
"""

import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.server import serve
from descentlab.assets import require_frontend
from descentlab.core.grid import LAB_RESOLUTION

GZIP = {"accept-encoding": "gzip"}
IDENTITY = {"accept-encoding": "identity"}
PAGE_FILES = ("/", "/css/lab.css", "/vendor/plotly.min.js")
FIRST_ANSWERS: tuple[tuple[str, str, Any], ...] = (
    ("GET", "/api/surfaces", None),
    ("GET", "/api/optimizers", None),
    ("GET", "/api/schedules", None),
    ("POST", "/api/grid", {"surface": "rosenbrock", "resolution": LAB_RESOLUTION}),
    (
        "POST",
        "/api/trajectories",
        {
            "surface": "rosenbrock",
            "steps": 500,
            "runs": [
                {"optimizer": {"name": name, "learning_rate": rate}, "start": [-1.2, 1.0]}
                for name, rate in (("sgd", 0.001), ("momentum", 0.001), ("adam", 0.05))
            ],
        },
    ),
)


def _modules() -> list[str]:
    """Every ES module of the 2-D lab (the page imports them all, directly or not)."""
    root = require_frontend("") / "js"
    return [
        "/js/" + str(path.relative_to(root))
        for path in sorted(root.rglob("*.js"))
        if not re.search(r"(^|/)(networks|export)/", str(path.relative_to(root)))
    ]


def _sent_bytes(client: httpx.Client, method: str, path: str, body: Any, headers: dict) -> int:
    with client.stream(method, path, json=body, headers=headers) as response:
        response.raise_for_status()
        return sum(len(chunk) for chunk in response.iter_raw())


def _plotly_ms(client: httpx.Client, headers: dict[str, str], repeats: int = 20) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        _sent_bytes(client, "GET", "/vendor/plotly.min.js", None, headers)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run() -> dict[str, Any]:
    requests = [("GET", path, None) for path in (*PAGE_FILES, *_modules())]
    requests += list(FIRST_ANSWERS)
    encodings = (("gzip", GZIP), ("identity", IDENTITY))
    with (
        tempfile.TemporaryDirectory() as cache,
        serve(Path(cache)) as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        _sent_bytes(client, "GET", "/vendor/plotly.min.js", None, GZIP)  # compressed once
        totals = {
            name: {
                path: _sent_bytes(client, method, path, body, headers)
                for method, path, body in requests
            }
            for name, headers in encodings
        }
        plotly_ms = {name: _plotly_ms(client, headers) for name, headers in encodings}
    return {"totals": totals, "plotly_ms": plotly_ms, "files": len(requests)}


def render(figures: dict[str, Any]) -> str:
    gzip, identity = figures["totals"]["gzip"], figures["totals"]["identity"]

    def row(label: str, paths: list[str]) -> str:
        packed = sum(gzip[p] for p in paths) / 1e6
        plain = sum(identity[p] for p in paths) / 1e6
        return f"| {label} | {plain:.2f} MB | {packed:.2f} MB | {plain / packed:.1f}× |"

    plotly = ["/vendor/plotly.min.js"]
    api = [path for _, path, _ in FIRST_ANSWERS]
    own = [p for p in gzip if p not in plotly and p not in api]
    every = list(gzip)
    lines = [
        "## A student's first visit: bytes sent, with and without gzip",
        "",
        f"Every file the 2-D lab loads ({figures['files']} requests: its page, styles, ES",
        "modules and plotly.js) and its first answers (the catalogue, the map's grid, a race",
        "of three runs), as `descentlab serve` sends them to a browser that accepts gzip and",
        "to one that does not, in the same run (`python -m bench.transfer`).",
        "",
        "| what | identity | gzip | smaller by |",
        "|---|---|---|---|",
        row("plotly.js", plotly),
        row("the lab's own files", own),
        row("the first answers (JSON)", api),
        row("**the whole first visit**", every),
        "",
        "plotly.js is compressed once, at its first request, and then served as it is: the "
        f"server's time per request is {figures['plotly_ms']['gzip']:.1f} ms gzipped and "
        f"{figures['plotly_ms']['identity']:.1f} ms as it is (median of 20, loopback).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(run()))
