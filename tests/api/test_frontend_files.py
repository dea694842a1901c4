"""The static front end and its vendored plotly.js are served locally, never from a CDN."""

import re
from pathlib import Path

from fastapi.testclient import TestClient

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def test_plotly_js_is_served_from_the_installed_package(client: TestClient) -> None:
    response = client.get("/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.text.lstrip().startswith("/**")
    assert "plotly.js v" in response.text[:300]
    assert "MIT" in response.text[:300]


def test_index_loads_plotly_and_modules_from_this_server(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<script src="/vendor/plotly.min.js"></script>' in page.text
    assert '<script type="module" src="/js/main.js"></script>' in page.text
    assert client.get("/js/main.js").status_code == 200
    assert client.get("/css/lab.css").status_code == 200


def test_no_front_end_file_names_an_outside_host() -> None:
    files = [p for p in FRONTEND.rglob("*") if p.suffix in {".html", ".js", ".css", ".mjs"}]
    assert files
    for path in files:
        text = path.read_text()
        # The only absolute URLs allowed are built from location.origin at run time.
        assert not re.search(r"https?://(?!127\.0\.0\.1|localhost)", text), path
