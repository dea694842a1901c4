"""Standalone exports in a real browser, opened from ``file://`` with every other request
aborted: the map, paths and charts draw, play advances, the explanation shows, the
settings are disabled with the note, the escape step works offline, downloads work, and
nothing is logged as an error. Then the lab's own download buttons, on the live server.
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

from descentlab.export import write_lesson
from descentlab.export.page import page_data
from descentlab.lessons import get_lesson
from tests.browser.lab_page import (
    CHANGE_MS,
    FIRST_RESULTS_MS,
    HAS_MAP_JS,
    PATHS_JS,
    modebar_buttons,
    save_shot,
)

pytestmark = pytest.mark.browser

SURFACE_LESSON = "w1w2-saddle"  # paths, charts, and an open point inspector at a saddle
NETWORK_LESSON = "loss-comparison"
TRAIN_LESSON = "input-features"  # a lesson of the Train button's job: boundary and curves
MAP_LESSON = "momentum-stability"  # a hyperparameter map beside the surface
READY_JS = "() => document.body?.dataset.ready === 'true'"
STEP_JS = "() => Number(document.getElementById('scrub').value)"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One 2-D lesson and one network lesson, written by the Python function (not the CLI)."""
    folder = tmp_path_factory.mktemp("export")
    return {
        lesson_id: write_lesson(lesson_id, folder / f"{lesson_id}.html")
        for lesson_id in (SURFACE_LESSON, NETWORK_LESSON, MAP_LESSON, TRAIN_LESSON)
    }


