"""Surface constants as sliders: κ of the valley is a drag (or a typed number), in the URL."""

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.lab_page import CHANGE_MS, open_lab, query, save_shot

# The largest height on the drawn grid: the valley's grows with κ (x² + κy²).
GRID_MAX_JS = """() => {
    const traces = ["map-bg", "map"].flatMap((id) => document.getElementById(id)?.data || []);
    const contour = traces.find((t) => t.type === "contour");
    return contour ? Math.max(...contour.z.flat()) : null;
}"""


def test_kappa_is_a_slider_and_a_number_and_goes_in_the_link(
    page: Page, live_url: str, tmp_path: Path
) -> None:
    open_lab(page, live_url + "/?s=elongated_quadratic&log=0", min_paths=3)
    slider = page.locator("[data-constant=condition]")
    expect(slider).to_be_visible()
    before = page.evaluate(GRID_MAX_JS)
    page.locator("[data-constant-number=condition]").fill("10")
    page.locator("[data-constant-number=condition]").press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).get('p') !== null")
    assert json.loads(query(page)["p"]) == {"condition": 10}
    # The map is redrawn for κ = 10: on y ∈ [−2, 2] its highest corner is 100 + 10·4 = 140.
    page.wait_for_function(f"() => ({GRID_MAX_JS})() !== {before}", timeout=CHANGE_MS)
    assert page.evaluate(GRID_MAX_JS) == 140.0
    assert before == 500.0  # κ = 100
    # The slider by keyboard: End is the largest κ the slider offers, 10⁴.
    slider.focus()
    page.keyboard.press("End")
    page.wait_for_function(
        "() => JSON.parse(new URLSearchParams(location.search).get('p')).condition === 10000"
    )
    assert page.locator("[data-constant-number=condition]").input_value() == "10000"
    save_shot(page, tmp_path, "surface-constants.png", keep=True)
    # A surface without constants shows none.
    page.locator("#surface-select").select_option("rosenbrock")
    expect(page.locator("#surface-constants")).to_be_hidden()
