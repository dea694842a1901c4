"""Does ``--workers N`` slow keep-alive requests down (uvicorn issue 3149)?

uvicorn's multi-worker supervisor binds the listening socket with ``proto`` 0; asyncio's
loop then never sets ``TCP_NODELAY`` on accepted connections, and a response written in
two pieces (headers, then body) can wait for the client's delayed ACK (~40 ms on Linux).
uvloop sets ``TCP_NODELAY`` on every TCP connection itself. So each server setup is run
under both loops: one worker, two workers on uvicorn's own socket, and two workers on
``descentlab serve``'s socket (``TCP_NODELAY`` and ``IPPROTO_TCP`` set on the listener).

Measured with sequential keep-alive requests from one connection (httpx, which writes a
POST's headers and body separately, and the standard library's ``http.client``), p50 and
p95 over ``REQUESTS`` requests after a few warm-up requests, small and large responses.
"""

import http.client
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.load_server import PYTHON, descentlab_command, running
from bench.load_workloads import default_race

REQUESTS = 200
WARM = 5

_ASYNCIO_WORKERS = (
    "import sys, uvicorn; from uvicorn.supervisors import Multiprocess;"
    "from descentlab.cli import APP_FACTORY, listening_socket;"
    "port = int(sys.argv[1]);"
    "config = uvicorn.Config(APP_FACTORY, factory=True, port=port, workers=2,"
    " loop='asyncio', log_level='warning');"
    "Multiprocess(config, sockets=[listening_socket('127.0.0.1', port)]).run()"
)


def _uvicorn(loop: str, workers: int) -> list[str]:
    command = [PYTHON, "-m", "uvicorn", "descentlab.api.app:create_app", "--factory"]
    command += ["--port", "{port}", "--loop", loop, "--log-level", "warning"]
    return command + (["--workers", str(workers)] if workers > 1 else [])


# (label, event loop, command line with {port})
SETUPS: list[tuple[str, str, list[str]]] = [
    ("1 worker", "uvloop", descentlab_command("{port}")),
    ("2 workers, uvicorn's socket", "uvloop", _uvicorn("uvloop", 2)),
    ("2 workers, `descentlab serve` (TCP_NODELAY)", "uvloop", descentlab_command("{port}", 2)),
    ("1 worker", "asyncio", _uvicorn("asyncio", 1)),
    ("2 workers, uvicorn's socket", "asyncio", _uvicorn("asyncio", 2)),
    (
        "2 workers, `descentlab serve` (TCP_NODELAY)",
        "asyncio",
        [PYTHON, "-c", _ASYNCIO_WORKERS, "{port}"],
    ),
]
PAYLOADS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    # GET: a ~100-byte answer; POST: the lab's default race, a ~350 kB answer
    # (a response-cache hit after the first: the transfer, not the engine, is measured).
    "small": ("GET", "/api/health", None),
    "large": ("POST", "/api/trajectories", default_race()),
}


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"p50_ms": statistics.median(ms), "p95_ms": ms[int(0.95 * (len(ms) - 1))]}


def _timed(call: Callable[[], None]) -> dict[str, float]:
    for _ in range(WARM):
        call()
    seconds = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return _percentiles(seconds)


def _httpx_call(client: httpx.Client, method: str, path: str, body: Any) -> Callable[[], None]:
    content = None if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json"} if body is not None else {}

    def call() -> None:
        response = client.request(method, path, content=content, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")

    return call


def _stdlib_call(
    connection: http.client.HTTPConnection, method: str, path: str, body: Any
) -> Callable[[], None]:
    content = None if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json"} if body is not None else {}

    def call() -> None:
        connection.request(method, path, content, headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")

    return call


def measure(url: str) -> dict[str, dict[str, dict[str, float]]]:
    """{client: {payload: {p50_ms, p95_ms}}} for one running server."""
    figures: dict[str, dict[str, dict[str, float]]] = {"httpx": {}, "http.client": {}}
    with httpx.Client(base_url=url, timeout=60) as client:
        for name, (method, path, body) in PAYLOADS.items():
            figures["httpx"][name] = _timed(_httpx_call(client, method, path, body))
    connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=60)
    try:
        for name, (method, path, body) in PAYLOADS.items():
            figures["http.client"][name] = _timed(_stdlib_call(connection, method, path, body))
    finally:
        connection.close()
    return figures


def run() -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        for label, loop, command in SETUPS:
            print(f"  keep-alive latency: {label}, {loop}…", flush=True)
            workers = 2 if "2 workers" in label else 1
            with running(command, cache_dir=Path(cache), warmup=False, workers=workers) as server:
                rows.append({"setup": label, "loop": loop, "figures": measure(server.url)})
    return rows


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
