"""Jobs on Redis: web processes and ``descentlab worker`` processes sharing one real Redis.

Every process here is a real one (``descentlab serve``, ``descentlab worker``,
``redis-server``: the ``redis_url`` fixture) on loopback, killed the way a crash or a
deploy kills it.
"""

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jsonpatch
import pytest

from bench.redis_server import start_worker, stop
from bench.server import serve

FINISHED = ("done", "failed", "cancelled")
LOST_AFTER_S = 3  # a killed worker's job is queued again this soon (the setting's minimum: 2)


def training(seed: int, widths: tuple[int, ...] = (128, 128, 128)) -> dict[str, Any]:
    """A training job of about ten seconds here with the default widths (one example per
    step, 500 epochs), several times that with wider layers; seeds keep jobs apart."""
    params = {"n_samples": 400, "batch_size": 1, "epochs": 500, "widths": list(widths)}
    return {"kind": "train", "params": {**params, "seed": seed}}


LONG = (256, 256, 256)  # minutes: cancelled or killed long before it ends


@dataclass
class Lab:
    """Web processes and workers sharing one Redis under one key prefix."""

    environment: dict[str, str]
    cache: Path
    stack: ExitStack = field(default_factory=ExitStack)
    workers: list["subprocess.Popen[bytes]"] = field(default_factory=list)

    def web(self) -> str:
        """A new web process (``descentlab serve``): its URL."""
        server = self.stack.enter_context(
            serve(self.cache, warmup=False, environment=self.environment)
        )
        return server.url

    @contextmanager
    def web_process(self) -> Iterator[tuple[str, int]]:
        """A web process this test kills itself: its URL and pid."""
        with serve(self.cache, warmup=False, environment=self.environment) as server:
            yield server.url, server.pid

    def worker(self, **settings: str) -> "subprocess.Popen[bytes]":
        environment = {**self.environment, **_environment(settings)}
        process = start_worker(environment, log=self.cache.parent / "workers.log")
        self.workers.append(process)
        return process

    def close(self) -> None:
        for process in self.workers:
            stop(process, hard=True)
        self.stack.close()


def _environment(settings: dict[str, str]) -> dict[str, str]:
    return {f"DESCENTLAB_{name.upper()}": value for name, value in settings.items()}


