"""Reading and driving the lab's page from browser tests: shared by the test modules."""

import importlib.resources
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, Request, Response

SHOTS = Path("/tmp/descentlab-shots")
# Upper bounds for waiting on a condition (a cold JAX compile comes first), never asserted.
FIRST_RESULTS_MS = 120_000
CHANGE_MS = 60_000

PATHS_JS = """() => (document.getElementById("map").data || [])
    .filter((t) => t.type === "scatter" && t.mode === "lines" && t.meta !== "halo")
    .map((t) => ({ name: t.name, x: Array.from(t.x), y: Array.from(t.y) }))"""

# The contour may sit in a static layer (#map-bg) under the moving paths (#map).
CONTOURS_JS = """() => ["map-bg", "map"]
    .flatMap((id) => document.getElementById(id)?.data || [])
    .filter((t) => t.type === "contour")
    .map((t) => ({ name: t.name, x: t.x.length, y: t.y.length }))"""
HAS_MAP_JS = f"""(minPaths) => {{
    const paths = (document.getElementById("map").data || [])
        .filter((t) => t.type === "scatter" && t.mode === "lines" && t.meta !== "halo");
    return ({CONTOURS_JS})().length > 0 && paths.length >= minPaths;
}}"""

# Data coordinates ↔ page pixels of the map's plot area, as Plotly's axes convert them.
TO_PIXELS_JS = """([x, y]) => {
    const gd = document.getElementById("map");
    const box = gd.querySelector(".nsewdrag").getBoundingClientRect();
    return [box.left + gd._fullLayout.xaxis.d2p(x), box.top + gd._fullLayout.yaxis.d2p(y)];
}"""
TO_DATA_JS = """([px, py]) => {
    const gd = document.getElementById("map");
    const box = gd.querySelector(".nsewdrag").getBoundingClientRect();
    const { xaxis, yaxis } = gd._fullLayout;
    return {
        point: [xaxis.p2d(px - box.left), yaxis.p2d(py - box.top)],
        perPixel: [Math.abs(xaxis.p2d(1) - xaxis.p2d(0)), Math.abs(yaxis.p2d(1) - yaxis.p2d(0))],
    };
}"""


def save_shot(page: Page, tmp_path: Path, name: str, *, keep: bool = False) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path))
    if keep:  # for a person to look at
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SHOTS / name)


def open_lab(page: Page, url: str, min_paths: int = 3) -> None:
    """Load the lab and wait for results and a drawn map."""
    page.goto(url)
    page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=FIRST_RESULTS_MS)
    page.wait_for_function(HAS_MAP_JS, arg=min_paths, timeout=CHANGE_MS)


def paths(page: Page) -> list[dict[str, Any]]:
    return list(page.evaluate(PATHS_JS))


def step_label(page: Page) -> tuple[int, int]:
    """The cursor and the step count from "step 12 / 500"."""
    text = page.locator("#step-label").inner_text()
    step, steps = text.removeprefix("step").split("/")
    return int(step), int(steps)


def query(page: Page) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}


def scrub_to(page: Page, step: int | None = None) -> None:
    """Move the scrubber like a user (an input event); None: to the end."""
    page.evaluate(
        """(step) => {
            const scrub = document.getElementById("scrub");
            scrub.value = String(step === null ? scrub.max : step);
            scrub.dispatchEvent(new Event("input", { bubbles: true }));
        }""",
        step,
    )


def click_map_at(page: Page, x: float, y: float) -> list[float]:
    """Click the map near data point (x, y); returns the data point actually clicked."""
    px, py = page.evaluate(TO_PIXELS_JS, [x, y])
    px, py = round(px), round(py)
    page.mouse.click(px, py)
    clicked = page.evaluate(TO_DATA_JS, [px, py])
    point: list[float] = clicked["point"]
    return point


def wait_for_start(page: Page, point: list[float], tolerance: list[float]) -> None:
    """Wait until every path begins at `point` (within `tolerance` per axis)."""
    page.wait_for_function(
        """([point, tol]) => {
            const data = document.getElementById("map").data || [];
            const paths = data
                .filter((t) => t.type === "scatter" && t.mode === "lines" && t.meta !== "halo");
            return paths.length > 0 && paths.every((t) => t.x.length > 0
                && Math.abs(t.x[0] - point[0]) <= tol[0] && Math.abs(t.y[0] - point[1]) <= tol[1]);
        }""",
        arg=[point, tolerance],
        timeout=CHANGE_MS,
    )


# Deque's axe-core, as its npm package builds it (shipped inside axe-playwright-python).
AXE_SOURCE = importlib.resources.files("axe_playwright_python").joinpath("axe.min.js")


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line per failing node.

    The lab's CSP forbids inline scripts, so axe is evaluated through the debugger
    protocol (as a test tool, never as part of the page)."""
    page.evaluate("(source) => { (0, eval)(source); }", AXE_SOURCE.read_text())
    found: list[str] = page.evaluate(
        """async () => {
            const { violations } = await axe.run(document, { resultTypes: ["violations"] });
            return violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id}: ${n.target.join(" ")}`));
        }"""
    )
    return found


def modebar_buttons(page: Page) -> list[str]:
    """The titles of every Plotly modebar button on the page."""
    titles: list[str] = page.evaluate(
        """() => [...document.querySelectorAll(".modebar-btn")]
            .map((b) => b.getAttribute("data-title") || b.getAttribute("aria-label") || "")"""
    )
    return titles


@dataclass
class Submitted:
    """The experiments a page submitted (``POST /api/experiments``): each body as sent, in
    the order sent, and each job id an accepted one was given, in the order the answers came
    (read on Playwright's time: wait for them)."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


def _is_submission(request: Request) -> bool:
    return request.method == "POST" and request.url.endswith("/api/experiments")


def watch_experiments(page: Page) -> Submitted:
    """Record every experiment ``page`` submits from now on."""
    submitted = Submitted()

    def sent(request: Request) -> None:
        if _is_submission(request):
            submitted.bodies.append(json.loads(request.post_data or "{}"))

    def answered(response: Response) -> None:
        if _is_submission(response.request) and response.ok:  # (a refusal names no job)
            submitted.ids.append(response.json()["id"])

    page.on("request", sent)
    page.on("response", answered)
    return submitted
