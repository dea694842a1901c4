"""The deployment files say what the README promises: parsed here, so the checks run
without Docker (``make test`` also runs ``docker compose config -q`` where it can).

docker-compose.yml: Redis (persistent, evicting only what expires), web replicas and
workers on it; the app's healthcheck hits /api/health, the JAX cache is a named volume of
the services that compile, no app port is published, the proxy publishes port 80 and waits
for a healthy app, and the GPU profile is a worker of the network queue on an NVIDIA device
with JAX's preallocation off. deploy/nginx.conf: upstream app:8000 by least connections (no
affinity: any replica answers any job), event streams unbuffered with a long read timeout,
X-Forwarded-For, gzip for JSON, the body limit equal to the app's. Dockerfile: non-root,
port 8000, the cache volume, a healthcheck.
"""

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from descentlab.cli import KEEP_ALIVE_S

ROOT = Path(__file__).resolve().parents[2]
WORKERS = ("worker", "worker-gpu")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


@pytest.fixture(scope="module")
def nginx() -> str:
    # Comments out, so that a commented-out directive never passes a check.
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def nginx_block(text: str, opening: str) -> str:
    """The body of the block that starts with ``opening`` (up to its matching brace)."""
    start = text.index(opening)
    depth, at = 0, text.index("{", start)
    for end in range(at, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return text[at + 1 : end]
    raise AssertionError(f"unbalanced block {opening!r}")


def directives(block: str) -> dict[str, list[str]]:
    """Directive → its arguments, for the block's own statements (nested blocks left out)."""
    flat = re.sub(r"\{[^{}]*\}", ";", block)
    while "{" in flat:
        flat = re.sub(r"\{[^{}]*\}", ";", flat)
    found: dict[str, list[str]] = {}
    for statement in flat.split(";"):
        words = statement.split()
        if words:
            found.setdefault(words[0], []).append(" ".join(words[1:]))
    return found


def test_the_app_is_checked_on_api_health(compose: dict[str, Any]) -> None:
    check = compose["services"]["app"]["healthcheck"]
    assert check["test"][0] == "CMD"
    assert any("http://127.0.0.1:8000/api/health" in part for part in check["test"])
    assert check["start_period"]  # the warm-up compiles before the server listens


def test_replicas_are_configurable_and_publish_no_port(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    assert app["deploy"]["replicas"] == "${APP_REPLICAS:-2}"
    assert app["build"] == "."
    assert "ports" not in app, "the web replicas are reached via the proxy"
    assert app["expose"] == ["8000"]
    worker = compose["services"]["worker"]
    assert worker["deploy"]["replicas"] == "${WORKER_REPLICAS:-1}"
    for name in WORKERS:
        assert (
            "ports" not in compose["services"][name] and "expose" not in compose["services"][name]
        )


def test_web_replicas_and_workers_share_one_persistent_redis(compose: dict[str, Any]) -> None:
    services = compose["services"]
    redis = services["redis"]
    assert re.fullmatch(r"redis:\d+\.\d+-alpine", redis["image"]), "a pinned release"
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command  # jobs and results outlive a Redis restart
    assert "--maxmemory-policy volatile-lru" in command  # never a live job (no TTL)
    assert "redis-cli" in redis["healthcheck"]["test"]
    assert "redis-data:/data" in redis["volumes"]
    assert "ports" not in redis
    for name in ("app", *WORKERS):
        assert services[name]["environment"]["DESCENTLAB_REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["worker"]["command"] == ["descentlab", "worker"]
    assert services["worker"]["image"] == services["app"]["image"]
    for name in WORKERS:  # time to hand the running job back on docker stop
        assert int(services[name]["stop_grace_period"].rstrip("s")) >= 10


def test_the_jax_cache_is_a_named_volume_of_the_services_that_compile(
    compose: dict[str, Any],
) -> None:
    named = set(compose["volumes"])
    mounted: dict[str, set[str]] = {}
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source in named and source.startswith("jax-cache"):
                mounted.setdefault(source, set()).add(name)
                assert target == "/cache/jax"
                assert service["environment"]["DESCENTLAB_COMPILATION_CACHE_DIR"] == target
    assert mounted == {"jax-cache": {"app", "worker"}, "jax-cache-gpu": {"worker-gpu"}}


def test_the_proxy_publishes_port_80_and_waits_for_a_healthy_app(
    compose: dict[str, Any],
) -> None:
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert [port.rsplit(":", 1)[1] for port in proxy["ports"]] == ["80"]
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]


def test_the_gpu_profile_is_a_network_worker_on_an_nvidia_gpu_without_preallocating(
    compose: dict[str, Any],
) -> None:
    gpu = compose["services"]["worker-gpu"]
    assert gpu["profiles"] == ["gpu"]
    assert gpu["command"] == ["descentlab", "worker", "--queue", "networks"]
    assert gpu["build"]["args"]["JAX_EXTRA"] == "cuda12"
    assert gpu["environment"]["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia"
    assert device["capabilities"] == ["gpu"]
    # Everything else a GPU worker is set up with is the CPU app's.
    cpu = compose["services"]["app"]
    assert {
        k: v for k, v in gpu["environment"].items() if k != "XLA_PYTHON_CLIENT_PREALLOCATE"
    } == cpu["environment"]
    assert "profiles" not in cpu and "profiles" not in compose["services"]["proxy"]


def test_settings_reach_the_app_and_the_proxy_trusts_nothing_else(compose: dict[str, Any]) -> None:
    env = compose["services"]["app"]["environment"]
    assert env["DESCENTLAB_FRAME_ANCESTORS"] == "${DESCENTLAB_FRAME_ANCESTORS:-*}"
    assert env["DESCENTLAB_COMPUTE_SLOTS"] == "${DESCENTLAB_COMPUTE_SLOTS:-1}"
    # The replicas trust X-Forwarded-For from the proxy's fixed address, and nothing else.
    proxy_address = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    assert env["FORWARDED_ALLOW_IPS"] == proxy_address
    (subnet,) = compose["networks"]["default"]["ipam"]["config"]
    assert ipaddress.ip_address(proxy_address) in ipaddress.ip_network(subnet["subnet"])


def test_nginx_routes_to_the_app_replicas_by_least_connections(nginx: str) -> None:
    upstream = directives(nginx_block(nginx, "upstream descentlab_app"))
    assert upstream["server"] == ["app:8000 resolve"]
    assert "least_conn" in upstream
    assert "hash" not in upstream and "ip_hash" not in upstream  # no affinity needed
    assert "zone" in upstream  # resolve needs shared memory
    # Idle connections to a replica close on nginx's side first, never under a request.
    assert int(upstream["keepalive_timeout"][0].rstrip("s")) < KEEP_ALIVE_S
    server = directives(nginx_block(nginx, "server {"))
    assert server["proxy_next_upstream"] == ["error non_idempotent"]  # never "timeout"
    assert re.search(r"resolver\s+127\.0\.0\.11\b", nginx)  # Docker's DNS


def test_nginx_streams_job_events_unbuffered(nginx: str) -> None:
    pattern = "location ~ ^/api/experiments/[^/]+/events$"
    events = directives(nginx_block(nginx, pattern))
    assert re.fullmatch(pattern.split(" ", 2)[2], "/api/experiments/3f2a-9c/events")
    assert events["proxy_pass"] == ["http://descentlab_app"]
    assert events["proxy_buffering"] == ["off"]
    assert events["gzip"] == ["off"]
    timeout = events["proxy_read_timeout"][0]
    assert timeout.endswith("h") or int(timeout.rstrip("s")) >= 600


def test_nginx_forwards_the_client_compresses_json_and_limits_bodies_like_the_app(
    nginx: str, compose: dict[str, Any]
) -> None:
    server = directives(nginx_block(nginx, "server {"))
    assert server["listen"] == ["80"]
    headers = dict(h.split(" ", 1) for h in server["proxy_set_header"])
    assert headers["X-Forwarded-For"] == "$remote_addr"  # never what the client wrote
    assert headers["Connection"] == '""'  # keep-alive to the replicas
    assert server["gzip"] == ["on"]
    assert "application/json" in server["gzip_types"][0].split()
    size = server["client_max_body_size"][0]
    assert size.endswith("k")
    limit = compose["services"]["app"]["environment"]["DESCENTLAB_MAX_BODY_BYTES"]
    assert int(size[:-1]) * 1024 == int(limit)
    default = directives(nginx_block(nginx, "location / {"))
    assert default["proxy_pass"] == ["http://descentlab_app"]


def test_the_image_runs_the_lab_as_a_user_on_port_8000(dockerfile: list[str]) -> None:
    instructions = [(line.split(" ", 1)[0], line.split(" ", 1)[1]) for line in dockerfile]
    first = dict(instructions)  # (the last of each)
    base = instructions[0]
    assert base[0] == "FROM" and re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base[1])  # pinned
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert first["EXPOSE"] == "8000"
    assert first["VOLUME"] == "/cache/jax"
    env = " ".join(arg for op, arg in instructions if op == "ENV").split()
    assert "DESCENTLAB_COMPILATION_CACHE_DIR=/cache/jax" in env
    assert not any(setting.startswith("DESCENTLAB_FRONTEND_DIR") for setting in env)  # packaged
    assert "/api/health" in first["HEALTHCHECK"]
    assert first["CMD"] == '["descentlab", "serve", "--host", "0.0.0.0", "--port", "8000"]'
    install = " ".join(arg for op, arg in instructions if op == "RUN")
    assert "pip install --no-deps ." in install
    assert "[test" not in install and "torch" not in install  # no test extras in the image


def test_make_serve_installs_the_runtime_only_and_make_test_the_extras() -> None:
    """Serving a page needs no torch, playwright or mypy (issue 14): the dry run of every
    step `make serve` would take installs the package without extras."""
    import shutil
    import subprocess
    import tomllib

    if shutil.which("make") is None:  # the README's commands need make: CI has it
        pytest.fail("make is not installed")

    def installs(target: str) -> list[str]:
        dry = subprocess.run(
            ["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return [line for line in dry.stdout.splitlines() if "pip install" in line and "-e" in line]

    assert installs("serve") and all("[" not in line for line in installs("serve"))
    assert any('".[test,bench]"' in line for line in installs("test"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert all((ROOT / name).is_file() for name in project["license-files"])
