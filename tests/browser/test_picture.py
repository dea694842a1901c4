"""The picture never lies, on every device (issue 12), in the 2-D lab in real Chromium.

What a student sees must be what the numbers say: no paths of one surface over another,
a map at equal scales, arrows that cannot pass for paths, legends off the data, a log
axis checkbox that says what the axis is, optimizer defaults on a switch, a snap to the
critical point. And everyone can use it: taps on a touch screen, a phone-width layout
without sideways scrolling, the keyboard alone, a screen reader, reduced motion, fine
learning-rate steps; links and embeds of a lesson name the lesson.
"""

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.lab_page import (
    CHANGE_MS,
    FIRST_RESULTS_MS,
    HAS_MAP_JS,
    TO_PIXELS_JS,
    accessibility_violations,
    modebar_buttons,
    open_lab,
    save_shot,
    step_label,
    wait_for_start,
)

pytestmark = pytest.mark.browser

# Holds back every POST /api/trajectories and /api/grid by window.__holdRunsMs, so the
# test sees the page while a surface and its race are computed (however fast this is).
HOLD_RUNS = """
    const realFetch = window.fetch.bind(window);
    window.__holdRunsMs = 0;
    window.fetch = async (input, init) => {
        const url = typeof input === "string" ? input : input.url;
        const held = url.includes("/api/trajectories") || url.includes("/api/grid");
        if (held && window.__holdRunsMs > 0) {
            await new Promise((resolve) => setTimeout(resolve, window.__holdRunsMs));
        }
        return realFetch(input, init);
    };
"""
CHART_TRACES_JS = "() => (document.getElementById('charts').data || []).length"
SCALES_JS = """(id) => {
    const { xaxis, yaxis } = document.getElementById(id)._fullLayout;
    const span = (axis) => Math.abs(axis.range[1] - axis.range[0]);
    return [xaxis._length / span(xaxis), yaxis._length / span(yaxis)];
}"""


def _context_page(browser: Browser, **options: Any) -> Iterator[Page]:
    context = browser.new_context(**options)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def touch_phone(browser: Browser) -> Iterator[Page]:
    """A 390 × 844 phone with a touch screen (no mouse)."""
    yield from _context_page(
        browser, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )


@pytest.fixture
def reduced_motion(browser: Browser) -> Iterator[Page]:
    yield from _context_page(
        browser, viewport={"width": 1200, "height": 900}, reduced_motion="reduce"
    )


