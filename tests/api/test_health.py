"""GET /api/health: liveness, version and the devices JAX sees."""

import jax
import numpy as np
import pytest
from fastapi.testclient import TestClient

import descentlab
from descentlab.core import warmup
from descentlab.core.programs import Kernel
from descentlab.core.warmup import every_program
from tests.api.conftest import strict_json


def test_health_reports_ok_version_and_devices(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = strict_json(response.text)
    assert body["status"] == "ok"
    assert body["version"] == descentlab.__version__
    assert isinstance(body["devices"], list)
    assert body["devices"]
    assert all(isinstance(device, str) and device for device in body["devices"])


def test_health_lists_a_cpu_device(client: TestClient) -> None:
    # 2-D work always runs on the CPU, so the CPU must be among the devices.
    devices = client.get("/api/health").json()["devices"]
    assert any(device.startswith("cpu:") for device in devices)


def test_health_says_the_warm_up_is_off_when_disabled(client: TestClient) -> None:
    # The shared client is built with Settings(warmup=False).
    assert client.get("/api/health").json()["warmup"] == "off"


def _negate(x: jax.Array) -> jax.Array:
    return -x


def test_health_counts_the_compiled_programs(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = client.get("/api/health").json()["programs"]
    assert before["total"] == len(every_program())
    assert 0 <= before["compiled"] <= before["total"]
    # One more kernel in the table, not compiled yet: the count follows it.
    extra = Kernel("negate", _negate, lambda shape: (np.zeros(shape),), [(3,)])
    monkeypatch.setattr(warmup, "KERNELS", (*warmup.KERNELS, extra))
    added = client.get("/api/health").json()["programs"]
    assert added == {"compiled": before["compiled"], "total": before["total"] + 1}
    extra.executable((3,))
    after = client.get("/api/health").json()["programs"]
    assert after == {"compiled": before["compiled"] + 1, "total": before["total"] + 1}
