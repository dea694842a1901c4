"""Your own f(x, y) in a real browser: typing a surface, its errors, its link, its embed.

The typed Rosenbrock must race exactly as the built-in one does (same start, same runs, same
domain: the API compiles x^2 as the catalogue computes x**2). Tests that provoke a 422 or a
503 allow exactly those failed requests in the console (Chromium logs every one); every
other console error, and any request to another host, fails them.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, Route, expect

from descentlab.core.expressions import ARITY
from descentlab.core.surfaces import SURFACES
from tests.browser.lab_page import (
    CHANGE_MS,
    CONTOURS_JS,
    open_lab,
    paths,
    query,
    save_shot,
    scrub_to,
    step_label,
    wait_for_start,
)

pytestmark = pytest.mark.browser

ROSENBROCK_TEXT = "(1 - x)^2 + 100*(y - x^2)^2"
BOWL_TEXT = "x^2 + y^2"
ROSENBROCK_AT_START = 24.2  # (1 + 1.2)² + 100 (1 − 1.2²)² at the default start (−1.2, 1)
BOWL_AT_START = 2.44

CONTOUR_Z_JS = """() => {
    const data = document.getElementById("map-bg").data || [];
    const contour = data.find((t) => t.type === "contour");
    return contour ? { name: contour.name, x: Array.from(contour.x), y: Array.from(contour.y),
                       z: contour.z.map((row) => Array.from(row)) } : null;
}"""
# The loss at step 0 of every run, as the charts show it: f at the start, surface by surface.
LOSSES_AT_START_JS = """() => (document.getElementById("charts").data || [])
    .filter((t) => t.yaxis === "y" && t.y.length > 0).map((t) => t.y[0])"""
WAIT_LOSS_AT_START_JS = f"""(value) => {{
    const losses = ({LOSSES_AT_START_JS})();
    return losses.length > 0 && losses.every((v) => Math.abs(v - value) <= 1e-9 * Math.abs(value));
}}"""


@pytest.fixture
def allowed_failures(page: Page) -> Iterator[dict[str, list[Any]]]:
    """Console errors and the API's 4xx/5xx answers: each console error must be one of those."""
    seen: dict[str, list[Any]] = {"console": [], "failed": []}

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen["console"].append(message.text)

    def on_response(response: Response) -> None:
        if response.status >= 400:
            seen["failed"].append(response.status)

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen["console"].append(f"page error: {error.message}"))
    page.on("response", on_response)
    yield seen
    expected = [
        f"Failed to load resource: the server responded with a status of {status}"
        for status in seen["failed"]
    ]
    assert sorted(text.split(" (")[0] for text in seen["console"]) == sorted(expected)


def wait_for_loss_at_start(page: Page, value: float) -> None:
    page.wait_for_function(WAIT_LOSS_AT_START_JS, arg=value, timeout=CHANGE_MS)


def wait_for_contour_of(page: Page, text: str) -> None:
    """Until the contour underneath is the one of the typed `text` (its layout's revision)."""
    page.wait_for_function(
        """(text) => {
            const layout = document.getElementById("map-bg").layout;
            return !!layout && String(layout.uirevision).startsWith(`custom:${text}:`);
        }""",
        arg=text,
        timeout=CHANGE_MS,
    )


def whole_paths(page: Page) -> list[dict[str, Any]]:
    """Every run's whole path: the cursor moved to the end first."""
    scrub_to(page)
    _, steps = step_label(page)
    page.wait_for_function(
        "(n) => document.getElementById('step-label').textContent.startsWith(`step ${n} /`)",
        arg=steps,
        timeout=CHANGE_MS,
    )
    return paths(page)


def choose_your_own(page: Page) -> None:
    """Pick "Your own f(x, y)…" and wait for its starter (Rosenbrock's text) to be drawn."""
    page.select_option("#surface-select", "custom")
    expect(page.locator("#expression-panel")).to_be_visible()
    page.wait_for_function(
        "() => new URLSearchParams(location.search).has('fx')", timeout=CHANGE_MS
    )
    wait_for_contour_of(page, ROSENBROCK_TEXT)
    wait_for_loss_at_start(page, ROSENBROCK_AT_START)


