"""The start marker can be dragged (the runs follow it, the map does not pan), and a
random start is one click."""

import json
from pathlib import Path

from playwright.sync_api import Page

from tests.browser.lab_page import CHANGE_MS, TO_DATA_JS, TO_PIXELS_JS, open_lab, save_shot

XRANGE_JS = "() => document.getElementById('map')._fullLayout.xaxis.range.slice()"
FIRST_POINTS_JS = """() => (document.getElementById("map").data || [])
    .filter((t) => t.type === "scatter" && t.mode === "lines" && t.meta !== "halo")
    .map((t) => [t.x[0], t.y[0]])"""


def _start(page: Page) -> list[float]:
    raw = page.evaluate("() => new URLSearchParams(location.search).get('x')")
    return list(json.loads(raw)) if raw else []


def test_dragging_the_start_moves_every_run_and_not_the_map(
    page: Page, live_url: str, tmp_path: Path
) -> None:
    open_lab(page, live_url + "/?s=himmelblau", min_paths=3)
    start = page.evaluate(FIRST_POINTS_JS)[0]
    before = page.evaluate(XRANGE_JS)
    x, y = page.evaluate(TO_PIXELS_JS, start)
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 9):
        page.mouse.move(x + 10 * k, y + 6 * k)
    page.mouse.up()
    target = page.evaluate(TO_DATA_JS, [x + 80, y + 48])
    expected, per_pixel = target["point"], target["perPixel"]
    page.wait_for_function(
        """([want, tol]) => {
            const raw = new URLSearchParams(location.search).get('x');
            if (!raw) return false;
            const [a, b] = JSON.parse(raw);
            return Math.abs(a - want[0]) <= tol[0] && Math.abs(b - want[1]) <= tol[1];
        }""",
        arg=[expected, [3 * per_pixel[0], 3 * per_pixel[1]]],
        timeout=CHANGE_MS,
    )
    assert page.evaluate(XRANGE_JS) == before  # dragging the start is not a pan
    dropped = _start(page)
    page.wait_for_function(
        f"""() => ({FIRST_POINTS_JS})().every(
            ([a, b]) => Math.abs(a - {dropped[0]}) < 1e-9 && Math.abs(b - {dropped[1]}) < 1e-9)""",
        timeout=CHANGE_MS,
    )
    save_shot(page, tmp_path, "start-dragged.png", keep=True)
    # A press away from the start still pans the map.
    page.mouse.move(x + 200, y - 40)
    page.mouse.down()
    page.mouse.move(x + 260, y - 40, steps=5)
    page.mouse.up()
    page.wait_for_function(f"() => ({XRANGE_JS})()[0] !== {before[0]}", timeout=CHANGE_MS)
    assert _start(page) == dropped


def test_a_random_start_lies_in_the_domain_and_every_run_takes_it(
    page: Page, live_url: str
) -> None:
    open_lab(page, live_url + "/?s=himmelblau", min_paths=3)
    page.locator("#random-start").click()
    page.wait_for_function("() => new URLSearchParams(location.search).has('x')", timeout=CHANGE_MS)
    x, y = _start(page)
    assert -5 <= x <= 5 and -5 <= y <= 5  # Himmelblau's domain
    page.wait_for_function(
        f"""() => ({FIRST_POINTS_JS})().every(
            ([a, b]) => Math.abs(a - {x}) < 1e-9 && Math.abs(b - {y}) < 1e-9)""",
        timeout=CHANGE_MS,
    )


def test_a_click_on_the_start_marker_is_a_click(page: Page, live_url: str) -> None:
    """Only a press that moves drags the start: "Click: inspects" on the marker inspects."""
    open_lab(page, live_url + "/?s=himmelblau", min_paths=3)
    start = page.evaluate(FIRST_POINTS_JS)[0]
    page.locator("input[name=click-mode][value=inspect]").check()
    page.mouse.click(*page.evaluate(TO_PIXELS_JS, start))
    page.wait_for_function("() => new URLSearchParams(location.search).has('i')", timeout=CHANGE_MS)
    assert _start(page) == []  # the start did not move (it is still the default)
