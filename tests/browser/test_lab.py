"""The lab in a real browser: first visit, click to start, shared links, embed, keyboard.

Every test also checks that the page logged no errors and asked nothing of another host
(the ``console_errors`` and ``outside_requests`` fixtures assert it again at teardown).

The panels (runs, fair race, lessons, inspector) are tested in test_panels.py.
"""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.lab_page import (
    CHANGE_MS,
    CONTOURS_JS,
    TO_DATA_JS,
    click_map_at,
    open_lab,
    paths,
    query,
    save_shot,
    scrub_to,
    step_label,
    wait_for_start,
)

pytestmark = pytest.mark.browser


def test_first_visit_animates_every_run(watched: Page, live_url: str, tmp_path: Path) -> None:
    page = watched
    open_lab(page, live_url + "/")
    expect(page.locator("h1")).to_have_text("Descent Lab")
    assert page.evaluate("document.body.dataset.ready") == "true"
    expect(page.locator("#surface-select")).to_have_value("rosenbrock")

    contours = page.evaluate(CONTOURS_JS)
    assert contours[0]["name"] == "Rosenbrock"
    assert contours[0]["x"] > 1
    assert contours[0]["y"] > 1
    drawn = paths(page)
    assert len(drawn) >= 3
    assert all(len(p["x"]) == len(p["y"]) >= 1 for p in drawn)

    # The paths move: the animation grows them, and the step label follows.
    step, steps = step_label(page)
    if step >= steps:  # already played through: play it again
        page.locator("#play").click()
    before = [len(p["x"]) for p in paths(page)]
    label = page.locator("#step-label").inner_text()
    page.wait_for_function(
        """([before, label]) => {
            const data = document.getElementById("map").data || [];
            const lengths = data
                .filter((t) => t.type === "scatter" && t.mode === "lines" && t.meta !== "halo")
                .map((t) => t.x.length);
            return lengths.some((n, i) => n > before[i])
                || document.getElementById("step-label").textContent !== label;
        }""",
        arg=[before, label],
        timeout=CHANGE_MS,
    )

    # The charts: loss, gradient norm and learning rate for each run.
    expect(page.locator("#charts .main-svg").first).to_be_visible()
    page.wait_for_function(
        "(n) => (document.getElementById('charts').data || []).length === n",
        arg=3 * len(drawn),
        timeout=CHANGE_MS,
    )
    expect(page.locator("#status")).to_have_text("")
    save_shot(page, tmp_path, "first-visit.png", keep=True)


def test_clicking_the_map_moves_the_start(watched: Page, live_url: str, tmp_path: Path) -> None:
    page = watched
    open_lab(page, live_url + "/")
    expect(page.locator("input[name=click-mode][value=start]")).to_be_checked()
    expect(page.locator("input[name=view][value=contour]")).to_be_checked()

    clicked = click_map_at(page, 0.6, 2.2)  # Rosenbrock's domain is [-2, 2] × [-1, 3]
    per_pixel = page.evaluate(TO_DATA_JS, [0, 0])["perPixel"]
    assert clicked == pytest.approx([0.6, 2.2], abs=2 * max(per_pixel))
    wait_for_start(page, clicked, [1e-9, 1e-9])

    for path in paths(page):
        assert [path["x"][0], path["y"][0]] == pytest.approx(clicked, rel=1e-12, abs=1e-12)
    start_marker = page.evaluate(
        "() => document.getElementById('map').data.find((t) => t.name === 'start')"
    )
    assert [start_marker["x"][0], start_marker["y"][0]] == pytest.approx(clicked, rel=1e-12)

    # The address bar follows (debounced; it settles once the animation stops).
    page.wait_for_function("() => new URLSearchParams(location.search).has('x')", timeout=CHANGE_MS)
    assert json.loads(query(page)["x"]) == pytest.approx(clicked, rel=1e-12)
    save_shot(page, tmp_path, "clicked-start.png")