def test_typing_rosenbrock_races_like_the_built_in_one(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_lab(page, live_url + "/")
    expect(page.locator("#expression-panel")).to_be_hidden()
    wait_for_loss_at_start(page, ROSENBROCK_AT_START)
    built_in_paths = whole_paths(page)
    built_in_contour = page.evaluate(CONTOUR_Z_JS)
    assert built_in_contour["name"] == "Rosenbrock"
    assert len(built_in_paths) == 4 and all(len(p["x"]) > 1 for p in built_in_paths)

    choose_your_own(page)
    field = page.locator("#expression-input")
    expect(field).to_be_focused()
    # The starter sits on the built-in Rosenbrock's domain, and its start stays where it was.
    (x_lo, x_hi), (y_lo, y_hi) = SURFACES["rosenbrock"].domain
    for selector, bound in zip(
        ["#domain-x-lo", "#domain-x-hi", "#domain-y-lo", "#domain-y-hi"],
        [x_lo, x_hi, y_lo, y_hi],
        strict=True,
    ):
        assert float(page.locator(selector).input_value()) == bound
    page.wait_for_function("() => new URLSearchParams(location.search).has('x')", timeout=CHANGE_MS)
    assert json.loads(query(page)["x"]) == [-1.2, 1]

    # Another surface first, so that typing Rosenbrock's text is a real change.
    field.fill(BOWL_TEXT)
    wait_for_contour_of(page, BOWL_TEXT)
    wait_for_loss_at_start(page, BOWL_AT_START)
    expect(page.locator("#surface-formula")).to_have_text(BOWL_TEXT)
    bowl_paths = whole_paths(page)
    assert [p["x"] for p in bowl_paths] != [p["x"] for p in built_in_paths]

    field.fill("")
    field.press_sequentially(ROSENBROCK_TEXT, delay=20)
    wait_for_contour_of(page, ROSENBROCK_TEXT)
    wait_for_loss_at_start(page, ROSENBROCK_AT_START)
    expect(page.locator("#surface-formula")).to_have_text(ROSENBROCK_TEXT)
    expect(page.locator("#surface-select")).to_have_value("custom")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#expression-error")).to_have_text("")

    typed_contour = page.evaluate(CONTOUR_Z_JS)
    assert typed_contour["name"] == "Your f(x, y)"
    assert typed_contour["x"] == built_in_contour["x"]
    assert typed_contour["y"] == built_in_contour["y"]
    # The same function up to rounding (the typed one is the interpreter's arithmetic).
    np.testing.assert_allclose(typed_contour["z"], built_in_contour["z"], rtol=1e-12, atol=1e-12)
    typed_paths = whole_paths(page)
    assert len(typed_paths) == len(built_in_paths)
    for typed, built_in in zip(typed_paths, built_in_paths, strict=True):
        ours = np.column_stack([typed["x"], typed["y"]])
        theirs = np.column_stack([built_in["x"], built_in["y"]])
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours[:50], theirs[:50], rtol=0, atol=1e-9)
        # RMSProp's almost-sign steps amplify the last bit later on, by a few η at most.
        assert np.max(np.abs(ours - theirs)) < 0.1

    page.wait_for_function(
        "(text) => new URLSearchParams(location.search).get('fx') === text",
        arg=ROSENBROCK_TEXT,
        timeout=CHANGE_MS,
    )
    assert json.loads(query(page)["fdx"]) == [x_lo, x_hi]
    assert json.loads(query(page)["fdy"]) == [y_lo, y_hi]
    assert "s" not in query(page)
    save_shot(page, tmp_path, "expression-typed.png", keep=True)


