"""Both pages embedded in a course page, as an instructor pastes them: the frame hides the
lab's chrome, links to the full lab, and reports its height, which the snippet's own script
turns into the iframe's height (no scrollbar inside, no gap below).

The course page is served by a second loopback server: another origin, as a real course
site would be (CSP ``frame-ancestors`` is ``*`` by default, which admits any http origin).
"""

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser.lab_page import CHANGE_MS, FIRST_RESULTS_MS, save_shot

pytestmark = pytest.mark.browser

# 2 inputs → 8 → 2 classes on 100 samples: the Networks page's small setup.
SMALL = "n=100&ep=6&w=8"
MEASURE_JS = "() => Math.ceil(document.documentElement.getBoundingClientRect().height)"
# The course page records every message before the snippet's own script handles it.
COURSE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Week 3</title><link rel="icon" href="data:,">
<script>
  window.messages = [];
  addEventListener("message", (event) => window.messages.push(event.data));
</script></head>
<body style="margin: 0 auto; max-width: {width}px; padding: 1rem; font: 16px Georgia, serif">
<h1>Week 3: how optimizers move</h1>
<p>Press play, then try another learning rate.</p>
{snippet}
<p id="after">Questions for the tutorial follow the frame.</p>
</body></html>
"""


@pytest.fixture(scope="module")
def course_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A static site on another loopback port: (its URL, the folder it serves)."""
    folder = tmp_path_factory.mktemp("course")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            del format, args

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def requests_seen(page: Page) -> list[str]:
    seen: list[str] = []
    page.context.on("request", lambda request: seen.append(request.url))
    return seen


def open_course_page(page: Page, site: tuple[str, Path], snippet: str, width: int) -> None:
    url, folder = site
    (folder / "week3.html").write_text(
        COURSE_PAGE.replace("{width}", str(width)).replace("{snippet}", snippet)
    )
    page.goto(url + "/week3.html")


def lab_frame(page: Page, live_url: str) -> Frame:
    page.wait_for_function("() => document.querySelector('iframe')?.contentWindow")
    frames = [f for f in page.frames if f.url.startswith(live_url)]
    assert len(frames) == 1
    frames[0].wait_for_function(
        "() => document.body?.dataset.ready === 'true'", timeout=FIRST_RESULTS_MS
    )
    return frames[0]


def settled_height(page: Page, frame: Frame) -> int:
    """Wait until the last reported height is the frame's content height and the iframe
    took it; return it. (Plots keep drawing for a while after the page is ready.)"""
    deadline = time.monotonic() + CHANGE_MS / 1000
    while True:
        height = int(frame.evaluate(MEASURE_JS))
        reported = page.evaluate(
            "() => window.messages.filter((m) => m?.type === 'descentlab:height').at(-1)?.height"
        )
        applied = page.evaluate("() => document.querySelector('iframe').style.height")
        if reported == height and applied == f"{height}px":
            return height
        if time.monotonic() > deadline:
            raise AssertionError(f"content {height}px, last reported {reported}, iframe {applied}")
        time.sleep(0.2)


def height_messages(page: Page) -> list[dict[str, object]]:
    messages = page.evaluate("() => window.messages")
    return [m for m in messages if isinstance(m, dict) and m.get("type") == "descentlab:height"]


def assert_fits(page: Page, frame: Frame, height: int) -> None:
    """The frame is exactly as tall as its content: nothing to scroll inside, no gap."""
    assert frame.evaluate("() => document.documentElement.scrollHeight") <= height
    assert frame.evaluate("() => window.innerHeight") == height
    box = page.locator("iframe").bounding_box()
    after = page.locator("#after").bounding_box()
    assert box is not None and after is not None
    assert box["height"] == pytest.approx(height, abs=1)
    assert box["y"] + box["height"] <= after["y"]