@contextmanager
def lab(redis_url: str, tmp_path: Path, prefix: str, **settings: str) -> Iterator[Lab]:
    environment = {
        "DESCENTLAB_REDIS_URL": redis_url,
        "DESCENTLAB_REDIS_PREFIX": prefix,
        "DESCENTLAB_WORKER_LOST_AFTER_S": str(LOST_AFTER_S),
        "DESCENTLAB_RESPONSE_CACHE_ENTRIES": "0",
        **_environment(settings),
    }
    running = Lab(environment, tmp_path / "jax-cache")
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def shared(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Two web processes and one worker: the URLs of the two web processes."""
    with lab(
        redis_url, tmp_path_factory.mktemp("shared"), "shared", experiment_share="8"
    ) as running:
        first, second = running.web(), running.web()
        running.worker()
        yield first, second


def client(tab: str) -> dict[str, str]:
    return {"X-Client-Id": tab}


def submit(url: str, tab: str, experiment: dict[str, Any]) -> str:
    response = httpx.post(f"{url}/api/experiments", json=experiment, headers=client(tab))
    assert response.status_code == 202, response.text
    job_id: str = response.json()["id"]
    return job_id


def job(url: str, job_id: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/api/experiments/{job_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def wait_for(
    url: str, job_id: str, condition: Callable[[dict[str, Any]], bool], limit_s: float = 240
) -> dict[str, Any]:
    deadline = time.monotonic() + limit_s
    while True:
        state = job(url, job_id)
        if condition(state):
            return state
        assert state["status"] not in FINISHED, f"the job ended first: {state['status']}"
        assert time.monotonic() < deadline, f"still {state['status']} after {limit_s} s"
        time.sleep(0.1)


def running_with_progress(state: dict[str, Any]) -> bool:
    return bool(state["status"] == "running" and state["progress"] > 0)


def finished(state: dict[str, Any]) -> bool:
    return state["status"] in FINISHED


def read_events(response: httpx.Response, count: int | None = None) -> list[dict[str, str]]:
    """Server-sent events (event, id, data) until the stream ends or ``count`` are read."""
    events: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in response.iter_lines():
        if not line:
            if "data" in current:
                events.append(current)
                if count is not None and len(events) == count:
                    break
            current = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            current[name] = value.removeprefix(" ")
    return events


def replay(events: list[dict[str, str]], start: dict[str, Any] | None = None) -> dict[str, Any]:
    """The job as a client following ``events`` has it."""
    document = start
    for event in events:
        data = json.loads(event["data"])
        patch = event["event"] == "patch"
        document = jsonpatch.apply_patch(document, data) if patch else data
    assert document is not None
    return document


def test_a_job_submitted_to_one_web_process_is_polled_and_streamed_from_another(
    shared: tuple[str, str],
) -> None:
    first, second = shared
    job_id = submit(first, "tab-a", training(seed=1, widths=(32,)))
    with httpx.stream("GET", f"{second}/api/experiments/{job_id}/events", timeout=300) as stream:
        assert stream.status_code == 200
        events = read_events(stream)
    assert events[0]["event"] == "progress"
    assert events[-1]["event"] == "done"
    assert [int(event["id"]) for event in events] == sorted(int(e["id"]) for e in events)
    polled = job(second, job_id)
    assert polled == json.loads(events[-1]["data"])
    assert polled["result"]["history"]["train_loss"], "the result came through whole"
    assert job(first, job_id) == polled


def test_a_stream_resumes_on_another_web_process_with_last_event_id(
    shared: tuple[str, str],
) -> None:
    first, second = shared
    job_id = submit(first, "tab-b", training(seed=2))
    with httpx.stream("GET", f"{first}/api/experiments/{job_id}/events", timeout=300) as stream:
        head = read_events(stream, count=4)
    assert [event["event"] for event in head[1:]] == ["patch"] * 3
    last = head[-1]["id"]
    resumed = httpx.stream(
        "GET",
        f"{second}/api/experiments/{job_id}/events",
        headers={"Last-Event-ID": last},
        timeout=300,
    )
    with resumed as stream:
        rest = read_events(stream)
    assert rest[0]["event"] == "patch", "the changes since, not the whole job again"
    assert int(rest[0]["id"]) == int(last) + 1
    assert rest[-1]["event"] == "done"
    followed = replay(head + rest[:-1])
    final = json.loads(rest[-1]["data"])
    assert followed["progress"] <= final["progress"] == 1.0
    seen = followed["partial"]["history"]["train_loss"]
    assert seen == final["result"]["history"]["train_loss"][: len(seen)]


def test_identical_jobs_are_shared_and_one_clients_cancel_leaves_the_others(
    shared: tuple[str, str],
) -> None:
    first, second = shared
    experiment = training(seed=3)
    mine = submit(first, "tab-c", experiment)
    theirs = submit(second, "tab-d", experiment)
    assert mine == theirs, "identical requests share one computation"
    wait_for(first, mine, running_with_progress)
    withdrawn = httpx.delete(f"{first}/api/experiments/{mine}", headers=client("tab-c"))
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "running", "the other client still wants it"
    listed = httpx.get(f"{second}/api/experiments?mine", headers=client("tab-c")).json()
    assert mine not in [entry["id"] for entry in listed]
    listed = httpx.get(f"{second}/api/experiments?mine", headers=client("tab-d")).json()
    assert [entry["id"] for entry in listed if entry["id"] == mine] == [mine]
    assert wait_for(second, theirs, finished)["status"] == "done"


def test_a_client_cannot_cancel_another_clients_job(shared: tuple[str, str]) -> None:
    first, second = shared
    job_id = submit(first, "tab-e", training(seed=4, widths=LONG))
    refused = httpx.delete(f"{second}/api/experiments/{job_id}", headers=client("tab-f"))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert job(first, job_id)["status"] in ("queued", "running")
    cancelled = httpx.delete(f"{second}/api/experiments/{job_id}", headers=client("tab-e"))
    assert cancelled.status_code == 200
    assert wait_for(first, job_id, finished, limit_s=60)["status"] == "cancelled"


def test_a_cancel_stops_the_work_when_no_client_wants_it(shared: tuple[str, str]) -> None:
    first, second = shared
    job_id = submit(first, "tab-g", training(seed=5, widths=LONG))
    wait_for(first, job_id, running_with_progress)
    asked = time.monotonic()
    httpx.delete(f"{second}/api/experiments/{job_id}", headers=client("tab-g"))
    stopped = wait_for(first, job_id, finished, limit_s=60)
    took = time.monotonic() - asked
    assert stopped["status"] == "cancelled"
    print(f"cancel to cancelled: {took:.2f} s")
    # The worker is free again: the next job runs to its end.
    after = submit(second, "tab-g", training(seed=6, widths=(8,)))
    assert wait_for(first, after, finished)["status"] == "done"
    # Cancelling again is a no-op, and the identical request now starts afresh.
    again = httpx.delete(f"{first}/api/experiments/{job_id}", headers=client("tab-g"))
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    fresh = submit(first, "tab-g", training(seed=5, widths=LONG))
    assert fresh != job_id
    httpx.delete(f"{first}/api/experiments/{fresh}", headers=client("tab-g"))
    wait_for(first, fresh, finished, limit_s=60)


def test_a_csv_uploaded_to_one_web_process_trains_on_a_worker_via_the_other(
    shared: tuple[str, str],
) -> None:
    first, second = shared
    rows = "".join(f"{i % 7 / 2:.1f},{i % 5 / 3:.2f},{('a', 'b')[i % 2]}\n" for i in range(80))
    uploaded = httpx.post(
        f"{first}/api/datasets",
        content=b"x1,x2,label\n" + rows.encode(),
        headers={"content-type": "text/csv", **client("tab-p")},
        params={"test_fraction": 0.25},
    )
    assert uploaded.status_code == 201, uploaded.text
    name = uploaded.json()["name"]
    seen_there = httpx.get(f"{second}/api/datasets/{name}", headers=client("tab-p"))
    assert seen_there.status_code == 200
    assert seen_there.json()["x_train"] == uploaded.json()["x_train"]
    experiment = {"kind": "train", "params": {"dataset": name, "epochs": 3, "widths": [4]}}
    job_id = submit(second, "tab-p", experiment)
    trained = wait_for(first, job_id, finished)
    assert trained["status"] == "done", trained["error"]
    assert trained["result"]["data"]["x_train"] == uploaded.json()["x_train"]


def test_a_full_queue_answers_503_with_retry_after(redis_url: str, tmp_path: Path) -> None:
    with lab(redis_url, tmp_path, "full", experiment_queue="2", experiment_share="8") as running:
        url = running.web()  # no worker: the jobs wait
        held = [submit(url, "tab-h", training(seed=seed, widths=LONG)) for seed in (10, 11)]
        refused = httpx.post(
            f"{url}/api/experiments", json=training(seed=12, widths=LONG), headers=client("h")
        )
        assert refused.status_code == 503
        assert int(refused.headers["retry-after"]) > 0
        assert "queued or running" in refused.json()["detail"]
        # Still served: the same request as a queued one shares it rather than queueing.
        assert submit(url, "tab-i", training(seed=10, widths=LONG)) == held[0]
        for job_id in held:
            for tab in ("tab-h", "tab-i"):
                httpx.delete(f"{url}/api/experiments/{job_id}", headers=client(tab))
        assert [job(url, job_id)["status"] for job_id in held] == ["cancelled"] * 2
        assert submit(url, "tab-h", training(seed=12, widths=LONG))  # room again


def test_a_killed_web_process_loses_nothing(
    shared: tuple[str, str], redis_url: str, tmp_path: Path
) -> None:
    _, second = shared
    with lab(redis_url, tmp_path, "shared") as extra, extra.web_process() as (url, pid):
        job_id = submit(url, "tab-j", training(seed=7))
        wait_for(url, job_id, running_with_progress)
        os.kill(pid, 9)
    assert wait_for(second, job_id, finished)["status"] == "done"


def kill_its_worker(running: Lab, url: str, job_id: str) -> dict[str, Any]:
    """Start a worker, SIGKILL it once it runs the job: the job as it is when that worker
    has been quiet LOST_AFTER_S (queued again, or failed)."""
    worker = running.worker()
    wait_for(url, job_id, running_with_progress)
    stop(worker, hard=True)
    return wait_for(url, job_id, lambda state: state["status"] != "running", limit_s=30)


def test_a_killed_workers_job_is_run_again_by_another_worker(
    redis_url: str, tmp_path: Path
) -> None:
    with lab(redis_url, tmp_path, "killed") as running:
        url = running.web()
        job_id = submit(url, "tab-k", training(seed=8))
        requeued = kill_its_worker(running, url, job_id)
        assert requeued["status"] == "queued"
        assert requeued["progress"] == 0 and requeued["partial"] is None
        running.worker()  # another worker runs it to the end
        assert wait_for(url, job_id, finished)["status"] == "done"


def test_a_job_that_loses_its_worker_twice_fails_with_the_reason(
    redis_url: str, tmp_path: Path
) -> None:
    with lab(redis_url, tmp_path, "twice") as running:
        url = running.web()
        job_id = submit(url, "tab-l", training(seed=9, widths=LONG))
        assert kill_its_worker(running, url, job_id)["status"] == "queued"
        failed = kill_its_worker(running, url, job_id)  # the second attempt's worker
        assert failed["status"] == "failed"
        assert "stopped 2 times" in failed["error"]


def test_a_stopped_worker_hands_its_job_back_at_once(redis_url: str, tmp_path: Path) -> None:
    with lab(redis_url, tmp_path, "handback") as running:
        url = running.web()
        first = running.worker()
        job_id = submit(url, "tab-m", training(seed=13))
        wait_for(url, job_id, running_with_progress)
        stop(first)  # SIGTERM, as docker stop sends
        assert first.returncode == 0
        assert job(url, job_id)["status"] == "queued"  # back before the worker exited
        running.worker()
        assert wait_for(url, job_id, finished)["status"] == "done"


def test_a_job_past_the_workers_time_limit_is_stopped_and_reported_failed(
    redis_url: str, tmp_path: Path
) -> None:
    with lab(redis_url, tmp_path, "limit") as running:
        url = running.web()  # its budget admits the job (estimated under 5 minutes)...
        running.worker(experiment_time_limit_s="2")  # ...this worker allows it 2 s
        job_id = submit(url, "tab-o", training(seed=15, widths=LONG))
        failed = wait_for(url, job_id, finished)
        assert failed["status"] == "failed"
        assert failed["error"].startswith("stopped after 2 s, the time limit per experiment")
        assert failed["result"] is None and failed["partial"] is None


def test_a_finished_result_survives_restarting_every_lab_process(
    redis_url: str, tmp_path: Path
) -> None:
    with lab(redis_url, tmp_path, "restart") as running:
        with running.web_process() as (url, _):
            running.worker()
            job_id = submit(url, "tab-n", training(seed=14, widths=(8,)))
            done = wait_for(url, job_id, finished)
        running.close()  # every web process and worker gone
        running.stack = ExitStack()
        url = running.web()
        assert job(url, job_id) == done
        listed = httpx.get(f"{url}/api/experiments?mine", headers=client("tab-n")).json()
        assert [entry["id"] for entry in listed] == [job_id]
        assert listed[0]["status"] == "done"
