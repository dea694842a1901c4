"""Step parts: one update taken apart on the map, at true scale, with its numbers."""

import math
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.lab_page import CHANGE_MS, open_lab, save_shot

ARROWS_JS = """() => (document.getElementById("map").layout.annotations || [])
    .map((a) => ({ text: a.text, dx: a.x - a.ax, dy: a.y - a.ay }))"""
XRANGE_JS = "() => document.getElementById('map')._fullLayout.xaxis.range.slice()"


def test_an_update_is_taken_apart_and_the_map_zooms_to_it(
    page: Page, live_url: str, tmp_path: Path
) -> None:
    open_lab(page, live_url + "/?lesson=adaptive-blowup&t=3", min_paths=3)
    page.locator("#anatomy-run").select_option(label="adagrad (lecture)")
    expect(page.locator("#anatomy-card")).to_be_visible()
    page.wait_for_function("() => new URLSearchParams(location.search).get('sa') === '0'")
    page.wait_for_function(f"() => ({ARROWS_JS})().some((a) => a.text.endsWith('step'))")
    arrows = {a["text"]: a for a in page.evaluate(ARROWS_JS)}
    # The lecture's Adagrad: σ divides ∇f, so the parts are −η∇f and −(η/σ)·∇f, the latter
    # being the whole step (one arrow with both names; the card shows no rest).
    assert set(arrows) == {"−η∇f", "−(η/σ)·∇f = step"}
    table = page.locator("#anatomy-table").inner_text()
    assert "σ" in table and "step taken" in table and "the rest" not in table
    assert "from step 3 to 4" in page.locator("#anatomy-title").inner_text()
    # Heavy ball: −η∇f and −η·m side by side; "Zoom to this step" shows them at scale.
    page.goto(live_url + "/?lesson=momentum-stability&t=60")
    page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=CHANGE_MS)
    page.locator("#anatomy-run").select_option(label="momentum 0.9")
    page.wait_for_function(f"() => ({ARROWS_JS})().some((a) => a.text === '−η·m = step')")
    heavy = {a["text"]: a for a in page.evaluate(ARROWS_JS)}
    assert set(heavy) == {"−η∇f", "−η·m = step"}
    # At true scale: the arrow is the step the card lists, η = 0.015 times m.
    rows = dict(
        line.split("\t") for line in page.locator("#anatomy-table").inner_text().splitlines()
    )
    m = [float(v) for v in rows["m (momentum)"].strip("()").split(", ")]
    assert math.isclose(heavy["−η·m = step"]["dx"], -0.015 * m[0], rel_tol=5e-3)
    whole = page.evaluate(XRANGE_JS)
    page.locator("#anatomy-zoom").click()
    page.wait_for_function(
        f"() => ({XRANGE_JS})()[1] - ({XRANGE_JS})()[0] < {whole[1] - whole[0]} / 3"
    )
    assert "Could not" not in page.locator("#status").inner_text()
    page.locator(".map-stack").scroll_into_view_if_needed()
    save_shot(page, tmp_path, "step-anatomy-zoomed.png", keep=True)
    # One more update with |▶ : the card follows the cursor.
    page.locator("#step-forward").click()
    expect(page.locator("#anatomy-title")).to_contain_text("from step 61 to 62", timeout=CHANGE_MS)
    page.locator("#anatomy-whole").click()
    page.wait_for_function(
        f"() => ({XRANGE_JS})()[1] - ({XRANGE_JS})()[0] > {whole[1] - whole[0]} * 0.9"
    )
    page.locator("#anatomy-run").select_option("")
    expect(page.locator("#anatomy-card")).to_be_hidden()
    page.wait_for_function("() => !new URLSearchParams(location.search).has('sa')")
