"""Shared fixtures for the API tests: one app per session, and small request factories."""

import json
import math
import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bench.redis_server import redis_available, redis_server
from descentlab.api.app import create_app
from descentlab.api.settings import Settings

PROBLEM_JSON = "application/problem+json"
REQUIRE_REDIS = "DESCENTLAB_REQUIRE_REDIS"


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    app = create_app(Settings(warmup=False, compilation_cache_dir=""))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis (Debian's redis-server) on a free loopback port for the session. Without
    it the tests that need it are skipped, unless DESCENTLAB_REQUIRE_REDIS=1 (.ci/run
    installs it), where they fail. Each test keeps its keys apart with its own prefix."""
    if not redis_available():
        if os.environ.get(REQUIRE_REDIS) == "1":
            pytest.fail(f"redis-server not found and {REQUIRE_REDIS}=1 (.ci/run)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def _reject_constant(token: str) -> Any:
    raise ValueError(f"non-strict JSON token {token!r}")


def strict_json(text: str | bytes) -> Any:
    """Parse ``text`` as strict JSON: the tokens NaN, Infinity and -Infinity raise."""
    return json.loads(text, parse_constant=_reject_constant)


def all_finite(values: Any) -> bool:
    """Whether every number in a nested list is finite (and none is null)."""
    if isinstance(values, list | tuple):
        return all(all_finite(v) for v in values)
    return isinstance(values, int | float) and math.isfinite(values)


def run_request(**overrides: Any) -> dict[str, Any]:
    """One run of a trajectory race: plain SGD from Rosenbrock's default start."""
    run: dict[str, Any] = {
        "optimizer": {"name": "sgd", "learning_rate": 1e-3},
        "start": [-1.2, 1.0],
    }
    run.update(overrides)
    return run


def trajectory_request(**overrides: Any) -> dict[str, Any]:
    """A small, valid POST /api/trajectories body; keyword arguments replace fields."""
    body: dict[str, Any] = {"surface": "rosenbrock", "steps": 50, "runs": [run_request()]}
    body.update(overrides)
    return body


def grid_request(**overrides: Any) -> dict[str, Any]:
    """A small, valid POST /api/grid body."""
    body: dict[str, Any] = {"surface": "rosenbrock", "resolution": 8}
    body.update(overrides)
    return body


def analyze_request(**overrides: Any) -> dict[str, Any]:
    """A valid POST /api/analyze body: the lecture saddle at its origin."""
    body: dict[str, Any] = {"surface": "w1w2_saddle", "point": [0.0, 0.0]}
    body.update(overrides)
    return body


def sweep_request(**overrides: Any) -> dict[str, Any]:
    """A small, valid POST /api/sweeps body."""
    body: dict[str, Any] = {
        "surface": "rosenbrock",
        "start": [-1.2, 1.0],
        "steps": 50,
        "optimizers": [{"optimizer": {"name": "sgd"}}],
        "learning_rates": {"min": 1e-4, "max": 1e-2, "count": 4},
    }
    body.update(overrides)
    return body


def map_request(**overrides: Any) -> dict[str, Any]:
    """A small, valid POST /api/maps body: heavy ball on the valley over (η, μ)."""
    body: dict[str, Any] = {
        "surface": {"id": "elongated_quadratic", "params": {"condition": 10.0}},
        "start": [-9.0, 1.5],
        "steps": 100,
        "optimizer": {"name": "momentum"},
        "x": {"param": "learning_rate", "min": 1e-3, "max": 0.3, "count": 6, "scale": "log"},
        "y": {"param": "momentum", "min": 0.0, "max": 0.9, "count": 4},
    }
    body.update(overrides)
    return body