def test_a_bad_expression_names_its_column_and_the_picture_stays(
    page: Page,
    live_url: str,
    tmp_path: Path,
    outside_requests: list[str],
    allowed_failures: dict[str, list[Any]],
) -> None:
    sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.post_data or "")
            if request.url.endswith("/api/trajectories")
            else None
        ),
    )
    open_lab(page, live_url + "/")
    choose_your_own(page)
    before_paths = whole_paths(page)
    before_contour = page.evaluate(CONTOUR_Z_JS)
    races_before = len(sent)

    field = page.locator("#expression-input")
    field.fill("x + z")
    error = page.locator("#expression-error")
    expect(error).to_contain_text("unknown name 'z' at column 5")
    expect(error).to_have_attribute("role", "alert")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(error.locator("mark")).to_have_text("z")
    assert allowed_failures["failed"] == [422]
    save_shot(page, tmp_path, "expression-error.png", keep=True)

    # Enter (a check at once) puts the cursor on the column the message names.
    field.press("End")
    field.press("Enter")
    expect(error).to_contain_text("column 5")
    page.wait_for_function(
        """() => {
            const field = document.getElementById("expression-input");
            return document.activeElement === field
                && field.selectionStart === 4 && field.selectionEnd === 5;
        }""",
        timeout=CHANGE_MS,
    )

    # Nothing moved: the formula, the link, the contour and the paths are the last good ones,
    # and no race was asked for the bad text.
    expect(page.locator("#surface-formula")).to_have_text(ROSENBROCK_TEXT)
    assert query(page)["fx"] == ROSENBROCK_TEXT
    assert page.evaluate(CONTOUR_Z_JS) == before_contour
    assert whole_paths(page) == before_paths
    assert len(sent) == races_before
    assert all("x + z" not in body for body in sent)

    # Mended, the mark and the invalid state go, and the new surface is drawn.
    field.fill("x + y")
    wait_for_contour_of(page, "x + y")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(error).to_have_text("")
    expect(page.locator("#surface-formula")).to_have_text("x + y")


def test_a_link_with_a_bad_expression_shows_why_beside_the_field(
    page: Page,
    live_url: str,
    outside_requests: list[str],
    allowed_failures: dict[str, list[Any]],
) -> None:
    page.goto(f"{live_url}/?fx=x %2B z")
    field = page.locator("#expression-input")
    expect(field).to_have_value("x + z")
    expect(page.locator("#expression-error")).to_contain_text("column 5", timeout=CHANGE_MS)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#expression-error mark")).to_have_text("z")
    assert allowed_failures["failed"] and set(allowed_failures["failed"]) == {422}


def test_a_busy_server_is_not_a_wrong_expression(
    page: Page,
    live_url: str,
    outside_requests: list[str],
    allowed_failures: dict[str, list[Any]],
) -> None:
    busy_text = "x^2 + 2*y^2"

    def busy(route: Route) -> None:
        if busy_text in (route.request.post_data or ""):
            route.fulfill(
                status=503,
                content_type="application/problem+json",
                headers={"Retry-After": "1"},
                body=json.dumps(
                    {
                        "type": "about:blank",
                        "title": "Service Unavailable",
                        "status": 503,
                        "detail": "the server is busy: waited 5 s for a slot",
                    }
                ),
            )
        else:
            route.continue_()

    open_lab(page, live_url + "/")
    choose_your_own(page)
    page.route("**/api/grid", busy)
    field = page.locator("#expression-input")
    field.fill(busy_text)
    error = page.locator("#expression-error")
    expect(error).to_contain_text("busy")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(error.locator("mark")).to_have_count(0)
    expect(page.locator("#surface-formula")).to_have_text(ROSENBROCK_TEXT)
    assert allowed_failures["failed"] == [503]

    page.unroute("**/api/grid", busy)
    field.press("Enter")  # try again: now it goes through
    wait_for_contour_of(page, busy_text)
    expect(error).to_have_text("")
    expect(page.locator("#surface-formula")).to_have_text(busy_text)