def test_a_shared_url_reproduces_the_paths(watched: Page, live_url: str, tmp_path: Path) -> None:
    page = watched
    open_lab(page, live_url + "/")

    page.select_option("#surface-select", "himmelblau")
    page.wait_for_function(
        f"() => ({CONTOURS_JS})().some((t) => t.name === 'Himmelblau')", timeout=CHANGE_MS
    )
    clicked = click_map_at(page, -1.0, 1.5)
    wait_for_start(page, clicked, [1e-9, 1e-9])

    scrub_to(page)  # the end: whole paths
    _, steps = step_label(page)
    page.wait_for_function(
        """([steps, point]) => {
            const q = new URLSearchParams(location.search);
            return q.get("s") === "himmelblau" && q.get("t") === String(steps)
                && JSON.stringify(JSON.parse(q.get("x") || "null")) === JSON.stringify(point);
        }""",
        arg=[steps, clicked],
        timeout=CHANGE_MS,
    )
    page.wait_for_function(
        "(n) => document.getElementById('step-label').textContent.startsWith(`step ${n} /`)",
        arg=steps,
    )
    original = paths(page)
    assert len(original) >= 3
    assert any(len(p["x"]) > 1 for p in original)
    shared = page.url

    other = page.context.new_page()
    open_lab(other, shared)
    expect(other.locator("#surface-select")).to_have_value("himmelblau")
    # A shared link restores its exact step: paused at the end.
    other.wait_for_function(
        "(n) => document.getElementById('step-label').textContent.startsWith(`step ${n} /`)",
        arg=steps,
        timeout=CHANGE_MS,
    )
    expect(other.locator("#play")).to_have_text("▶")
    other.wait_for_function(
        "(n) => (document.getElementById('map').data || [])"
        ".filter((t) => t.type === 'scatter' && t.mode === 'lines' && t.meta !== 'halo')"
        ".every((t) => t.x.length >= n)",
        arg=min(len(p["x"]) for p in original),
        timeout=CHANGE_MS,
    )
    assert paths(other) == original
    save_shot(other, tmp_path, "shared.png")
    other.close()


def test_embed_mode_fits_an_800_by_500_frame(watched: Page, live_url: str, tmp_path: Path) -> None:
    page = watched
    page.set_viewport_size({"width": 800, "height": 500})
    open_lab(page, live_url + "/?embed=1")

    expect(page.locator("#controls")).to_be_hidden()
    expect(page.locator("#runs-panel")).to_be_hidden()
    expect(page.locator("#map")).to_be_visible()
    box = page.locator("#map").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 800
    assert page.evaluate("document.documentElement.scrollWidth") <= 800

    link = page.locator("#open-full")
    expect(link).to_be_visible()
    assert "embed" not in (link.get_attribute("href") or "")
    save_shot(page, tmp_path, "embed.png", keep=True)


def test_keyboard_plays_pauses_and_steps(watched: Page, live_url: str) -> None:
    page = watched
    open_lab(page, live_url + "/")
    play = page.locator("#play")

    # Space toggles play, both ways.
    before = play.inner_text()
    page.keyboard.press(" ")
    expect(play).not_to_have_text(before)
    page.keyboard.press(" ")
    expect(play).to_have_text(before)
    if play.inner_text() != "▶":  # make sure it is paused
        page.keyboard.press(" ")
    expect(play).to_have_text("▶")

    scrub_to(page, 100)
    page.wait_for_function(
        "() => document.getElementById('step-label').textContent.startsWith('step 100 /')"
    )
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_contain_text("step 101 /")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_contain_text("step 102 /")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#step-label")).to_contain_text("step 101 /")
    expect(play).to_have_text("▶")
    expect(page.locator("#scrub")).to_have_value("101")
    page.wait_for_function(
        """() => (document.getElementById("map").data || [])
            .filter((t) => t.type === "scatter" && t.mode === "lines" && t.meta !== "halo")
            .map((t) => t.x.length)
            .every((n, _, all) => n <= 102 && all.includes(102))"""
    )
