"""The hyperparameter map beside the surface: drawn from /api/maps, true to Polyak's region,
and a click, a tap or the keyboard sets the run to a cell's values."""

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.lab_page import CHANGE_MS, open_lab, query, save_shot

CONDITION = 10.0  # the valley x² + κy²: Hessian eigenvalues 2 and 2κ
RUN = [{"o": "momentum", "h": {"learning_rate": 0.001, "momentum": 0.9}}]
PARAMS = quote(json.dumps({"condition": CONDITION}))
LAB = f"/?s=elongated_quadratic&p={PARAMS}&r={quote(json.dumps(RUN))}"

HEATMAP_JS = """() => {
    const traces = document.getElementById("hmap").data || [];
    const values = traces.find((t) => t.type === "heatmap" && t.name !== "diverged");
    const diverged = traces.find((t) => t.name === "diverged");
    const ring = traces.find((t) => t.type === "scatter");
    return values && diverged ? {
        x: Array.from(values.customdata[0].map((c) => c[0])),
        y: Array.from(values.customdata.map((row) => row[0][1])),
        diverged: diverged.z.map((row) => row.map((v) => v === 1)),
        ring: ring ? [ring.x[0], ring.y[0]] : null,
    } : null;
}"""
# A cell's centre in page pixels (log axes are drawn in log₁₀ units).
CELL_PIXELS_JS = """([i, j]) => {
    const gd = document.getElementById("hmap");
    const values = gd.data.find((t) => t.type === "heatmap");
    const box = gd.querySelector(".nsewdrag").getBoundingClientRect();
    const { xaxis, yaxis } = gd._fullLayout;
    return [box.left + xaxis.d2p(values.x[i]), box.top + yaxis.d2p(values.y[j])];
}"""


def _open_map(page: Page, live_url: str) -> dict[str, Any]:
    open_lab(page, live_url + LAB, min_paths=1)
    page.locator("#hmap-on").check()
    page.wait_for_function(f"() => ({HEATMAP_JS})() !== null", timeout=CHANGE_MS)
    heatmap: dict[str, Any] = page.evaluate(HEATMAP_JS)
    return heatmap


def _run_values(page: Page) -> dict[str, float]:
    (run,) = json.loads(query(page)["r"])
    return dict(run["h"])


def _wait_for_run(page: Page, expected: dict[str, float]) -> None:
    page.wait_for_function(
        """(expected) => {
            const runs = JSON.parse(new URLSearchParams(location.search).get("r"));
            return Object.entries(expected)
                .every(([k, v]) => Math.abs(runs[0].h[k] - v) <= 1e-9 * Math.abs(v));
        }""",
        arg=expected,
        timeout=CHANGE_MS,
    )


def test_the_map_shows_polyaks_region_and_a_click_sets_the_run(
    browser: Browser, live_url: str, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        heatmap = _open_map(page, live_url)
        assert len(heatmap["x"]) == 64 and len(heatmap["y"]) == 64
        # Heavy ball diverges exactly where η·2κ ≥ 2(1 + μ): check every cell off the edge.
        wrong = 0
        for j, momentum in enumerate(heatmap["y"]):
            for i, rate in enumerate(heatmap["x"]):
                margin = rate * 2 * CONDITION / (2 * (1 + momentum))
                if abs(math.log(margin)) > 0.15:  # a cell or more from the boundary
                    wrong += heatmap["diverged"][j][i] != (margin >= 1)
        assert wrong == 0
        assert any(any(row) for row in heatmap["diverged"])
        # The run's own cell is ringed: η = 10⁻³ (log₁₀ −3), μ = 0.9.
        assert heatmap["ring"] == pytest.approx([-3.0, 0.9])
        # The address bar follows the state within 250 ms (it is written at most that often).
        page.wait_for_function(
            "() => new URLSearchParams(location.search).has('hm')", timeout=CHANGE_MS
        )
        save_shot(page, tmp_path, "hyper-map-1400.png", keep=True)

        i, j = 40, 20
        page.locator("#hmap").scroll_into_view_if_needed()  # (clicks land in the viewport)
        page.mouse.click(*page.evaluate(CELL_PIXELS_JS, [i, j]))
        expected = {"learning_rate": heatmap["x"][i], "momentum": heatmap["y"][j]}
        _wait_for_run(page, expected)
        ring_at = math.log10(expected["learning_rate"])
        page.wait_for_function(
            f"() => Math.abs(({HEATMAP_JS})().ring[0] - {ring_at}) < 1e-9", timeout=CHANGE_MS
        )
        save_shot(page, tmp_path, "hyper-map-clicked.png", keep=True)

        # The URL alone restores the map.
        page.goto(page.url)
        page.wait_for_function(f"() => ({HEATMAP_JS})() !== null", timeout=CHANGE_MS)
        assert page.locator("#hmap-on").is_checked()
        assert page.locator("#hmap-y").input_value() == "momentum"
    finally:
        context.close()


@pytest.fixture
def touch_phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_tap_on_a_phone_sets_the_run(touch_phone: Page, live_url: str, tmp_path: Path) -> None:
    page = touch_phone
    heatmap = _open_map(page, live_url)
    page.locator("#hmap").scroll_into_view_if_needed()
    i, j = 10, 50
    page.touchscreen.tap(*page.evaluate(CELL_PIXELS_JS, [i, j]))
    _wait_for_run(page, {"learning_rate": heatmap["x"][i], "momentum": heatmap["y"][j]})
    width = page.evaluate("() => document.getElementById('hmap').getBoundingClientRect().width")
    assert width <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    save_shot(page, tmp_path, "hyper-map-390-touch.png", keep=True)


def test_arrow_keys_and_enter_set_the_run(page: Page, live_url: str, tmp_path: Path) -> None:
    heatmap = _open_map(page, live_url)
    page.locator("#hmap").focus()
    # From the run's own cell (η = 10⁻³ is column 32 of 64 log-spaced from 10⁻⁶ to 1;
    # μ = 0.9 is row 58 of 64 from 0 to 0.9999): three right, Shift+Down is eight down.
    start_i = min(range(64), key=lambda k: abs(math.log(heatmap["x"][k] / 1e-3)))
    start_j = min(range(64), key=lambda k: abs(heatmap["y"][k] - 0.9))
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "Shift+ArrowDown"):
        page.keyboard.press(key)
    assert "Enter sets the run" in page.locator("#hmap-status").inner_text()
    page.keyboard.press("Enter")
    expected = {
        "learning_rate": heatmap["x"][start_i + 3],
        "momentum": heatmap["y"][start_j - 8],
    }
    _wait_for_run(page, expected)
    save_shot(page, tmp_path, "hyper-map-keyboard.png", keep=True)
