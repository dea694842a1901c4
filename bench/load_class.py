"""A class on the lab at once: students dragging sliders, a few training jobs, for a while.

Each student is one keep-alive connection and behaves like the UI (frontend/js/main.js
``coalesce``): the slider has a new value every ``MOVE_EVERY_S``; at most one request is
in flight, and when it returns only the newest pending value is sent (the moves between
are dropped). Most moves change one run's learning rate (``POST /api/trajectories``);
some change the elongated valley's κ (``POST /api/grid``, then the trajectories).
Students in the lesson group all drag the same slider to the same values at about the
same time (a class following one lesson): they send identical requests.

The generator shares the CPU with the server, so it stays lean: one asyncio loop, bodies
prebuilt as bytes, a minimal HTTP client for the students (bench/load_http.py; httpx on
request), responses read but never parsed. The jobs' clients use httpx (server-sent events).
"""

import asyncio
import math
import random
import ssl
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import orjson

from bench import load_workloads as workloads
from bench.load_http import TRANSPORT_ERRORS, RawClient

# httpcore tries ``import sniffio`` on every request; without sniffio installed that is a
# failed import, a search of sys.path each time (~0.3 ms). None in sys.modules makes it
# fail at once: httpcore then assumes asyncio, which is what runs here.
sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]
# One TLS context for every client (each would load the CA bundle, ~50 ms; none is used).
_TLS = ssl.create_default_context()

MOVE_EVERY_S = 0.2  # ≤ 5 slider values a second
TIMEOUT_S = 30.0
# A job submitted before the end may finish this long after it; later, it is "unfinished"
# (and left to the server, which is stopped next).
JOB_GRACE_S = 60.0
JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class Sample:
    """One request: what, who, when it started (s since the start), how long, how it ended."""

    kind: str  # "trajectories", "grid", "experiments POST", "experiment events"
    group: str  # "random", "lesson", "jobs"
    started_s: float
    seconds: float
    status: int  # 0: no HTTP answer (transport error or timeout)
    cache: str = ""  # X-Cache: "hit", "miss", or "" when absent
    error: str = ""


@dataclass
class Job:
    seed: int
    submitted_s: float
    seconds: float | None = None  # submit → its final event
    outcome: str = "unfinished"  # done, failed, cancelled, rejected (503), unfinished


@dataclass
class Records:
    samples: list[Sample] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    moves: int = 0
    sent: int = 0  # moves that became requests (the rest were overtaken: latest wins)


@dataclass(frozen=True)
class ClassConfig:
    students: int = 100
    seconds: float = 60.0
    lesson_share: float = 0.2  # students who send the same requests as each other
    constant_share: float = 0.15  # moves that change κ (grid + trajectories)
    job_clients: int = 3
    job_every_s: float = 15.0
    seed: int = 0
    client: str = "raw"  # the students' HTTP client: "raw" (bench/load_http.py) or "httpx"


@dataclass
class _Slider:
    """A student's scenario: four runs' learning rates and, once dragged, the valley's κ."""

    rates: list[float] = field(
        default_factory=lambda: [h["learning_rate"] for _, h in workloads.DEFAULT_RUNS]
    )
    condition: float | None = None

    def move(self, rng: random.Random, constant_share: float) -> list[tuple[str, bytes]]:
        """One slider step; the requests the UI would send for the new value."""
        if rng.random() < constant_share:
            self.condition = _log_uniform(rng, *workloads.CONDITION_SPAN)
            return [
                ("grid", orjson.dumps(workloads.grid(self.condition))),
                ("trajectories", self._race()),
            ]
        run = rng.randrange(len(self.rates))
        low, high = workloads.LEARNING_RATE_SPAN
        # A drag: a small step on the slider's log scale, kept inside the slider.
        self.rates[run] = min(high, max(low, self.rates[run] * 10 ** rng.gauss(0, 0.1)))
        return [("trajectories", self._race())]

    def _race(self) -> bytes:
        return orjson.dumps(workloads.default_race(tuple(self.rates), self.condition))


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


class _Clock:
    def __init__(self) -> None:
        self.origin = time.perf_counter()

    def now(self) -> float:
        return time.perf_counter() - self.origin


class _HttpxClient:
    """httpx's AsyncClient with ``RawClient``'s interface (``--client httpx``)."""

    def __init__(self, url: str, headers: dict[str, str], timeout_s: float) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._client = httpx.AsyncClient(
            base_url=url, headers=headers, limits=limits, timeout=timeout_s, verify=_TLS
        )

    async def post(self, path: str, body: bytes) -> tuple[int, str]:
        response = await self._client.post(path, content=body, headers=JSON)
        return response.status_code, response.headers.get("x-cache", "")

    async def close(self) -> None:
        await self._client.aclose()


