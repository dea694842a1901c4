"""Slider → redrawn paths, measured in the system Chromium against a live server.

Each sample moves run 1's learning-rate slider one notch (an `input` event, as a drag
makes) and waits until the map shows a different path for that run and the browser has
painted a frame: request, engine, JSON, Plotly redraw, all included.
"""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

SLIDER = '#runs .run[data-index="0"] input[data-param=learning_rate]'
_MOVE_AND_WAIT = """async ([selector, position]) => {
    const slider = document.querySelector(selector);
    const map = document.getElementById("map");
    const pathOf = () => map.data.find((t) => t.mode === "lines");
    const before = pathOf().x;
    const started = performance.now();
    slider.value = String(position);
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    await new Promise((resolve) => {
        const check = () => (pathOf().x !== before ? resolve() : requestAnimationFrame(check));
        check();
    });
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    return performance.now() - started;
}"""


def slider_latencies_ms(url: str, samples: int = 30) -> list[float] | None:
    """Milliseconds per slider move, or None when Chromium is not installed."""
    if not CHROMIUM.exists():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url + "/")
        page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=120_000)
        page.locator("#play").click()  # pause: measure the redraw, not the animation
        start = int(
            page.locator('#runs .run[data-index="0"] input[data-param=learning_rate]').input_value()
        )
        timings = []
        for k in range(samples + 3):
            position = start + (k % 2)  # one notch back and forth: a new rate each time
            timings.append(float(page.evaluate(_MOVE_AND_WAIT, [SLIDER, position])))
        browser.close()
    return timings[3:]