@pytest.fixture
def offline(browser: Browser) -> Iterator[tuple[Page, list[str], list[str]]]:
    """A page whose context aborts every request that is not a file (or a data: URL):
    the page, the aborted URLs and the console errors, both of which must stay empty."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    aborted: list[str] = []
    errors: list[str] = []

    def only_files(route: Route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            aborted.append(url)
            route.abort()

    context.route("**/*", only_files)
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, aborted, errors
    context.close()
    assert aborted == [], f"requests left the file: {aborted}"
    assert errors == [], f"the page logged errors: {errors}"


def test_a_2d_lesson_plays_offline(
    offline: tuple[Page, list[str], list[str]], exported: dict[str, Path], tmp_path: Path
) -> None:
    page, aborted, errors = offline
    lesson = get_lesson(SURFACE_LESSON)
    page.goto(exported[SURFACE_LESSON].as_uri())
    page.wait_for_function(READY_JS, timeout=CHANGE_MS)
    # The contour and one path per run.
    page.wait_for_function(HAS_MAP_JS, arg=2, timeout=CHANGE_MS)
    assert page.evaluate("() => document.querySelector('#map-bg .contourlayer path') !== null")
    chart_lines = page.evaluate("() => document.getElementById('charts').data.length")
    assert chart_lines == 3 * 2  # loss, ‖∇f‖ and η of each run

    # It plays on opening, like the lab; pause, then play advances the step.
    if page.locator("#play").text_content() == "❚❚":
        page.click("#play")
    page.wait_for_function("() => document.getElementById('play').textContent === '▶'")
    before = page.evaluate(STEP_JS)
    if before >= lesson.scenario.steps:  # type: ignore[union-attr]
        page.click("#step-back")
        before = page.evaluate(STEP_JS)
    page.click("#play")
    page.wait_for_function(f"() => ({STEP_JS})() > {before}", timeout=CHANGE_MS)
    page.click("#play")  # pause again
    page.wait_for_function("() => document.getElementById('play').textContent === '▶'")
    # Scrub to a step: the paths end there, as the lab's would.
    page.locator("#scrub").fill("40")
    expect(page.locator("#step-label")).to_have_text(f"step 40 / {lesson.scenario.steps}")  # type: ignore[union-attr]
    paths = page.evaluate(PATHS_JS)
    race = page_data(exported[SURFACE_LESSON].read_text())["trajectories"]["runs"]
    assert [p["name"] for p in paths] == [run["label"] for run in race]
    for path, run in zip(paths, race, strict=True):
        assert list(zip(path["x"], path["y"], strict=True)) == [
            tuple(p) for p in run["points"][:41]
        ]
    page.click("#step-forward")
    assert page.evaluate(STEP_JS) == 41

    # The explanation, and the settings disabled with the note.
    expect(page.locator("#lesson-text .lesson-explanation")).to_have_text(lesson.explanation)
    expect(page.locator("#settings")).to_have_attribute("disabled", "")
    settings = page.locator("#settings input, #settings select, #settings button")
    assert settings.count() > 0
    assert settings.evaluate_all("(all) => all.every((el) => el.matches(':disabled'))")
    expect(page.locator("#offline-note")).to_contain_text("open it in the live Descent Lab")
    expect(page.locator("#runs .run .summary .final").first).to_have_text("final loss 1")

    # The inspector: the saddle, and the escape step, both analysed in advance.
    expect(page.locator("#inspector-kind")).to_have_text("saddle point")
    page.click("#escape-step")
    # ‖u‖ = 0.1 × the width 4 along (1, 1)/√2: w₁w₂ = 0.08, so L = (1 − 0.08)² = 0.8464.
    expect(page.locator("#escape-result")).to_contain_text("L 1 → 0.8464")
    # A second step reaches a point nobody analysed: the page says so and stays put.
    page.click("#escape-step")
    expect(page.locator("#status")).to_contain_text("open the live lab")
    expect(page.locator("#inspector-kind")).to_have_text("not a critical point")
    expect(page.locator("#inspector table")).to_contain_text("(0.2828, 0.2828)")

    # The 3-D view needs no server either.
    page.check("input[name=view][value=surface3d]")
    page.wait_for_function(
        "() => document.getElementById('map').data.some((t) => t.type === 'surface')"
    )
    save_shot(page, tmp_path, "export-2d-lesson.png", keep=True)
    assert aborted == [] and errors == []


def test_a_lessons_hyperparameter_map_and_step_parts_work_offline(
    offline: tuple[Page, list[str], list[str]], exported: dict[str, Path], tmp_path: Path
) -> None:
    page, _aborted, _errors = offline
    page.goto(exported[MAP_LESSON].as_uri())
    page.wait_for_function(READY_JS, timeout=CHANGE_MS)
    page.wait_for_function(
        "() => (document.getElementById('hmap').data || []).some((t) => t.type === 'heatmap')",
        timeout=CHANGE_MS,
    )
    assert page.locator("#hmap-caption").inner_text().startswith("final loss after 500 steps")
    if page.locator("#play").text_content() == "❚❚":
        page.click("#play")  # paused, so the parts stay at one step
    page.locator("#anatomy-run").select_option(label="momentum 0.9")
    page.wait_for_function(
        "() => (document.getElementById('map').layout.annotations || [])"
        ".some((a) => a.text === '−η·m = step')",
        timeout=CHANGE_MS,
    )
    save_shot(page, tmp_path, "export-hyper-map.png", keep=True)


def test_a_2d_lessons_downloads_work_offline(
    offline: tuple[Page, list[str], list[str]], exported: dict[str, Path]
) -> None:
    page, _, _ = offline
    page.goto(exported[SURFACE_LESSON].as_uri())
    page.wait_for_function(READY_JS, timeout=CHANGE_MS)
    race = page_data(exported[SURFACE_LESSON].read_text())["trajectories"]["runs"]
    with page.expect_download() as csv_download:
        page.click("#download-csv")
    assert csv_download.value.suggested_filename == f"{SURFACE_LESSON}-runs.csv"
    rows = list(csv.reader(io.StringIO(Path(csv_download.value.path()).read_text())))
    assert rows[0] == [
        "run", "optimizer", "step", "x", "y", "loss", "grad_norm", "learning_rate",
    ]  # fmt: skip
    assert len(rows) == 1 + sum(len(run["points"]) for run in race)
    assert float(rows[-1][5]) == race[-1]["loss"][-1]
    with page.expect_download() as json_download:
        page.click("#download-json")
    saved = json.loads(Path(json_download.value.path()).read_text())
    assert saved["results"]["runs"] == race
    # The map as one SVG: the contour under the paths (both layers, from the modebar).
    page.hover("#map")
    with page.expect_download() as svg_download:
        page.locator('#map .modebar-btn[data-title="Download plot as SVG"]').click()
    assert svg_download.value.suggested_filename.endswith(".svg")
    svg = Path(svg_download.value.path()).read_text()
    assert svg.startswith("<svg") and "contourlayer" in svg and "scatterlayer" in svg


def test_a_network_lesson_draws_offline(
    offline: tuple[Page, list[str], list[str]], exported: dict[str, Path], tmp_path: Path
) -> None:
    page, aborted, errors = offline
    lesson = get_lesson(NETWORK_LESSON)
    page.goto(exported[NETWORK_LESSON].as_uri())
    page.wait_for_function(READY_JS, timeout=CHANGE_MS)
    # Both error surfaces with their runs, and the loss curves: the Networks page's views.
    plots = page.locator("#experiment-output .js-plotly-plot")
    expect(plots).to_have_count(3)
    kinds = plots.evaluate_all("(all) => all.map((el) => el.data.map((t) => t.type).join(' '))")
    assert kinds[0].startswith("contour scatter") and kinds[1].startswith("contour scatter")
    expect(page.locator("#experiment-output .note")).to_contain_text("MSE ends at 2")
    expect(page.locator("#lesson-text .lesson-explanation")).to_have_text(lesson.explanation)
    expect(page.locator("#settings")).to_have_attribute("disabled", "")
    expect(page.locator("#experiment-settings input")).to_have_count(3)
    expect(page.locator("#offline-note")).to_be_visible()
    with page.expect_download() as download:
        page.click("#download-json")
    saved = json.loads(Path(download.value.path()).read_text())
    assert saved == page_data(exported[NETWORK_LESSON].read_text())["result"]
    save_shot(page, tmp_path, "export-network-lesson.png", keep=True)
    assert aborted == [] and errors == []


def test_a_train_lesson_draws_its_boundary_and_curves_offline(
    offline: tuple[Page, list[str], list[str]], exported: dict[str, Path], tmp_path: Path
) -> None:
    page, aborted, errors = offline
    page.goto(exported[TRAIN_LESSON].as_uri())
    page.wait_for_function(READY_JS, timeout=CHANGE_MS)
    result = page_data(exported[TRAIN_LESSON].read_text())["result"]
    plots = page.locator("#experiment-output .js-plotly-plot")
    expect(plots).to_have_count(2)
    boundary, curves = plots.evaluate_all("(all) => all.map((el) => el.data)")
    # The last epoch's p(class 1) under the points, and the run's own curves.
    (heatmap,) = [t for t in boundary if t["type"] == "heatmap"]
    last = result["boundary"]["z"][-1]
    assert heatmap["z"] == [[p[1] for p in row] for row in last]
    drawn = sorted(x for t in boundary if t.get("meta") == "train" for x in t["x"])
    assert drawn == sorted(point[0] for point in result["data"]["x_train"])
    assert curves[0]["y"] == result["history"]["train_loss"]
    final = result["history"]["train_accuracy"][-1]
    expect(page.locator("#experiment-output .note")).to_contain_text(f"{100 * final:.1f}% train")
    expect(page.locator("#experiment-title")).to_have_text("Experiment: Training")
    rows = dict(
        page.locator("#setup-table tr").evaluate_all(
            "(rows) => rows.map((row) => [row.cells[0].textContent, row.cells[1].textContent])"
        )
    )
    assert rows["dataset"] == "circles" and rows["regularization"] == "none"
    assert rows["input features"] == "x₁², x₂²"  # the API's labels, inlined
    assert rows["hidden widths"] == "none (linear)"
    assert "regularization rate" not in rows  # no penalty, no rate
    expect(page.locator("#experiment-settings input")).to_have_count(0)
    save_shot(page, tmp_path, "export-train-lesson.png", keep=True)
    assert aborted == [] and errors == []


# --- the live lab's buttons ------------------------------------------------------------------


def test_the_lab_downloads_a_lesson_and_its_scenario(watched: Page, live_url: str) -> None:
    page = watched
    page.context.set_default_timeout(CHANGE_MS)
    page.goto(f"{live_url}/?lesson=momentum-saddle")
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    with page.expect_download() as lesson_file:
        page.click("#download-html")
    assert lesson_file.value.suggested_filename == "momentum-saddle.html"
    assert (
        page_data(Path(lesson_file.value.path()).read_text())["lesson"]["id"] == "momentum-saddle"
    )
    with page.expect_download() as runs_file:
        page.click("#download-csv")
    header = Path(runs_file.value.path()).read_text().splitlines()[0]
    assert header == "run,optimizer,step,x,y,loss,grad_norm,learning_rate"

    # Free play: the current state, posted to /api/export.
    page.goto(f"{live_url}/?s=himmelblau&n=100")
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    with page.expect_download() as scenario_file:
        page.click("#download-html")
    assert scenario_file.value.suggested_filename == "descentlab-himmelblau.html"
    data = page_data(Path(scenario_file.value.path()).read_text())
    assert data["state"]["surface"] == "himmelblau" and data["state"]["steps"] == 100
    assert data["labLink"].startswith(f"{live_url}/?")


def test_the_networks_lesson_box_links_its_html_file(watched: Page, live_url: str) -> None:
    page = watched
    page.goto(f"{live_url}/networks.html?lesson={NETWORK_LESSON}")
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    link = page.locator("#lesson-text a.download-lesson")
    expect(link).to_have_attribute("href", f"/api/lessons/{NETWORK_LESSON}/export")
    expect(link).to_have_attribute("download", f"{NETWORK_LESSON}.html")


@pytest.mark.parametrize("lesson_id", [SURFACE_LESSON, NETWORK_LESSON])
def test_exported_charts_offer_no_send_to_cloud_button(
    offline: tuple[Page, list[str], list[str]], exported: dict[str, Path], lesson_id: str
) -> None:
    page, _, _ = offline
    page.goto(exported[lesson_id].as_uri())
    page.wait_for_function(READY_JS, timeout=CHANGE_MS)
    page.wait_for_function("() => document.querySelectorAll('.modebar-btn').length > 0")
    titles = modebar_buttons(page)
    assert any("PNG" in title for title in titles), titles  # the modebar is there
    assert not [t for t in titles if re.search(r"cloud|chart studio|share|edit in", t, re.I)]