def test_a_link_restores_a_typed_surface_and_a_catalogue_pick_clears_it(
    watched: Page, live_url: str
) -> None:
    page = watched
    text = "0.25*x^4 - x^2 + y^2 + 0.3*x"  # a tilted double well
    link = (
        f"{live_url}/?fx={text.replace('+', '%2B')}&fdx=[-3,3]&fdy=[-2.5,2.5]&x=[0.5,0.1]"
        "&unknown_key=1"
    )
    open_lab(page, link)
    wait_for_start(page, [0.5, 0.1], [1e-12, 1e-12])
    expect(page.locator("#surface-select")).to_have_value("custom")
    expect(page.locator("#expression-panel")).to_be_visible()
    expect(page.locator("#expression-input")).to_have_value(text)
    for selector, value in [
        ("#domain-x-lo", "-3"),
        ("#domain-x-hi", "3"),
        ("#domain-y-lo", "-2.5"),
        ("#domain-y-hi", "2.5"),
    ]:
        expect(page.locator(selector)).to_have_value(value)
    expect(page.locator("#surface-formula")).to_have_text(text)
    expect(page.locator("#surface-description")).to_contain_text("x ∈ [−3, 3], y ∈ [−2.5, 2.5]")
    # the standalone page knows catalogue surfaces only: its button says so, CSV still works
    expect(page.locator("#download-html")).to_be_disabled()
    expect(page.locator("#download-html")).to_have_attribute("title", re.compile("typed f"))
    wait_for_contour_of(page, text)
    contour = page.evaluate(CONTOUR_Z_JS)
    assert [contour["x"][0], contour["x"][-1], contour["y"][0], contour["y"][-1]] == [
        -3,
        3,
        -2.5,
        2.5,
    ]

    original = whole_paths(page)
    _, steps = step_label(page)
    page.wait_for_function(
        "(n) => new URLSearchParams(location.search).get('t') === String(n)",
        arg=steps,
        timeout=CHANGE_MS,
    )
    assert query(page)["fx"] == text
    assert "unknown_key" not in query(page)

    other = page.context.new_page()
    open_lab(other, page.url)
    other.wait_for_function(
        "(n) => document.getElementById('step-label').textContent.startsWith(`step ${n} /`)",
        arg=steps,
        timeout=CHANGE_MS,
    )
    wait_for_contour_of(other, text)
    expect(other.locator("#expression-input")).to_have_value(text)
    assert paths(other) == original
    other.close()

    # Back to the catalogue: the field goes, and so does the typed surface from the link.
    page.select_option("#surface-select", "himmelblau")
    page.wait_for_function(
        f"() => ({CONTOURS_JS})().some((t) => t.name === 'Himmelblau')", timeout=CHANGE_MS
    )
    expect(page.locator("#expression-panel")).to_be_hidden()
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('s') === 'himmelblau'", timeout=CHANGE_MS
    )
    assert not {"fx", "fdx", "fdy"} & set(query(page))


def test_an_embed_of_a_typed_surface_shows_its_formula_but_no_field(
    watched: Page, live_url: str
) -> None:
    page = watched
    page.set_viewport_size({"width": 800, "height": 500})
    open_lab(page, f"{live_url}/?embed=1&fx=x^2 %2B 4*y^2")
    expect(page.locator("#expression-panel")).to_be_hidden()
    expect(page.locator("#surface-formula")).to_have_text("x^2 + 4*y^2")
    wait_for_contour_of(page, "x^2 + 4*y^2")
    assert "fx=" in (page.locator("#open-full").get_attribute("href") or "")


def test_the_hint_names_every_function_the_api_knows(watched: Page, live_url: str) -> None:
    page = watched
    open_lab(page, live_url + "/")
    page.select_option("#surface-select", "custom")
    hint = page.locator("#expression-hint")
    expect(hint).to_be_visible()
    assert sorted(hint.locator("code.fn").all_inner_texts()) == sorted(ARITY)
    expect(page.locator("#expression-input")).to_have_attribute(
        "aria-describedby", "expression-error expression-hint"
    )