def test_the_lab_sizes_its_frame_in_a_course_page(
    page: Page,
    console_errors: list[str],
    live_url: str,
    course_site: tuple[str, Path],
    requests_seen: list[str],
    tmp_path: Path,
) -> None:
    page.goto(live_url + f"/networks.html?{SMALL}")  # a page of the lab's, for its modules
    snippet = page.evaluate(
        "async (url) => (await import('/js/embed.js')).embedSnippet(url, {title: 'Descent Lab'})",
        live_url + "/?s=himmelblau&embed=1",
    )
    open_course_page(page, course_site, snippet, width=860)
    frame = lab_frame(page, live_url)
    frame.wait_for_function(
        "() => (document.getElementById('map').data || [])"
        ".some((t) => t.mode === 'lines' && t.meta !== 'halo')",
        timeout=CHANGE_MS,
    )
    height = settled_height(page, frame)

    messages = height_messages(page)
    assert messages, "no height message reached the course page"
    assert all(set(m) == {"type", "height"} and isinstance(m["height"], int) for m in messages)
    assert 300 < height < 1200  # the map, its playback bar and the charts beside it
    assert_fits(page, frame, height)

    # The embedded view: no chrome, the map, and a link to this scenario in the full lab.
    expect(frame.locator("#controls")).to_be_hidden()
    expect(frame.locator("#runs-panel")).to_be_hidden()
    expect(frame.locator("#map")).to_be_visible()
    assert "embed" in (frame.evaluate("() => document.body.className") or "")
    link = frame.locator("#open-full")
    expect(link).to_be_visible()
    link.focus()  # the link takes the frame's current URL when it is used
    full = urlsplit(link.evaluate("(a) => a.href"))
    assert f"{full.scheme}://{full.netloc}" == live_url
    assert full.path == "/"
    assert "embed" not in parse_qs(full.query)
    assert parse_qs(full.query)["s"] == ["himmelblau"]
    assert link.get_attribute("target") == "_blank"

    site = course_site[0]
    assert all(url.startswith((live_url + "/", site + "/")) for url in requests_seen)
    assert console_errors == []
    save_shot(page, tmp_path, "embed-lab-in-course-page.png", keep=True)


def test_the_networks_page_copies_a_snippet_that_embeds_it(
    page: Page,
    console_errors: list[str],
    live_url: str,
    course_site: tuple[str, Path],
    requests_seen: list[str],
    tmp_path: Path,
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    page.goto(live_url + f"/networks.html?{SMALL}")
    page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=FIRST_RESULTS_MS)
    page.click("#embed-code")
    expect(page.locator("#embed-code")).to_have_text("Copied ✓")
    snippet = page.evaluate("() => navigator.clipboard.readText()")
    frame_html, script = snippet.split("\n", 1)
    src = frame_html.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert src.startswith(live_url + "/networks.html?")
    assert parse_qs(urlsplit(src).query)["embed"] == ["1"]
    assert parse_qs(urlsplit(src).query)["n"] == ["100"]
    assert 'width="100%"' in frame_html and 'loading="lazy"' in frame_html
    assert 'title="Descent Lab · Networks"' in frame_html
    assert script.startswith("<script>") and "descentlab:height" in script

    open_course_page(page, course_site, snippet, width=1060)
    frame = lab_frame(page, live_url)
    frame.wait_for_function("() => document.body.dataset.dataDrawn === 'true'", timeout=CHANGE_MS)
    height = settled_height(page, frame)
    assert 600 < height < 4000  # the setup, the plots and the panels below them
    assert_fits(page, frame, height)

    expect(frame.locator("header.chrome")).to_be_hidden()
    expect(frame.locator("#setup")).to_be_visible()
    expect(frame.locator("#data-plot")).to_be_visible()
    link = frame.locator("#open-full")
    expect(link).to_be_visible()
    link.focus()
    full = urlsplit(link.evaluate("(a) => a.href"))
    assert full.path == "/networks.html"
    assert "embed" not in parse_qs(full.query)
    assert parse_qs(full.query)["w"] == ["8"]
    # The setup column keeps its width (the surface lab's embed grid is not applied here).
    setup_box = frame.locator("#setup").bounding_box()
    assert setup_box is not None and setup_box["width"] < 320
    save_shot(page, tmp_path, "embed-networks-in-course-page.png", keep=True)

    # Content that grows is reported again, and the frame follows it.
    frame.evaluate(
        """() => {
            const extra = document.createElement("div");
            extra.style.height = "400px";
            document.getElementById("results").append(extra);
        }"""
    )
    taller = settled_height(page, frame)
    assert taller >= height + 390
    assert_fits(page, frame, taller)

    site = course_site[0]
    assert all(url.startswith((live_url + "/", site + "/")) for url in requests_seen)
    assert console_errors == []


def test_an_unframed_embed_page_sends_nothing(
    page: Page, console_errors: list[str], live_url: str
) -> None:
    page.add_init_script(
        "window.messages = []; addEventListener('message', (e) => window.messages.push(e.data));"
    )
    page.goto(live_url + f"/networks.html?{SMALL}&embed=1")
    page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=FIRST_RESULTS_MS)
    expect(page.locator("header.chrome")).to_be_hidden()
    expect(page.locator("#open-full")).to_be_visible()
    assert page.evaluate("() => window.messages") == []
    assert console_errors == []
