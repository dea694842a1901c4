"""GET /api/health: liveness, version and the devices JAX sees."""

from fastapi.testclient import TestClient

import descentlab
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
