"""Security headers, CORS and the body limit, as a browser or a hostile client meets them."""

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from descentlab.api.app import create_app
from descentlab.api.settings import Settings
from tests.api.conftest import PROBLEM_JSON, grid_request, strict_json

ClientWith = Callable[..., AbstractContextManager[TestClient]]
SITE_PATHS = ["/api/health", "/api/surfaces", "/", "/js/main.js", "/vendor/plotly.min.js"]
OTHER_SITE = "https://course.example.edu"


@contextmanager
def _client_with(**settings: Any) -> Iterator[TestClient]:
    app = create_app(Settings(warmup=False, compilation_cache_dir="", **settings))
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client_with() -> ClientWith:
    """A client of an app built with these settings (on top of the test defaults)."""
    return _client_with


def policy(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive → sources."""
    directives = [d.split() for d in response.headers["content-security-policy"].split(";")]
    return {name: sources for name, *sources in directives}


class _InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inline = tag == "script" and "src" not in dict(attrs)
        if self._inline:
            self.scripts.append("")

    def handle_data(self, data: str) -> None:
        if self._inline:
            self.scripts[-1] += data

    def handle_endtag(self, tag: str) -> None:
        self._inline = False


def inline_scripts(html: str) -> list[str]:
    parser = _InlineScripts()
    parser.feed(html)
    return parser.scripts


def sha256_source(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("path", [*SITE_PATHS, "/docs", "/docs-assets/swagger-ui.css"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["*"]  # embeddable anywhere by default
    assert csp["connect-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    # It would contradict frame-ancestors: the lab is meant to be embedded.
    assert "x-frame-options" not in response.headers


def test_problems_carry_the_headers_too(client: TestClient) -> None:
    missing = client.get("/api/experiments/none")
    invalid = client.post("/api/grid", json=grid_request(resolution=-1))
    for response in (missing, invalid):
        assert response.headers["content-type"] == PROBLEM_JSON
        assert "frame-ancestors *" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


def test_site_scripts_come_only_from_this_server(client: TestClient) -> None:
    assert policy(client.get("/"))["script-src"] == ["'self'"]
    assert inline_scripts(client.get("/").text) == []
    assert inline_scripts(client.get("/networks.html").text) == []


def test_the_docs_inline_script_is_allowed_by_its_hash_only(client: TestClient) -> None:
    docs = client.get("/docs")
    scripts = inline_scripts(docs.text)
    assert scripts, "Swagger UI starts itself with an inline script"
    allowed = policy(docs)["script-src"]
    assert allowed == ["'self'", *(sha256_source(script) for script in scripts)]
    assert sha256_source(scripts[0]) not in policy(client.get("/"))["script-src"]


def test_frame_ancestors_follows_the_setting(client_with: ClientWith) -> None:
    with client_with(frame_ancestors=f"'self'   {OTHER_SITE}") as client:
        for path in ("/", "/docs", "/api/health"):
            assert policy(client.get(path))["frame-ancestors"] == ["'self'", OTHER_SITE]


@pytest.mark.parametrize(
    "value", ["", "* ; script-src *", "https://a.edu, https://b.edu", "'unsafe-inline'", "a\x00b"]
)
def test_a_frame_ancestors_setting_that_is_not_a_source_list_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="frame_ancestors"):
        Settings(frame_ancestors=value)


def test_cors_is_off_by_default(client: TestClient) -> None:
    simple = client.get("/api/surfaces", headers={"Origin": OTHER_SITE})
    preflight = client.options(
        "/api/grid",
        headers={"Origin": OTHER_SITE, "Access-Control-Request-Method": "POST"},
    )
    for response in (simple, preflight):
        assert not any(h.startswith("access-control-") for h in response.headers)


def test_cors_for_a_configured_origin(client_with: ClientWith) -> None:
    with client_with(cors_origins=(OTHER_SITE,)) as client:
        preflight = client.options(
            "/api/grid",
            headers={
                "Origin": OTHER_SITE,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, x-client-id",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == OTHER_SITE
        assert "POST" in preflight.headers["access-control-allow-methods"]
        allowed_headers = preflight.headers["access-control-allow-headers"].lower()
        assert "x-client-id" in allowed_headers
        assert "content-type" in allowed_headers
        assert "access-control-allow-credentials" not in preflight.headers

        simple = client.post("/api/grid", json=grid_request(), headers={"Origin": OTHER_SITE})
        assert simple.status_code == 200
        assert simple.headers["access-control-allow-origin"] == OTHER_SITE
        exposed = simple.headers["access-control-expose-headers"].lower()
        assert "retry-after" in exposed
        assert "x-cache" in exposed

        stranger = "https://elsewhere.example.com"
        refused = client.options(
            "/api/grid", headers={"Origin": stranger, "Access-Control-Request-Method": "POST"}
        )
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        other = client.get("/api/surfaces", headers={"Origin": stranger})
        assert "access-control-allow-origin" not in other.headers


def test_cors_for_any_origin_never_allows_credentials(client_with: ClientWith) -> None:
    with client_with(cors_origins=("*",)) as client:
        plain = client.get("/api/surfaces", headers={"Origin": OTHER_SITE})
        assert plain.headers["access-control-allow-origin"] == "*"
        with_cookie = client.get(
            "/api/surfaces", headers={"Origin": OTHER_SITE, "Cookie": "session=1"}
        )
        preflight = client.options(
            "/api/grid", headers={"Origin": OTHER_SITE, "Access-Control-Request-Method": "POST"}
        )
        for response in (plain, with_cookie, preflight):
            assert "access-control-allow-credentials" not in response.headers


def test_cors_origins_are_read_from_a_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESCENTLAB_CORS_ORIGINS", "https://a.edu, https://b.edu:8443/")
    assert Settings().cors_origins == ("https://a.edu", "https://b.edu:8443")
    monkeypatch.setenv("DESCENTLAB_CORS_ORIGINS", "*")
    assert Settings().cors_origins == ("*",)
    monkeypatch.setenv("DESCENTLAB_CORS_ORIGINS", "")
    assert Settings().cors_origins == ()


@pytest.mark.parametrize("origins", ["*, https://a.edu", "a.edu", "https://a.edu/lab"])
def test_cors_origins_that_cannot_match_a_browser_origin_are_refused(
    monkeypatch: pytest.MonkeyPatch, origins: str
) -> None:
    monkeypatch.setenv("DESCENTLAB_CORS_ORIGINS", origins)
    with pytest.raises(ValidationError, match="cors_origins"):
        Settings()


LIMIT = 2048


def padded(size: int) -> bytes:
    """A valid grid request, padded with JSON whitespace to exactly ``size`` bytes."""
    body = json.dumps(grid_request()).encode()
    return body + b" " * (size - len(body))


def assert_too_large(response: Any) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = strict_json(response.text)
    assert problem["status"] == 413
    assert f"{LIMIT} bytes" in problem["detail"]
    assert "frame-ancestors" in response.headers["content-security-policy"]


@pytest.fixture
def small_limit(client_with: ClientWith) -> Iterator[TestClient]:
    with client_with(max_body_bytes=LIMIT) as client:
        yield client


def test_a_body_at_the_limit_is_served(small_limit: TestClient) -> None:
    response = small_limit.post(
        "/api/grid", content=padded(LIMIT), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200


def test_a_larger_body_is_refused_with_413(small_limit: TestClient) -> None:
    response = small_limit.post(
        "/api/grid", content=padded(LIMIT + 1), headers={"content-type": "application/json"}
    )
    assert_too_large(response)


def test_a_larger_chunked_body_is_refused_with_413(small_limit: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        body = padded(3 * LIMIT)
        for start in range(0, len(body), 512):
            yield body[start : start + 512]

    response = small_limit.post(
        "/api/trajectories", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.request.headers
    assert_too_large(response)


def test_the_default_limit_is_far_above_any_valid_request(client: TestClient) -> None:
    assert Settings().max_body_bytes == 256 * 1024
    response = client.post(
        "/api/grid", content=b"[" * 300_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_an_unexpected_failure_is_a_problem_that_reveals_nothing(tmp_path: Path) -> None:
    settings = Settings(warmup=False, compilation_cache_dir="")
    app: FastAPI = create_app(settings)

    @app.get("/api/broken")
    def broken() -> None:
        raise RuntimeError("secret internals")

    app.router.routes.insert(0, app.router.routes.pop())  # before the front end's mount at "/"

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/broken")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "secret" not in response.text
    assert strict_json(response.text)["status"] == 500