CLIENTS: dict[str, Callable[[str, dict[str, str], float], "_HttpxClient | RawClient"]] = {
    "raw": RawClient.for_url,
    "httpx": _HttpxClient,
}


async def _send(
    client: "_HttpxClient | RawClient",
    records: Records,
    clock: _Clock,
    group: str,
    kind: str,
    path: str,
    body: bytes,
) -> None:
    started = clock.now()
    try:
        status, cache = await client.post(path, body)
        error = ""
    except (httpx.HTTPError, TimeoutError, *TRANSPORT_ERRORS) as failure:
        status, cache, error = 0, "", type(failure).__name__
    records.samples.append(
        Sample(kind, group, started, clock.now() - started, status, cache, error)
    )


async def _student(
    index: int, url: str, config: ClassConfig, records: Records, clock: _Clock
) -> None:
    own = random.Random(config.seed * 1_000_003 + index)
    lesson = index < round(config.lesson_share * config.students)
    group = "lesson" if lesson else "random"
    # Lesson students start together (within 50 ms); the others at any phase.
    phase = own.uniform(0, 0.05) if lesson else own.uniform(0, MOVE_EVERY_S)
    headers = {"x-client-id": f"{own.getrandbits(64):016x}"}
    slider = _Slider()
    pending: list[tuple[str, bytes]] | None = None
    finished = False
    changed = asyncio.Event()

    async def drag() -> None:
        nonlocal pending, finished
        tick = 0
        while (at := phase + tick * MOVE_EVERY_S) < config.seconds:
            await asyncio.sleep(max(0.0, at - clock.now()))
            # The lesson's t-th value is the same for every student following it.
            rng = random.Random(config.seed * 7919 + tick) if lesson else own
            pending = slider.move(rng, config.constant_share)
            records.moves += 1
            changed.set()
            tick += 1
        finished = True
        changed.set()

    client = CLIENTS[config.client](url, headers, TIMEOUT_S)
    dragging = asyncio.create_task(drag())
    while True:
        await changed.wait()
        changed.clear()
        if finished:
            break
        requests, pending = pending, None
        if requests is None:
            continue
        records.sent += 1
        for kind, body in requests:
            await _send(client, records, clock, group, kind, f"/api/{kind}", body)
    await dragging
    await client.close()


async def _follow(client: httpx.AsyncClient, job_id: str) -> str:
    """Read the job's server-sent events until its final one; return that event's name."""
    async with client.stream("GET", f"/api/experiments/{job_id}/events") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event: ") and line[7:] in ("done", "failed", "cancelled"):
                return line[7:]
    return "unfinished"


async def _job_client(
    index: int, url: str, config: ClassConfig, records: Records, clock: _Clock
) -> None:
    """Submit a small training run every ``job_every_s`` and follow it to its end."""
    headers = {"x-client-id": f"jobs-{config.seed}-{index}"}
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=TIMEOUT_S, verify=_TLS
    ) as client:
        round_ = 0
        while (start := index * 1.0 + round_ * config.job_every_s) < config.seconds:
            await asyncio.sleep(max(0.0, start - clock.now()))
            seed = 1000 * config.seed + 100 * index + round_
            body = orjson.dumps(workloads.small_training(seed))
            job = Job(seed, clock.now())
            records.jobs.append(job)
            round_ += 1
            try:
                response = await client.post("/api/experiments", content=body, headers=JSON)
            except httpx.HTTPError as failure:
                records.samples.append(
                    Sample("experiments POST", "jobs", job.submitted_s, 0, 0, "", str(failure))
                )
                continue
            elapsed = clock.now() - job.submitted_s
            records.samples.append(
                Sample("experiments POST", "jobs", job.submitted_s, elapsed, response.status_code)
            )
            if response.status_code != 202:
                job.outcome = "rejected" if response.status_code in (429, 503) else "error"
                continue
            job_id = orjson.loads(response.content)["id"]
            try:
                left = config.seconds + JOB_GRACE_S - clock.now()
                job.outcome = await asyncio.wait_for(_follow(client, job_id), max(left, 1.0))
            except (httpx.HTTPError, TimeoutError):
                job.outcome = "unfinished"
                continue
            job.seconds = clock.now() - job.submitted_s


async def _run(url: str, config: ClassConfig) -> Records:
    records, clock = Records(), _Clock()
    tasks = [_student(i, url, config, records, clock) for i in range(config.students)]
    tasks += [_job_client(i, url, config, records, clock) for i in range(config.job_clients)]
    await asyncio.gather(*tasks)
    return records


def run_class(url: str, config: ClassConfig) -> tuple[Records, float, float]:
    """Simulate the class against ``url``; (records, wall seconds, generator CPU seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    records = asyncio.run(_run(url, config))
    return records, time.perf_counter() - wall, time.process_time() - cpu
