"""The page at / is served locally and talks to the API."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_root_page_reports_the_api_status(page: Page, live_url: str, tmp_path: Path) -> None:
    external = []
    page.on(
        "request",
        lambda request: (
            external.append(request.url) if not request.url.startswith(live_url) else None
        ),
    )
    page.goto(live_url + "/")
    expect(page.locator("h1")).to_have_text("Descent Lab")
    expect(page.locator("#status")).to_contain_text("API ok")
    page.screenshot(path=str(tmp_path / "root.png"))
    assert external == [], f"the page fetched from outside the lab: {external}"


def test_docs_link_resolves(page: Page, live_url: str) -> None:
    response = page.request.get(live_url + "/openapi.json")
    assert response.ok
    assert "/api/trajectories" in response.json()["paths"]


def test_api_docs_render_offline(page: Page, live_url: str, tmp_path: Path) -> None:
    external = []
    page.on(
        "request",
        lambda request: (
            external.append(request.url) if not request.url.startswith(live_url) else None
        ),
    )
    page.goto(live_url + "/docs")
    expect(page.locator(".swagger-ui .title").first).to_contain_text("Descent Lab")
    expect(page.get_by_text("/api/trajectories").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "docs.png"), full_page=False)
    assert external == [], f"/docs fetched from outside the lab: {external}"
