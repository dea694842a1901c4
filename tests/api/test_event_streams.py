"""Open event streams must not hold the server's worker threads (a class following its
training runs would otherwise starve every other request)."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import anyio.to_thread
import httpx
import jsonpatch
import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from descentlab.api.app import create_app
from descentlab.api.routes import experiments as experiments_route
from descentlab.api.settings import Settings
from descentlab.core.experiments.registry import EXPERIMENTS

WORKER_THREADS = 2  # far fewer than the streams opened below


@pytest.fixture
def blocked_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The loss_comparison kind, made to wait until the test releases it."""
    release = threading.Event()

    def wait(params: Any, progress: Any) -> dict[str, bool]:
        release.wait(30)
        progress(1.0)
        return {"released": True}

    entry = replace(EXPERIMENTS["loss_comparison"], run=wait)
    monkeypatch.setitem(EXPERIMENTS, "loss_comparison", entry)
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


STREAMS = 100
STEPS = 200


@dataclass
class Followed:
    received: int  # bytes this stream read
    as_snapshots: int  # bytes it would have read had every event been the whole job
    largest_patch: int
    job: Any  # the job rebuilt from the events


@pytest.fixture
def growing_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The loss_comparison kind, made to report a training-like partial result that grows
    by one point per curve at each of ``STEPS`` reports, once the test says go."""
    go = threading.Event()

    def grow(params: Any, progress: Any) -> dict[str, Any]:
        go.wait(30)
        history: dict[str, list[float]] = {"epoch": [], "train_loss": [], "test_loss": []}
        for step in range(STEPS):
            history = {name: [*values, step + 0.123456789] for name, values in history.items()}
            progress(step / STEPS, {"history": history, "boundary": {"epoch": step}})
            time.sleep(0.005)
        return {"history": history}

    entry = replace(EXPERIMENTS["loss_comparison"], run=grow)
    monkeypatch.setitem(EXPERIMENTS, "loss_comparison", entry)
    yield go
    go.set()


def test_a_hundred_streams_on_one_job_each_get_the_new_points_not_the_history(
    server_url: str, growing_kind: threading.Event
) -> None:
    import asyncio

    import jsonpatch
    import orjson

    async def follow(client: httpx.AsyncClient, job_id: str, ready: list[int]) -> Followed:
        received, as_snapshots, largest_patch, name, job = 0, 0, 0, "", None
        async with client.stream("GET", f"/api/experiments/{job_id}/events") as stream:
            ready.append(1)
            async for line in stream.aiter_lines():
                received += len(line) + 1
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data = orjson.loads(line[6:])
                    if name == "patch":
                        job = jsonpatch.apply_patch(job, data)
                        largest_patch = max(largest_patch, len(line))
                    else:
                        job = data
                    as_snapshots += len(orjson.dumps(job))  # the old stream: the whole job
        return Followed(received, as_snapshots, largest_patch, job)

    async def main() -> tuple[list[Followed], list[int]]:
        limits = httpx.Limits(max_connections=STREAMS + 10)
        async with httpx.AsyncClient(base_url=server_url, timeout=60, limits=limits) as client:
            job_id = (
                await client.post("/api/experiments", json={"kind": "loss_comparison"})
            ).json()["id"]
            ready: list[int] = []
            followers = [asyncio.create_task(follow(client, job_id, ready)) for _ in range(STREAMS)]
            while len(ready) < STREAMS:
                await asyncio.sleep(0.01)
            growing_kind.set()
            health = []
            while not all(task.done() for task in followers):  # the server answers meanwhile
                health.append((await client.get("/api/health", timeout=5)).status_code)
                await asyncio.sleep(0.05)
            return [task.result() for task in followers], health

    results, health = asyncio.run(main())
    assert health and set(health) == {200}
    final_history = {
        name: [step + 0.123456789 for step in range(STEPS)]
        for name in ("epoch", "train_loss", "test_loss")
    }
    for followed in results:
        job = followed.job
        assert job["status"] == "done" and job["result"] == {"history": final_history}
        # Each change costs its new points (a few hundred bytes however long the history);
        # the whole job at every change would cost ~STEPS / 2 times the final job.
        assert 0 < followed.largest_patch < 1000
        assert followed.received < followed.as_snapshots / 5, followed


@pytest.fixture
def stepping_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[threading.Event]]:
    """The loss_comparison kind, made to report one partial point when the test releases
    the first event and to finish when it releases the second."""
    gates = [threading.Event(), threading.Event()]

    def step(params: Any, progress: Any) -> dict[str, Any]:
        gates[0].wait(30)
        progress(0.5, {"history": {"loss": [0.5]}})
        gates[1].wait(30)
        return {"history": {"loss": [0.5, 0.25]}}

    entry = replace(EXPERIMENTS["loss_comparison"], run=step)
    monkeypatch.setitem(EXPERIMENTS, "loss_comparison", entry)
    yield gates
    for gate in gates:
        gate.set()


def _first_event(response: httpx.Response) -> dict[str, str]:
    event: dict[str, str] = {}
    for line in response.iter_lines():
        if not line and event:
            return event
        if line and not line.startswith(":"):
            field, _, value = line.partition(": ")
            event[field] = value
    raise AssertionError("the stream ended before an event")


def _running(client: httpx.Client, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while (job := client.get(f"/api/experiments/{job_id}").json())["status"] != "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.02)
    return job


def test_a_stream_resumed_with_last_event_id_gets_the_changes_since_not_the_job(
    server_url: str, stepping_kind: list[threading.Event]
) -> None:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        job_id = client.post("/api/experiments", json={"kind": "loss_comparison"}).json()["id"]
        _running(client, job_id)
        path = f"/api/experiments/{job_id}/events"
        with client.stream("GET", path) as fresh:
            assert fresh.headers["content-type"].startswith("text/event-stream")
            assert fresh.headers["cache-control"] == "no-cache"
            assert fresh.headers["x-accel-buffering"] == "no"
            first = _first_event(fresh)
        assert first["event"] == "progress" and int(first["retry"]) > 0
        assert json.loads(first["data"])["status"] == "running"
        # A browser reconnecting says what it last had: it gets only what changed since.
        with client.stream("GET", path, headers={"Last-Event-ID": first["id"]}) as resumed:
            stepping_kind[0].set()
            change = _first_event(resumed)
        assert change["event"] == "patch" and int(change["id"]) > int(first["id"])
        rebuilt = jsonpatch.apply_patch(json.loads(first["data"]), json.loads(change["data"]))
        assert rebuilt["partial"] == {"history": {"loss": [0.5]}}
        # An id this job never had (or garbage) starts over with the whole job.
        for unknown in ("999999", "not-a-revision"):
            with client.stream("GET", path, headers={"Last-Event-ID": unknown}) as restarted:
                assert _first_event(restarted)["event"] == "progress"
        stepping_kind[1].set()


def test_a_quiet_stream_is_kept_open_with_comments(
    server_url: str, blocked_kind: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(experiments_route, "KEEP_ALIVE_S", 0.1)
    with httpx.Client(base_url=server_url, timeout=30) as client:
        job_id = client.post("/api/experiments", json={"kind": "loss_comparison"}).json()["id"]
        _running(client, job_id)
        comments = 0
        with client.stream("GET", f"/api/experiments/{job_id}/events") as stream:
            for line in stream.iter_lines():
                comments += line.startswith(":")
                if comments == 3:
                    break
        blocked_kind.set()
    assert comments == 3
