"""Bounded cost under load: the compute limiter (503), the response cache, the rate limit (429).

A request is held inside its handler by a patched core function that waits on an event,
so "every slot is busy" is a fact the test arranges, never a matter of timing.
"""

import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from descentlab.api import public as analyze
from descentlab.api.app import create_app
from descentlab.api.middleware import rate_limit
from descentlab.api.settings import Settings
from tests.api.conftest import (
    PROBLEM_JSON,
    analyze_request,
    grid_request,
    strict_json,
    trajectory_request,
)

WAIT_S = 60  # upper bound on waiting for the held request to arrive; never reached


@contextmanager
def client_with(**settings: Any) -> Iterator[TestClient]:
    app = create_app(Settings(warmup=False, compilation_cache_dir="", **settings))
    with TestClient(app) as client:
        yield client


class Hold:
    """Makes /api/analyze wait inside its handler (holding its compute slot) until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        real = analyze.analyze_point

        def held(*args: Any) -> Any:
            self.entered.set()
            assert self.release.wait(WAIT_S)
            return real(*args)

        monkeypatch.setattr(analyze, "analyze_point", held)

    @contextmanager
    def holding(self, client: TestClient) -> Iterator[Future[Any]]:
        """Send an analyze request and return once it holds its slot; release on exit."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            held = pool.submit(client.post, "/api/analyze", json=analyze_request())
            try:
                assert self.entered.wait(WAIT_S), "the held request never reached its handler"
                yield held
            finally:
                self.release.set()


@pytest.fixture
def hold(monkeypatch: pytest.MonkeyPatch) -> Hold:
    return Hold(monkeypatch)


def assert_busy(response: Any, mention: str) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["retry-after"] == "1"
    problem = strict_json(response.text)
    assert problem["status"] == 503
    assert mention in problem["detail"]


def test_a_full_server_answers_503_with_retry_after_at_once(hold: Hold) -> None:
    with client_with(compute_slots=1, compute_queue=0, response_cache_entries=0) as client:
        with hold.holding(client) as held:
            for path, body in [("/api/grid", grid_request()), ("/api/analyze", analyze_request())]:
                assert_busy(client.post(path, json=body), "try again")
            # Cheap reads and health are never queued behind compute.
            assert client.get("/api/health").status_code == 200
            assert client.get("/api/surfaces").status_code == 200
        assert held.result().status_code == 200
        assert client.post("/api/grid", json=grid_request()).status_code == 200  # slot is free


def test_a_request_that_waits_too_long_for_a_slot_gets_503(hold: Hold) -> None:
    settings = {"compute_slots": 1, "compute_queue": 1, "compute_wait_s": 0.05}
    with client_with(response_cache_entries=0, **settings) as client:
        with hold.holding(client) as held:
            # The slot stays taken until this request has given up.
            assert_busy(client.post("/api/grid", json=grid_request()), "waited 0.05 s")
        assert held.result().status_code == 200


def test_the_queue_defaults_to_128_per_slot_and_the_slots_to_the_cpus() -> None:
    settings = Settings(compute_slots=3)
    assert settings.compute_queue_size() == 384
    assert Settings(compute_slots=3, compute_queue=5).compute_queue_size() == 5
    assert Settings().compute_slots == len(os.sched_getaffinity(0))


def test_identical_requests_are_answered_from_the_cache(client: TestClient) -> None:
    body = trajectory_request(steps=37)
    first = client.post("/api/trajectories", json=body)
    again = client.post("/api/trajectories", json=dict(reversed(body.items())))
    other = client.post("/api/trajectories", json=trajectory_request(steps=38))
    assert first.status_code == again.status_code == other.status_code == 200
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert other.headers["x-cache"] == "miss"
    assert strict_json(other.content)["steps"] == 38
    assert "frame-ancestors" in again.headers["content-security-policy"]


def test_errors_are_not_cached(client: TestClient) -> None:
    invalid = grid_request(resolution=1)
    for _ in range(2):
        response = client.post("/api/grid", json=invalid)
        assert response.status_code == 422
        assert response.headers["x-cache"] == "miss"


def test_a_busy_answer_is_not_cached_and_a_hit_needs_no_slot(hold: Hold) -> None:
    with client_with(compute_slots=1, compute_queue=0) as client:
        cached = grid_request(resolution=9)
        assert client.post("/api/grid", json=cached).headers["x-cache"] == "miss"
        with hold.holding(client):
            hit = client.post("/api/grid", json=cached)
            assert (hit.status_code, hit.headers["x-cache"]) == (200, "hit")
            assert_busy(client.post("/api/grid", json=grid_request(resolution=10)), "busy")
        after = client.post("/api/grid", json=grid_request(resolution=10))
        assert (after.status_code, after.headers["x-cache"]) == (200, "miss")


def test_the_cache_can_be_turned_off() -> None:
    with client_with(response_cache_entries=0) as client:
        for _ in range(2):
            response = client.post("/api/grid", json=grid_request())
            assert response.status_code == 200
            assert "x-cache" not in response.headers


class FrozenClock:
    seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock()
    monkeypatch.setattr(rate_limit, "now", frozen)
    return frozen


def as_client(client_id: str) -> dict[str, str]:
    return {"X-Client-Id": client_id}


def test_the_rate_limit_is_per_client_even_behind_one_ip(clock: FrozenClock) -> None:
    with client_with(rate_limit_per_minute=3) as client:
        get = client.get
        alice, bob = as_client("alice-tab-1"), as_client("bob-tab-1")
        assert [get("/api/surfaces", headers=alice).status_code for _ in range(3)] == [200] * 3
        limited = get("/api/surfaces", headers=alice)
        assert limited.status_code == 429
        assert limited.headers["content-type"] == PROBLEM_JSON
        assert limited.headers["retry-after"] == "20"  # a token every 20 s
        assert "3 requests a minute" in strict_json(limited.text)["detail"]
        assert client.post("/api/grid", json=grid_request(), headers=alice).status_code == 429

        # Bob shares Alice's IP (a school NAT) and is still served; so is a client without
        # an id, which is keyed by the IP alone.
        assert get("/api/surfaces", headers=bob).status_code == 200
        assert get("/api/surfaces").status_code == 200
        # Health, pages and files are never limited.
        for path in ("/api/health", "/", "/js/main.js", "/vendor/plotly.min.js"):
            assert get(path, headers=alice).status_code == 200

        clock.seconds += 20
        assert get("/api/surfaces", headers=alice).status_code == 200
        assert get("/api/surfaces", headers=alice).status_code == 429


def test_there_is_no_rate_limit_by_default(client: TestClient) -> None:
    assert Settings().rate_limit_per_minute == 0
    same_client = as_client("one-client")
    statuses = {client.get("/api/schedules", headers=same_client).status_code for _ in range(50)}
    assert statuses == {200}
