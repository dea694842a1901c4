"""The job queue on Redis against the in-process default, and what a lost worker costs.

``python -m bench.job_queue`` starts a real ``redis-server``, ``descentlab serve`` and
``descentlab worker`` processes on loopback and measures, from a client's side:
- how long a submitted job waits before it runs (submit → ``running``), and a small
  training job end to end, for the in-process backend and for Redis with one worker;
- a cancel of a running training job (``DELETE`` → ``cancelled``);
- a worker killed (SIGKILL) mid-job: until its job is queued again, and until a standby
  worker has it running and finished; a worker stopped (SIGTERM): until its job is back;
- the resident memory of an idle worker and of a web process.
It replaces its section of docs/BENCHMARKS.md between its markers.
"""

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.load_report import write_section
from bench.redis_server import redis_server, start_worker, stop
from bench.server import resident_mb, serve

BEGIN = "<!-- job-queue:begin (written by python -m bench.job_queue) -->"
END = "<!-- job-queue:end -->"
PICKUPS = 20
LOST_AFTER_S = 15  # the setting's default


def small(seed: int) -> dict[str, Any]:
    return {"kind": "train", "params": {"n_samples": 100, "epochs": 5, "seed": seed}}


def long(seed: int) -> dict[str, Any]:
    params = {"n_samples": 400, "batch_size": 1, "epochs": 500, "widths": [256, 256, 256]}
    return {"kind": "train", "params": {**params, "seed": seed}}


def _wait(client: httpx.Client, job_id: str, done: Callable[[dict[str, Any]], bool]) -> float:
    """Seconds until the job's state satisfies ``done`` (polled every 5 ms)."""
    started = time.perf_counter()
    while not done(client.get(f"/api/experiments/{job_id}").json()):
        if time.perf_counter() - started > 600:
            raise TimeoutError(job_id)
        time.sleep(0.005)
    return time.perf_counter() - started


def _submit(client: httpx.Client, experiment: dict[str, Any]) -> str:
    response = client.post("/api/experiments", json=experiment)
    response.raise_for_status()
    job_id: str = response.json()["id"]
    return job_id


def _status(name: str) -> Callable[[dict[str, Any]], bool]:
    return lambda state: state["status"] == name


def _running(state: dict[str, Any]) -> bool:
    return bool(state["status"] == "running" and state["progress"] > 0)


def _finished(state: dict[str, Any]) -> bool:
    return state["status"] in ("done", "failed", "cancelled")


def pickups(url: str, first_seed: int) -> dict[str, float]:
    """Submit → running for small jobs one after another, and one job end to end."""
    waits, totals = [], []
    with httpx.Client(base_url=url, headers={"X-Client-Id": "bench"}, timeout=60) as client:
        _wait(client, _submit(client, small(first_seed - 1)), _finished)  # compiles
        for seed in range(first_seed, first_seed + PICKUPS):
            started = time.perf_counter()
            job_id = _submit(client, small(seed))
            waits.append(_wait(client, job_id, lambda s: s["status"] != "queued"))
            _wait(client, job_id, _finished)
            totals.append(time.perf_counter() - started)
    return {
        "pickup_ms": statistics.median(waits) * 1000,
        "pickup_max_ms": max(waits) * 1000,
        "job_ms": statistics.median(totals) * 1000,
    }


def lost_workers(url: str, environment: dict[str, str], log: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    with httpx.Client(base_url=url, headers={"X-Client-Id": "bench"}, timeout=60) as client:
        worker = start_worker(environment, log=log)
        job_id = _submit(client, long(1))
        _wait(client, job_id, _running)
        asked = time.perf_counter()
        client.delete(f"/api/experiments/{job_id}")
        _wait(client, job_id, _finished)
        figures["cancel_ms"] = (time.perf_counter() - asked) * 1000

        job_id = _submit(client, long(2))
        _wait(client, job_id, _running)
        stop(worker, hard=True)
        figures["requeued_after_kill_s"] = _wait(client, job_id, _status("queued"))
        standby = start_worker(environment, log=log)
        figures["running_again_s"] = _wait(client, job_id, _running)
        client.delete(f"/api/experiments/{job_id}")
        _wait(client, job_id, _finished)

        job_id = _submit(client, long(3))
        _wait(client, job_id, _running)
        asked = time.perf_counter()
        standby.terminate()
        figures["handed_back_ms"] = _wait(client, job_id, _status("queued")) * 1000
        standby.wait(60)
        figures["worker_exit_ms"] = (time.perf_counter() - asked) * 1000
        client.delete(f"/api/experiments/{job_id}")
    return figures


def idle_worker_mb(environment: dict[str, str], log: Path) -> float:
    worker = start_worker(environment, log=log)
    try:
        time.sleep(8)  # imports done, listening
        return resident_mb(worker.pid)
    finally:
        stop(worker)


def measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        results: dict[str, Any] = {}
        with serve(base / "cache", warmup=False) as server:
            results["in_process"] = pickups(server.url, 1000)
        with redis_server(base / "redis") as redis_url:
            environment = {
                "DESCENTLAB_REDIS_URL": redis_url,
                "DESCENTLAB_COMPILATION_CACHE_DIR": str(base / "cache"),
            }
            log = base / "workers.log"
            with serve(base / "cache", warmup=False, environment=environment) as server:
                worker = start_worker(environment, log=log)
                try:
                    results["redis"] = pickups(server.url, 2000)
                finally:
                    stop(worker)
                results["lost"] = lost_workers(server.url, environment, log)
                results["web_mb"] = server.rss_mb()
            results["idle_worker_mb"] = idle_worker_mb(environment, log)
    return results


def render(results: dict[str, Any]) -> str:
    inside, redis, lost = results["in_process"], results["redis"], results["lost"]
    return "\n".join(
        [
            BEGIN,
            "Jobs in the web process (the default) and on Redis with one `descentlab worker` "
            "(RQ's SimpleWorker), both on this machine's 2 cores, from a client polling every "
            f"5 ms (`python -m bench.job_queue`). {PICKUPS} small training jobs one after "
            "another (100 samples, 5 epochs, compiled beforehand):",
            "",
            "| | submit → running (median, max) | small job end to end (median) |",
            "|---|---:|---:|",
            f"| in process | {inside['pickup_ms']:.0f} ms, {inside['pickup_max_ms']:.0f} ms | "
            f"{inside['job_ms']:.0f} ms |",
            f"| Redis + worker | {redis['pickup_ms']:.0f} ms, {redis['pickup_max_ms']:.0f} ms | "
            f"{redis['job_ms']:.0f} ms |",
            "",
            "A worker and its running job (a long training run):",
            "",
            "| event | measured |",
            "|---|---:|",
            f"| `DELETE` → `cancelled` | {lost['cancel_ms']:.0f} ms |",
            f"| worker killed (SIGKILL) → its job queued again (setting "
            f"`worker_lost_after_s` = {LOST_AFTER_S} s) | {lost['requeued_after_kill_s']:.1f} s |",
            f"| → running on a standby worker | {lost['running_again_s']:.1f} s more |",
            "| worker stopped (SIGTERM) → its job queued again | "
            f"{lost['handed_back_ms']:.0f} ms |",
            f"| → the worker exited | {lost['worker_exit_ms']:.0f} ms |",
            f"| an idle worker's resident memory | {results['idle_worker_mb']:.0f} MB |",
            f"| a web process's (after the jobs above) | {results['web_mb']:.0f} MB |",
            END,
        ]
    )


def main() -> None:
    results = measure()
    section = render(results)
    print(section)
    write_section(section, BEGIN, END)


if __name__ == "__main__":
    main()
