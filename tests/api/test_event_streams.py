"""Open event streams must not hold the server's worker threads (a class following its
training runs would otherwise starve every other request)."""

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import httpx
import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from descentlab.api.app import create_app
from descentlab.api.routes import experiments
from descentlab.api.settings import Settings

WORKER_THREADS = 2  # far fewer than the streams opened below


@pytest.fixture
def blocked_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The loss_comparison kind, made to wait until the test releases it."""
    release = threading.Event()

    def wait(params: Any, progress: Any) -> dict[str, bool]:
        release.wait(30)
        progress(1.0)
        return {"released": True}

    to_core, _ = experiments.EXPERIMENTS["loss_comparison"]
    monkeypatch.setitem(experiments.EXPERIMENTS, "loss_comparison", (to_core, wait))
    yield release
    release.set()


@pytest.fixture
def server_url() -> Iterator[str]:
    app = create_app(Settings(warmup=False, compilation_cache_dir=""))

    async def few_threads(scope: Scope, receive: Receive, send: Send) -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        await app(scope, receive, send)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(few_threads, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_many_open_streams_leave_the_worker_threads_free(
    server_url: str, blocked_kind: threading.Event
) -> None:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        job = client.post("/api/experiments", json={"kind": "loss_comparison"}).json()
        finals: list[str] = []

        def follow() -> None:
            with httpx.stream("GET", f"{server_url}/api/experiments/{job['id']}/events") as s:
                finals.extend(line for line in s.iter_lines() if line.startswith("event: "))

        streams = [threading.Thread(target=follow) for _ in range(3 * WORKER_THREADS)]
        for stream in streams:
            stream.start()
        # Every stream is open and waiting; plain `def` handlers (thread pool) still answer
        # at once, well before a stream's 10 s heartbeat would have freed a thread.
        for _ in range(2 * WORKER_THREADS):
            assert client.get("/api/surfaces", timeout=5).status_code == 200
        blocked_kind.set()
        for stream in streams:
            stream.join(timeout=30)
    assert finals.count("event: done") == len(streams)
