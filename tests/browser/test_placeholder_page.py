"""The page at / and the API docs are served locally and work offline."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

pytestmark = pytest.mark.browser


@pytest.fixture
def outside_requests(page: Page, live_url: str) -> list[str]:
    """Every URL the page asks for that is not the lab itself (must stay empty)."""
    seen: list[str] = []

    def record(request: Request) -> None:
        if not request.url.startswith(live_url):
            seen.append(request.url)

    page.on("request", record)
    return seen


def test_root_page_reports_the_api_status(
    page: Page, live_url: str, outside_requests: list[str], tmp_path: Path
) -> None:
    page.goto(live_url + "/")
    expect(page.locator("h1")).to_have_text("Descent Lab")
    expect(page.locator("#status")).to_contain_text("API ok")
    page.screenshot(path=str(tmp_path / "root.png"))
    assert outside_requests == []


def test_api_docs_render_offline(
    page: Page, live_url: str, outside_requests: list[str], tmp_path: Path
) -> None:
    page.goto(live_url + "/docs")
    expect(page.locator(".swagger-ui .title").first).to_contain_text("Descent Lab")
    expect(page.get_by_text("/api/trajectories").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "docs.png"))
    assert outside_requests == []


def test_openapi_document_lists_the_routes(page: Page, live_url: str) -> None:
    response = page.request.get(live_url + "/openapi.json")
    assert response.ok
    assert "/api/trajectories" in response.json()["paths"]
