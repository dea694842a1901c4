"""A live server on a free loopback port and the system Chromium, driven by Playwright.

Without /usr/bin/chromium the browser tests are skipped, unless DESCENTLAB_REQUIRE_BROWSER=1
(set by .ci/run, which installs Chromium): then they fail.
"""

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Request, sync_playwright

from descentlab.api.app import create_app
from descentlab.api.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MISSING_CHROMIUM = f"Chromium not found at {CHROMIUM}: browser tests skipped; .ci/run installs it"
REQUIRE_BROWSER = "DESCENTLAB_REQUIRE_BROWSER"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_url() -> Iterator[str]:
    port = _free_port()
    # Every test's page comes from 127.0.0.1, one client for the job share: network lessons
    # start their experiment on open, so a module opening several would meet the share of
    # 2 meant for one student (tests/api/test_experiments.py tests the share itself).
    settings = Settings(warmup=False, compilation_cache_dir="", experiment_share=8)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


# Per module, not per session: while it is open, Playwright keeps an asyncio loop marked as
# running in the main thread, and the unit tests that run their own loops come after.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get(REQUIRE_BROWSER) == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM} and {REQUIRE_BROWSER}=1 (.ci/run)")
        pytest.skip(MISSING_CHROMIUM)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    yield context.new_page()
    context.close()


@pytest.fixture
def outside_requests(page: Page, live_url: str) -> Iterator[list[str]]:
    """Every URL the page's context asks for that is not the lab itself: must stay empty."""
    seen: list[str] = []

    def record(request: Request) -> None:
        if not request.url.startswith(live_url + "/"):
            seen.append(request.url)

    page.context.on("request", record)
    yield seen
    assert seen == [], f"requests left the live server: {seen}"


@pytest.fixture
def console_errors(page: Page) -> Iterator[list[str]]:
    """Console errors and uncaught page errors of every page in the context: must stay empty."""
    seen: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.append(f"console: {message.text} ({message.location.get('url', '')})")

    def on_page_error(error: Error) -> None:
        seen.append(f"page error: {error.message}\n{error.stack or ''}")

    def watch(watched: Page) -> None:
        watched.on("console", on_console)
        watched.on("pageerror", on_page_error)

    watch(page)
    page.context.on("page", watch)
    yield seen
    assert seen == [], "the page logged errors:\n" + "\n".join(seen)


@pytest.fixture
def watched(page: Page, console_errors: list[str], outside_requests: list[str]) -> Iterator[Page]:
    """The page, with console errors and outside requests recorded: none by the test's end."""
    yield page
    assert console_errors == []
    assert outside_requests == []
