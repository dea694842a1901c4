"""The API docs are served locally and work offline (the lab itself: test_lab.py)."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


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