@pytest.fixture
def wide(browser: Browser) -> Iterator[Page]:
    """1400 × 900 with the clipboard allowed (Copy link)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    yield context.new_page()
    context.close()


def _surface(live_url: str, surface_id: str) -> dict[str, Any]:
    surfaces = httpx.get(live_url + "/api/surfaces").json()
    found: dict[str, Any] = next(s for s in surfaces if s["id"] == surface_id)
    return found


def test_a_new_surface_never_shows_the_old_surfaces_runs_and_says_it_is_busy(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    page.add_init_script(HOLD_RUNS)
    open_lab(page, live_url + "/")
    assert page.evaluate(CHART_TRACES_JS) > 0
    page.evaluate("() => { window.__holdRunsMs = 2500; }")
    page.select_option("#surface-select", "himmelblau")
    # At once: Rosenbrock's map hidden, no path, no chart line, no final loss of its race.
    assert page.evaluate("() => document.querySelector('.map-stack').dataset.waiting") == "true"
    assert page.locator("#map").evaluate("(el) => getComputedStyle(el).visibility") == "hidden"
    assert page.evaluate(CHART_TRACES_JS) == 0
    for text in page.locator("#runs .run .summary .final").all_inner_texts():
        assert text == "computing…"
    # After ~150 ms: the busy sign, with the time waited, while the runs are computed.
    busy = page.locator("#busy")
    expect(busy).to_be_visible(timeout=CHANGE_MS)
    expect(busy).to_have_text(re.compile(r"computing… \d+\.\d s"))
    busy_flag = "() => document.getElementById('map').getAttribute('aria-busy')"
    assert page.evaluate(busy_flag) == "true"
    # Screen readers hear it once, not the ticking seconds.
    expect(page.locator("#busy-announcement")).to_have_text("computing…")
    assert page.locator("#busy").get_attribute("aria-hidden") == "true"
    save_shot(page, tmp_path, "picture-busy.png", keep=True)
    # Then Himmelblau's own race, from Himmelblau's start, and the sign gone.
    start = _surface(live_url, "himmelblau")["default_start"]
    wait_for_start(page, start, [1e-9, 1e-9])
    expect(busy).to_be_hidden(timeout=CHANGE_MS)
    page.wait_for_function(f"() => ({CHART_TRACES_JS})() > 0", timeout=CHANGE_MS)


def test_the_map_is_to_scale_so_the_saddles_eigenvectors_are_drawn_at_right_angles(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_lab(page, live_url + "/?s=w1w2_saddle&i=[0,0]", min_paths=1)
    expect(page.locator("#inspector-kind")).to_have_text("saddle point", timeout=CHANGE_MS)
    page.wait_for_function(
        "() => (document.getElementById('map').layout.annotations || []).length === 2",
        timeout=CHANGE_MS,
    )
    for layer in ("map", "map-bg"):
        x_scale, y_scale = page.evaluate(SCALES_JS, layer)
        assert abs(x_scale / y_scale - 1) < 0.01, f"{layer}: {x_scale} vs {y_scale} px per unit"
    # The two eigenvector arrows, measured in screen pixels: 90° apart.
    arrows = page.evaluate("() => document.getElementById('map').layout.annotations")
    directions = []
    for arrow in arrows:
        tail = page.evaluate(TO_PIXELS_JS, [arrow["ax"], arrow["ay"]])
        head = page.evaluate(TO_PIXELS_JS, [arrow["x"], arrow["y"]])
        directions.append((head[0] - tail[0], head[1] - tail[1]))
    (ax, ay), (bx, by) = directions
    angle = math.degrees(math.acos((ax * bx + ay * by) / math.hypot(ax, ay) / math.hypot(bx, by)))
    assert abs(angle - 90) < 1, f"the eigenvectors are drawn {angle:.1f}° apart"
    save_shot(page, tmp_path, "picture-to-scale.png", keep=True)
    # A narrower window (a phone turned, a resized browser): both layers follow, to scale.
    page.set_viewport_size({"width": 700, "height": 700})
    plot_area = """(id) => { const { xaxis, yaxis } = document.getElementById(id)._fullLayout;
        return [xaxis._offset, xaxis._length, yaxis._offset, yaxis._length]; }"""
    page.wait_for_function(
        f"() => JSON.stringify(({plot_area})('map')) === JSON.stringify(({plot_area})('map-bg'))"
        f" && ({plot_area})('map')[1] < 600",
        timeout=CHANGE_MS,
    )
    x_scale, y_scale = page.evaluate(SCALES_JS, "map")
    assert abs(x_scale / y_scale - 1) < 0.01


def test_arrows_are_not_paths_and_say_they_are_not_to_scale(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_lab(page, live_url + "/?lesson=elongated-valley", min_paths=2)
    if page.locator("#play").inner_text() == "❚❚":
        page.click("#play")
    measured = page.evaluate(
        """() => {
            const gd = document.getElementById("map");
            const { xaxis, yaxis } = gd._fullLayout;
            const arrows = gd.data.filter((t) => t.mode === "lines+markers" && t.x.length === 2);
            const pathWidth = Math.min(...gd.data
                .filter((t) => t.mode === "lines" && t.meta !== "halo").map((t) => t.line.width));
            return {
                pathWidth,
                shorterSide: Math.min(xaxis._length, yaxis._length),
                arrows: arrows.map((t) => ({
                    width: t.line.width, opacity: t.opacity, dash: t.line.dash,
                    px: Math.hypot(
                        xaxis.d2p(t.x[1]) - xaxis.d2p(t.x[0]),
                        yaxis.d2p(t.y[1]) - yaxis.d2p(t.y[0])),
                })),
            };
        }"""
    )
    assert measured["arrows"], "the lesson's runs have −∇f arrows"
    for arrow in measured["arrows"]:
        assert arrow["width"] < measured["pathWidth"]
        assert arrow["opacity"] < 1
        assert arrow["dash"] == "dot"
        assert arrow["px"] <= 0.1 * measured["shorterSide"] + 1, arrow
    expect(page.locator("#map-legend")).to_contain_text("length not to scale")
    save_shot(page, tmp_path, "picture-arrows.png", keep=True)


def test_legends_sit_outside_the_map_on_the_page_and_in_the_downloaded_image(
    watched: Page, live_url: str
) -> None:
    page = watched
    open_lab(page, live_url + "/?lesson=momentum-bump", min_paths=2)
    assert page.evaluate("() => document.getElementById('map')._fullLayout.showlegend") is False
    plot = page.locator("#map .nsewdrag").bounding_box()
    legend = page.locator("#map-legend").bounding_box()
    assert plot is not None and legend is not None
    assert legend["y"] >= plot["y"] + plot["height"], "the legend is under the plot area"
    expect(page.locator("#map-legend li")).to_contain_text(["start"])
    image_legend = page.evaluate(
        """async () => {
            const { imageFigure } = await import("/js/downloads.js");
            const figure = imageFigure(document.getElementById("map"));
            return { shown: figure.layout.showlegend, y: figure.layout.legend.y };
        }"""
    )
    assert image_legend["shown"] is True
    assert image_legend["y"] < 0, "the image's legend is below the plot, not on it"


def test_the_log_loss_checkbox_says_what_the_axis_is_and_links_pick_the_lists_colour_scale(
    watched: Page, live_url: str
) -> None:
    page = watched
    open_lab(page, live_url + "/?s=six_hump_camel&x=[0.1,-0.7]")  # losses below 0: linear axis
    page.wait_for_function(
        "() => document.getElementById('charts')._fullLayout?.yaxis.type === 'linear'"
    )
    expect(page.locator("#log-loss")).to_be_disabled()
    expect(page.locator("#log-loss-note")).to_be_visible()
    # A surface named in a link opens on the colour scale the surface list would give it.
    for surface_id in ("himmelblau", "beale"):
        page.goto(live_url + f"/?s={surface_id}")
        page.wait_for_function("() => document.body.dataset.ready === 'true'")
        from_link = page.locator("#log-scale").is_checked()
        page.select_option("#surface-select", "rosenbrock")
        page.select_option("#surface-select", surface_id)
        assert page.locator("#log-scale").is_checked() == from_link
        assert from_link == _surface(live_url, surface_id)["log_scale"]


def test_switching_the_optimizer_takes_its_defaults_unless_the_user_set_them(
    watched: Page, live_url: str
) -> None:
    page = watched
    open_lab(page, live_url + "/")
    optimizers = httpx.get(live_url + "/api/optimizers").json()
    adadelta = next(o for o in optimizers if o["name"] == "adadelta")
    rates = (h["default"] for h in adadelta["hyperparameters"] if h["name"] == "learning_rate")
    default_rate = next(rates)
    card = page.locator("#runs .run").first
    card.locator("select[data-field=optimizer]").select_option("adadelta")
    rate = page.locator("#runs .run").first.locator("input[data-param-number=learning_rate]")
    expect(rate).to_have_value(str(default_rate).removesuffix(".0"))
    # A rate the user typed is theirs: it survives the next switch.
    rate.fill("0.25")
    rate.press("Enter")
    page.locator("#runs .run").first.locator("select[data-field=optimizer]").select_option("adam")
    first_rate = page.locator("#runs .run").first.locator("input[data-param-number=learning_rate]")
    expect(first_rate).to_have_value("0.25")


def test_the_inspector_snaps_to_the_nearest_critical_point(watched: Page, live_url: str) -> None:
    page = watched
    open_lab(page, live_url + "/?s=w1w2_saddle&i=[0.01,0.02]", min_paths=1)
    kind = page.locator("#inspector-kind")
    expect(kind).to_have_text("not a critical point", timeout=CHANGE_MS)
    page.click("#snap-critical")
    expect(kind).to_have_text("saddle point", timeout=CHANGE_MS)
    expect(page.locator("#snap-result")).to_contain_text("critical point after")
    page.wait_for_function("() => new URLSearchParams(location.search).get('i') !== '[0.01,0.02]'")
    point = page.evaluate("() => JSON.parse(new URLSearchParams(location.search).get('i'))")
    assert math.hypot(*point) < 1e-6, point


def test_a_tap_on_a_touch_screen_sets_the_start(
    touch_phone: Page, live_url: str, tmp_path: Path
) -> None:
    page = touch_phone
    open_lab(page, live_url + "/?s=himmelblau")
    px, py = page.evaluate(TO_PIXELS_JS, [1.0, -1.0])
    page.touchscreen.tap(round(px), round(py))
    per_pixel = page.evaluate(
        "() => { const { xaxis, yaxis } = document.getElementById('map')._fullLayout;"
        " return [Math.abs(xaxis.p2d(1) - xaxis.p2d(0)), Math.abs(yaxis.p2d(1) - yaxis.p2d(0))]; }"
    )
    wait_for_start(page, [1.0, -1.0], [2 * per_pixel[0], 2 * per_pixel[1]])
    save_shot(page, tmp_path, "picture-phone.png", keep=True)


@pytest.mark.parametrize("width", [360, 390, 768, 1024, 1400, 1920])
def test_no_sideways_scrolling_and_nothing_spills_out_of_a_card(
    browser: Browser, live_url: str, width: int, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        # Five runs: the widest the run cards get in the report.
        names = ["sgd", "momentum", "rmsprop", "adam", "adadelta"]
        runs = json.dumps([{"o": name, "h": {}} for name in names])
        open_lab(page, live_url + f"/?r={runs}", min_paths=5)
        overflow = page.evaluate(
            """() => {
                const page = document.documentElement.scrollWidth - window.innerWidth;
                const spills = [];
                for (const card of document.querySelectorAll("#runs .run")) {
                    const box = card.getBoundingClientRect();
                    for (const el of card.querySelectorAll("input, select, button, label")) {
                        const r = el.getBoundingClientRect();
                        const out = r.right > box.right + 0.5 || r.left < box.left - 0.5;
                        if (r.width && out) spills.push(el.outerHTML.slice(0, 80));
                    }
                }
                for (const el of document.querySelectorAll("header select, header button")) {
                    const right = el.getBoundingClientRect().right;
                    if (right > window.innerWidth + 0.5) spills.push(el.id);
                }
                return { page, spills };
            }"""
        )
        assert overflow["page"] <= 0, f"{overflow['page']} px of sideways scrolling at {width} px"
        assert overflow["spills"] == []
        if width in (390, 1400):
            save_shot(page, tmp_path, f"picture-width-{width}.png", keep=True)
    finally:
        context.close()


def test_the_keyboard_alone_sets_the_start_inspects_and_closes_the_inspector(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_lab(page, live_url + "/?s=himmelblau")
    for _ in range(80):  # the map is reachable with Tab
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('map-stack')"):
            break
    else:
        pytest.fail("Tab never reached the map")
    page.wait_for_function(
        "() => document.getElementById('map').data.some((t) => t.name === 'keyboard crosshair')"
    )
    surface = _surface(live_url, "himmelblau")
    start, (x_lo, x_hi), (y_lo, y_hi) = surface["default_start"], *surface["domain"].values()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowUp")
    page.keyboard.press("Enter")
    # Five small steps right (1/50 of the view's width each), one large up (1/5 of its height).
    expected = [start[0] + 5 * (x_hi - x_lo) / 50, start[1] + (y_hi - y_lo) / 5]
    wait_for_start(page, expected, [1e-6, 1e-6])
    # Inspect with the keyboard: the radio, then the map again, Enter.
    page.locator("input[name=click-mode][value=inspect]").focus()
    page.keyboard.press("Space")
    page.locator(".map-stack").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#inspector-kind")).to_be_visible(timeout=CHANGE_MS)
    page.keyboard.press("Escape")
    expect(page.locator("#inspector-kind")).to_have_count(0)
    expect(page.locator("#inspect-run-point")).to_be_visible()
    save_shot(page, tmp_path, "picture-keyboard.png", keep=True)


def test_each_charts_modebar_is_one_tab_stop_and_has_no_cloud_button(
    watched: Page, live_url: str
) -> None:
    page = watched
    open_lab(page, live_url + "/")
    page.wait_for_function("() => document.querySelectorAll('.modebar').length >= 2")
    page.wait_for_timeout(100)  # modebar_keys.js settles on the next frame
    tab_stops = page.evaluate(
        """() => [...document.querySelectorAll(".modebar")].map((bar) =>
            [...bar.querySelectorAll(".modebar-btn")].filter((b) => b.tabIndex >= 0).length)"""
    )
    assert tab_stops and all(n == 1 for n in tab_stops), tab_stops
    first = page.locator("#charts .modebar-btn").first
    first.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate(
        "() => document.activeElement.closest('.modebar') !== null"
        " && document.activeElement !== document.querySelector('#charts .modebar-btn')"
    )
    titles = modebar_buttons(page)
    assert titles, "the charts have modebars"
    assert not [t for t in titles if re.search(r"cloud|chart studio|share|edit in", t, re.I)]


def test_the_networks_page_has_no_cloud_button_and_one_tab_stop_per_modebar(
    watched: Page, live_url: str
) -> None:
    page = watched
    page.goto(live_url + "/networks.html")
    page.wait_for_function(
        "() => document.querySelectorAll('.modebar-btn').length > 0", timeout=FIRST_RESULTS_MS
    )
    titles = modebar_buttons(page)
    assert not [t for t in titles if re.search(r"cloud|chart studio|share|edit in", t, re.I)]
    page.wait_for_timeout(100)  # modebar_keys.js settles on the next frame
    tab_stops = page.evaluate(
        """() => [...document.querySelectorAll(".modebar")].map((bar) =>
            [...bar.querySelectorAll(".modebar-btn")].filter((b) => b.tabIndex >= 0).length)"""
    )
    assert tab_stops and all(n == 1 for n in tab_stops), tab_stops


def test_the_screen_reader_hears_states_not_frames_and_reduced_motion_does_not_autoplay(
    watched: Page, reduced_motion: Page, live_url: str
) -> None:
    page = watched
    open_lab(page, live_url + "/?n=2000")
    page.evaluate(
        """() => {
            window.__announcements = 0;
            const observer = new MutationObserver((records) => {
                window.__announcements += records.length;
            });
            for (const region of document.querySelectorAll("[aria-live], [role=status]")) {
                observer.observe(region, { childList: true, characterData: true, subtree: true });
            }
        }"""
    )
    if page.locator("#play").inner_text() != "❚❚":
        page.click("#play")
    page.wait_for_timeout(1500)  # about 90 frames of playback
    assert page.evaluate("() => window.__announcements") <= 3
    expect(page.locator("#playback-announcement")).to_have_text("playing")
    page.click("#play")
    expect(page.locator("#playback-announcement")).to_contain_text("paused at step")
    page.click("#step-forward")  # a step taken by hand is said
    step, steps = step_label(page)
    expect(page.locator("#playback-announcement")).to_have_text(f"paused at step {step} of {steps}")

    calm = reduced_motion
    open_lab(calm, live_url + "/")
    calm.wait_for_timeout(800)
    step, steps = step_label(calm)
    assert step == steps, "reduced motion: the whole runs, shown at once"
    assert calm.locator("#play").inner_text() == "▶", "and nothing plays by itself"


def test_learning_rate_sliders_are_long_and_step_finely_with_the_keyboard(
    wide: Page, live_url: str
) -> None:
    page = wide
    open_lab(page, live_url + "/")
    slider = page.locator("#runs .run").first.locator("input[data-param=learning_rate]")
    box = slider.bounding_box()
    assert box is not None and box["width"] >= 200, box
    number = page.locator("#runs .run").first.locator("input[data-param-number=learning_rate]")
    before = float(number.input_value())
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(number).not_to_have_value(str(before))
    after = float(number.input_value())
    assert 1 < after / before <= 1.05, (before, after)


def test_links_and_embeds_of_a_lesson_name_the_lesson_and_carry_no_step_unless_asked(
    wide: Page, live_url: str
) -> None:
    page = wide
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    open_lab(page, live_url + "/?lesson=elongated-valley", min_paths=2)
    page.wait_for_function("() => Number(document.getElementById('scrub').value) > 0")
    clipboard = "() => navigator.clipboard.readText()"
    page.click("#share")
    assert page.evaluate(clipboard) == f"{live_url}/?lesson=elongated-valley"
    page.click("#embed-code")
    assert f'src="{live_url}/?lesson=elongated-valley&amp;embed=1"' in page.evaluate(clipboard)
    page.check("#share-step")
    page.click("#share")
    with_step = rf"{re.escape(live_url)}/\?lesson=elongated-valley&t=(\d+)"
    match = re.fullmatch(with_step, page.evaluate(clipboard))
    assert match is not None
    # That link opens the lesson paused there, past the lab's default 500 steps.
    page.goto(f"{live_url}/?lesson=elongated-valley&t=1500")
    page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=CHANGE_MS)
    page.wait_for_timeout(500)
    assert step_label(page) == (1500, 2000)
    assert page.locator("#play").inner_text() == "▶"


@pytest.mark.parametrize(
    "path", ["/", "/networks.html", "/lessons.html", "/?lesson=elongated-valley&embed=1"]
)
def test_axe_finds_no_serious_or_critical_accessibility_violation(
    watched: Page, live_url: str, path: str
) -> None:
    page = watched
    page.goto(live_url + path)
    if path.startswith("/?"):
        page.wait_for_function(HAS_MAP_JS, arg=1, timeout=FIRST_RESULTS_MS)
    else:
        page.wait_for_load_state("networkidle")
    violations = accessibility_violations(page)
    assert violations == [], violations
