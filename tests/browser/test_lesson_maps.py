"""The new lessons in the browser: the map a lesson opens, and the loss per eigendirection."""

from pathlib import Path

from playwright.sync_api import Page

from tests.browser.lab_page import CHANGE_MS, open_lab, save_shot

PARTS_JS = """() => (document.getElementById("charts").data || [])
    .filter((t) => t.yaxis === "y4")
    .map((t) => ({ name: t.name, dash: t.line.dash, n: t.y.length }))"""


def test_the_eigen_directions_lesson_draws_each_runs_two_parts(
    page: Page, live_url: str, tmp_path: Path
) -> None:
    open_lab(page, live_url + "/?lesson=eigen-directions", min_paths=3)
    page.wait_for_function(f"() => ({PARTS_JS})().length === 6", timeout=CHANGE_MS)
    parts = page.evaluate(PARTS_JS)
    assert [p["dash"] for p in parts] == ["solid", "dash"] * 3
    assert all(p["n"] == 301 for p in parts)
    assert "λ = 200" in parts[1]["name"]
    assert page.evaluate("() => document.getElementById('charts').classList.contains('four-rows')")
    save_shot(page, tmp_path, "lesson-eigen-directions.png", keep=True)
    # Rosenbrock is not quadratic: three rows again.
    page.locator("#surface-select").select_option("rosenbrock")
    page.wait_for_function(
        f"() => ({PARTS_JS})().length === 0 && document.getElementById('charts').data.length > 0",
        timeout=CHANGE_MS,
    )


def test_a_lesson_opens_its_hyperparameter_map(page: Page, live_url: str, tmp_path: Path) -> None:
    open_lab(page, live_url + "/?lesson=condition-number", min_paths=2)
    assert page.locator("#hmap-on").is_checked()
    page.wait_for_function(
        "() => (document.getElementById('hmap').data || []).some((t) => t.type === 'heatmap')",
        timeout=CHANGE_MS,
    )
    assert page.locator("#hmap-metric").input_value() == "steps_to_tolerance"
    caption = page.locator("#hmap-caption").inner_text()
    assert caption.startswith("steps to tolerance after 2000 steps")
    save_shot(page, tmp_path, "lesson-condition-number.png", keep=True)
