"""The Content-Security-Policy in real Chromium: every page loads and draws with no violation.

The policy forbids inline and eval'd scripts and any other host. A violation shows as a
``securitypolicyviolation`` event and a console message naming the Content Security
Policy; both are recorded from before the page's first script runs, and must stay empty
after the page has drawn (the 3-D view and a PNG export included, on the lab's page).
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Page

from tests.browser.lab_page import CHANGE_MS, FIRST_RESULTS_MS, open_lab

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS_JS = """window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});"""
PLOTS_JS = "() => document.querySelectorAll('.js-plotly-plot').length"


class Policy:
    """What a page did against the policy: violation events and console messages."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.messages: list[str] = []
        page.context.add_init_script(RECORD_VIOLATIONS_JS)
        page.on("console", self.on_console)

    def on_console(self, message: ConsoleMessage) -> None:
        self.messages.append(message.text)

    def assert_kept(self) -> None:
        violations = self.page.evaluate("window.__violations")
        assert violations == []
        mentions = [m for m in self.messages if "content security policy" in m.lower()]
        assert mentions == []


@pytest.fixture
def policy(page: Page, console_errors: list[str]) -> Iterator[Policy]:
    """No console errors either. (Requests to other hosts are violations themselves; the
    PNG export's own blob: URL is not one, which ``watched`` would count.)"""
    yield Policy(page)


def test_the_lab_draws_in_2d_and_3d_and_exports_a_png(policy: Policy, live_url: str) -> None:
    page = policy.page
    open_lab(page, live_url + "/", min_paths=1)
    assert page.evaluate(PLOTS_JS) >= 2  # the map and the charts
    page.check("input[name=view][value=surface3d]")
    page.wait_for_function(
        "() => (document.getElementById('map').data || []).some((t) => t.type === 'surface')",
        timeout=CHANGE_MS,
    )
    png = page.evaluate(
        "Plotly.toImage(document.getElementById('charts'), {format: 'png', width: 300})"
    )
    assert png.startswith("data:image/png;base64,")
    policy.assert_kept()


def test_the_networks_page_draws(policy: Policy, live_url: str) -> None:
    page = policy.page
    page.goto(live_url + "/networks.html")
    page.wait_for_function(f"() => ({PLOTS_JS})() > 0", timeout=FIRST_RESULTS_MS)
    policy.assert_kept()


def test_the_api_docs_start_under_their_own_policy(policy: Policy, live_url: str) -> None:
    page = policy.page
    response = page.goto(live_url + "/docs")
    assert response is not None
    assert "'sha256-" in response.headers["content-security-policy"]
    # Swagger UI starts from its inline script: operations appear only if it was allowed.
    page.wait_for_selector(".opblock", timeout=CHANGE_MS)
    assert page.locator(".opblock").count() > 5
    policy.assert_kept()
