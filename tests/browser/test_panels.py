"""The panels in a real browser: runs and their sliders, the fair race, lessons, inspector."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.lab_page import CHANGE_MS, open_lab, paths, save_shot, scrub_to

pytestmark = pytest.mark.browser


def drag_slider(page: Page, selector: str, position: int) -> None:
    """Move a range input like a dragging hand: input events, then a change event."""
    page.evaluate(
        """([selector, position]) => {
            const slider = document.querySelector(selector);
            for (const p of [Number(slider.value) + Math.sign(position - slider.value), position]) {
                slider.value = String(p);
                slider.dispatchEvent(new Event("input", { bubbles: true }));
            }
            slider.dispatchEvent(new Event("change", { bubbles: true }));
        }""",
        [selector, position],
    )


def test_adding_a_run_and_moving_its_learning_rate_changes_its_path(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_lab(page, live_url + "/")
    before = len(paths(page))
    page.locator("#add-run").click()
    expect(page.locator("#runs .run")).to_have_count(before + 1)
    page.wait_for_function(
        "(n) => (document.getElementById('map').data || [])"
        ".filter((t) => t.type === 'scatter' && t.mode === 'lines' && t.meta !== 'halo')"
        ".length === n",
        arg=before + 1,
        timeout=CHANGE_MS,
    )
    scrub_to(page)
    new_run = page.locator(f"#runs .run[data-index='{before}']")
    label = new_run.locator(".run-label").inner_text()
    first = next(p for p in paths(page) if p["name"] == label)

    slider = f"#runs .run[data-index='{before}'] input[data-param=learning_rate]"
    position = int(page.locator(slider).input_value())
    drag_slider(page, slider, max(0, position - 150))
    number = new_run.locator("input[data-param-number=learning_rate]")
    page.wait_for_function(
        """([label, xs]) => (document.getElementById("map").data || [])
            .some((t) => t.name === label && t.mode === "lines" && t.meta !== "halo"
                && JSON.stringify(Array.from(t.x)) !== JSON.stringify(xs))""",
        arg=[label, first["x"]],
        timeout=CHANGE_MS,
    )
    moved = next(p for p in paths(page) if p["name"] == label)
    assert moved["x"][0] == first["x"][0]  # same start, different path
    assert moved != first
    # Dragging shows the whole new path at once: the cursor parks at the end.
    expect(page.locator("#step-label")).to_contain_text("step 500 / 500")
    assert float(number.input_value()) < 1.0  # the number field follows the slider
    save_shot(page, tmp_path, "slider.png")


def test_the_inspector_calls_the_lecture_origin_a_saddle_and_escapes_it(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_lab(page, live_url + "/?s=w1w2_saddle&i=[0,0]", min_paths=1)
    kind = page.locator("#inspector-kind")
    expect(kind).to_have_class("kind saddle", timeout=CHANGE_MS)
    expect(kind).to_contain_text("saddle")
    table = page.locator("#inspector table.numbers")
    expect(table).to_contain_text("−2")  # the eigenvalues ∓2
    expect(table).to_contain_text("0.7071")  # along (1, 1)/√2
    # The map draws the inspected point, the Taylor model and the eigenvector arrows.
    page.wait_for_function(
        """() => (document.getElementById("map-bg").data || [])
                .some((t) => t.name === "Taylor model")
            && (document.getElementById("map").layout.annotations || []).length === 2""",
        timeout=CHANGE_MS,
    )
    save_shot(page, tmp_path, "inspector.png", keep=True)

    page.locator("#escape-step").click()
    result = page.locator("#escape-result")
    expect(result).to_contain_text("L 1 →", timeout=CHANGE_MS)
    after = float(result.inner_text().split("→")[1].split(";")[0].strip())
    assert after < 1.0  # a step along the negative-curvature eigenvector lowers the loss


def test_every_lesson_opens_with_its_text_and_runs(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_lab(page, live_url + "/", min_paths=1)
    # The picker lists every lesson; those of the Networks page open there (test_lessons.py).
    lessons = page.evaluate(
        "() => [...document.querySelectorAll('#lesson-select option')]"
        ".filter((o) => o.dataset.page === 'lab').map((o) => o.value)"
    )
    listing = page.request.get(live_url + "/api/lessons").json()
    assert lessons == [entry["id"] for entry in listing if entry["url"].startswith("/?")]
    assert len(lessons) >= 5
    for lesson in lessons:
        page.select_option("#lesson-select", lesson)
        text = page.locator("#lesson-text")
        expect(text).to_be_visible()
        expect(text.locator("h3")).not_to_be_empty()
        page.wait_for_function(
            """() => new URLSearchParams(location.search).get("lesson") !== null
                && document.getElementById("status").textContent === ""
                && (document.getElementById("map").data || [])
                    .filter((t) => t.mode === "lines" && t.meta !== "halo").length
                    === document.querySelectorAll("#runs .run").length""",
            timeout=CHANGE_MS,
        )
    save_shot(page, tmp_path, "lesson.png")
    page.select_option("#lesson-select", "")
    expect(page.locator("#lesson-text")).to_be_hidden()


def test_the_fair_race_sets_every_run_to_its_best_rate(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_lab(page, live_url + "/?n=200")
    rates = "[...document.querySelectorAll('#runs input[data-param-number=learning_rate]')]"
    before = page.evaluate(f"() => {rates}.map((i) => Number(i.value))")
    page.locator("#fair-race").click()
    expect(page.locator("#sweep")).to_be_visible(timeout=CHANGE_MS)
    page.wait_for_function(
        f"(before) => JSON.stringify({rates}.map((i) => Number(i.value)))"
        " !== JSON.stringify(before)",
        arg=before,
        timeout=CHANGE_MS,
    )
    after = page.evaluate(f"() => {rates}.map((i) => Number(i.value))")
    assert len(after) == len(before)
    assert after != before
    # The sweep plot has one curve per run.
    curves = page.evaluate(
        "() => (document.getElementById('sweep').data || []).filter((t) => t.mode !== 'markers')"
        ".length"
    )
    assert curves >= len(before)
    expect(page.locator("#status")).to_contain_text("best rate")
    save_shot(page, tmp_path, "fair-race.png")
