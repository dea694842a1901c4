"""Gzip when the lab faces its clients directly: JSON, pages and plotly.js compressed for
clients that accept it, never an event stream, never for a client that refuses it."""

import gzip
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from descentlab.api.app import create_app
from descentlab.api.routes.vendor import accepts_gzip
from descentlab.api.settings import Settings
from descentlab.assets import PLOTLY_JS
from descentlab.core.experiments.registry import EXPERIMENTS

GZIP = {"accept-encoding": "gzip"}
IDENTITY = {"accept-encoding": "identity"}


def _raw(client: TestClient, method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
    """The response with its body as sent (not decoded by httpx)."""
    with client.stream(method, path, headers=headers, **kw) as response:
        body = b"".join(response.iter_raw())
    return response, body


def test_plotly_js_goes_compressed_once_and_exact(client: TestClient) -> None:
    original = PLOTLY_JS.read_bytes()
    response, body = _raw(client, "GET", "/vendor/plotly.min.js", GZIP)
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert len(body) < 0.4 * len(original)  # 4.8 MB → about 1.5 MB
    assert gzip.decompress(body) == original
    plain, body = _raw(client, "GET", "/vendor/plotly.min.js", IDENTITY)
    assert "content-encoding" not in plain.headers and body == original


def test_json_and_pages_are_compressed_for_clients_that_accept_gzip(client: TestClient) -> None:
    grid = {"surface": "rosenbrock", "resolution": 121}
    compressed, body = _raw(client, "POST", "/api/grid", GZIP, json=grid)
    plain, plain_body = _raw(client, "POST", "/api/grid", IDENTITY, json=grid)
    assert compressed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(body) == plain_body and len(body) < len(plain_body) / 2
    for page in ("/", "/networks.html", "/js/main.js", "/css/lab.css"):
        response, _ = _raw(client, "GET", page, GZIP)
        assert response.headers.get("content-encoding") == "gzip", page


def test_small_answers_are_sent_as_they_are(client: TestClient) -> None:
    response, body = _raw(client, "GET", "/api/health", GZIP)
    assert len(body) < 1024 and "content-encoding" not in response.headers


@pytest.fixture
def quiet_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    release = threading.Event()

    def wait(params: Any, progress: Any) -> dict[str, str]:
        progress(0.5, {"note": "x" * 4000})  # an event larger than the gzip threshold
        release.wait(30)
        return {"padding": "y" * 4000}

    monkeypatch.setitem(
        EXPERIMENTS, "loss_comparison", replace(EXPERIMENTS["loss_comparison"], run=wait)
    )
    yield release
    release.set()


def test_an_event_stream_is_never_compressed(quiet_kind: threading.Event) -> None:
    # An app of its own: no earlier test's job holds its one worker.
    with TestClient(create_app(Settings(warmup=False, compilation_cache_dir=""))) as client:
        job_id = client.post("/api/experiments", json={"kind": "loss_comparison"}).json()["id"]
        deadline = time.monotonic() + 30
        while client.get(f"/api/experiments/{job_id}").json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        quiet_kind.set()
        response, body = _raw(client, "GET", f"/api/experiments/{job_id}/events", GZIP)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in response.headers
    assert b"event: done" in body and len(body) > 4000


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("GZIP", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("", False),
        ("*;q=0, br", False),
        ("br, *;q=0.1", True),
        ("gzip;q=0, *", False),  # gzip itself refused: the wildcard does not bring it back
    ],
)
def test_accept_encoding_is_read_with_its_weights(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


def test_a_real_client_reads_the_compressed_answers(client: TestClient) -> None:
    """httpx decodes gzip as a browser does: the same JSON either way."""
    grid = {"surface": "himmelblau", "resolution": 61}
    assert (
        client.post("/api/grid", json=grid, headers=GZIP).json()
        == httpx.Response(
            200, content=_raw(client, "POST", "/api/grid", IDENTITY, json=grid)[1]
        ).json()
    )
