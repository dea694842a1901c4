"""Long work as jobs: a bounded queue, a few worker threads, progress, cancellation.

A job runs ``work(progress)``; ``progress(fraction, partial=None)`` records how far it is
(and, when given, a partial result to show meanwhile) and raises ``JobCancelledError`` once
the job was cancelled: cancelling takes effect at the next report.
Identical requests (same kind and parameters) share one job while it is queued, running
or done. Finished jobs are kept in a bounded, time-limited cache.
"""

import asyncio
import itertools
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from descentlab.core.experiments import Progress

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"done", "failed", "cancelled"})
Work = Callable[[Progress], Any]


class JobCancelledError(Exception):
    """Raised inside a job's work when the job was cancelled."""


class QueueFullError(Exception):
    """Too many jobs waiting: the client should retry later."""


class ShareUsedError(Exception):
    """This client already has its share of the queue: it should wait for one to finish."""


class JobTimeLimitError(Exception):
    """Raised inside a job's work once it has run past the time limit."""


@dataclass
class Job:
    id: str
    kind: str
    key: str
    owner: str = ""  # who submitted it (the client's address): its share of the queue
    status: JobStatus = "queued"
    progress: float = 0.0
    result: Any = None
    error: str | None = None
    partial: Any = None  # what the work has to show while it runs (dropped once finished)
    created: float = field(default_factory=time.monotonic)
    finished: float | None = None
    revision: int = 0  # bumped on every change, so event streams know what is new
    cancel_requested: threading.Event = field(default_factory=threading.Event)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": self.progress,
            "result": self.result,
            "error": self.error,
            "partial": self.partial,
        }


class JobManager:
    """Runs jobs on ``workers`` threads with at most ``max_waiting`` queued behind them.

    One owner (a client's address) may have at most ``share`` jobs queued or running, so
    no client can fill the queue for everyone; a job that runs past ``time_limit_s`` is
    stopped at its next progress report and reported failed with the reason.
    """

    def __init__(
        self,
        workers: int = 1,
        max_waiting: int = 8,
        keep: int = 64,
        ttl_s: float = 900,
        share: int | None = None,
        time_limit_s: float | None = None,
    ):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="descentlab-job")
        self._max_active = workers + max_waiting
        self._share = self._max_active if share is None else share
        self._time_limit_s = time_limit_s
        self._keep, self._ttl_s = keep, ttl_s
        self._watchers: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._by_key: dict[str, str] = {}
        self._changed = threading.Condition()
        self._ids = itertools.count(1)

    def submit(self, kind: str, key: str, work: Work, owner: str = "") -> Job:
        """A job for ``work``; an identical live or finished job is reused (whoever asked)."""
        with self._changed:
            self._forget_old()
            existing = self._jobs.get(self._by_key.get(key, ""))
            if existing is not None and existing.status not in ("failed", "cancelled"):
                return existing
            live = [job for job in self._jobs.values() if job.status in ("queued", "running")]
            if len(live) >= self._max_active:
                raise QueueFullError(
                    f"{len(live)} experiments are queued or running; try again shortly"
                )
            mine = sum(job.owner == owner for job in live)
            if owner and mine >= self._share:
                raise ShareUsedError(
                    f"this client already has {mine} experiments queued or running (at most "
                    f"{self._share} at once); wait for one to finish or cancel one"
                )
            job = Job(
                id=f"{next(self._ids)}-{uuid.uuid4().hex[:8]}", kind=kind, key=key, owner=owner
            )
            self._jobs[job.id] = job
            self._by_key[key] = job.id
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._changed:
            return self._jobs.get(job_id)

    def cancel(self, job_id: str) -> Job | None:
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None or job.status in FINISHED:
                return job
            job.cancel_requested.set()
            if job.status == "queued":  # never started: done at once
                self._finish(job, "cancelled")
            return job

    async def events(
        self, job_id: str, heartbeat_s: float = 10.0
    ) -> AsyncIterator[dict[str, Any] | None]:
        """Snapshots of the job after each change until it finishes; None as a heartbeat.

        Async and woken by the job's own changes: a stream that waited on a threading
        condition would hold one of the server's worker threads for as long as it is open,
        and a class following its training runs would starve every other request.
        """
        loop, woken = asyncio.get_running_loop(), asyncio.Event()
        watcher = (loop, woken)
        with self._changed:
            self._watchers.add(watcher)
        try:
            seen = -1
            while True:
                with self._changed:
                    job = self._jobs.get(job_id)
                    if job is None:
                        return
                    changed = job.revision != seen
                    if changed:
                        seen, snapshot = job.revision, job.public()
                        finished = job.status in FINISHED
                    woken.clear()  # under the lock: a change after this sets it again
                if changed:
                    yield snapshot
                    if finished:
                        return
                    continue
                try:
                    await asyncio.wait_for(woken.wait(), timeout=heartbeat_s)
                except TimeoutError:
                    yield None
        finally:
            with self._changed:
                self._watchers.discard(watcher)

    def shutdown(self) -> None:
        with self._changed:
            for job in self._jobs.values():
                job.cancel_requested.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: Job, work: Work) -> None:
        with self._changed:
            if job.status != "queued":
                return
            job.status = "running"
            self._touch(job)

        started = time.monotonic()

        def progress(fraction: float, partial: Any = None, /) -> None:
            if job.cancel_requested.is_set():
                raise JobCancelledError
            limit = self._time_limit_s
            if limit is not None and time.monotonic() - started > limit:
                raise JobTimeLimitError(
                    f"stopped after {limit:g} s, the time limit per experiment; "
                    "choose smaller parameters"
                )
            with self._changed:
                fraction = min(max(float(fraction), job.progress), 1.0)
                if partial is not None:
                    job.partial = partial
                if fraction != job.progress or partial is not None:
                    job.progress = fraction  # only real changes wake the event streams
                    self._touch(job)

        try:
            result = work(progress)
        except JobCancelledError:
            with self._changed:
                self._finish(job, "cancelled")
        except JobTimeLimitError as stopped:
            with self._changed:
                job.error = str(stopped)
                self._finish(job, "failed")
        except Exception as error:  # a failed experiment is reported, never raised
            with self._changed:
                job.error = f"{type(error).__name__}: {error}"
                self._finish(job, "failed")
        else:
            with self._changed:
                job.result, job.progress = result, 1.0
                self._finish(job, "cancelled" if job.cancel_requested.is_set() else "done")

    def _finish(self, job: Job, status: JobStatus) -> None:
        job.status, job.finished, job.partial = status, time.monotonic(), None
        self._touch(job)

    def _touch(self, job: Job) -> None:
        job.revision += 1
        self._changed.notify_all()
        for loop, woken in self._watchers:  # event streams, each on its server's loop
            if not loop.is_closed():
                loop.call_soon_threadsafe(woken.set)

    def _forget_old(self) -> None:
        now = time.monotonic()
        ages = {job.id: now - job.finished for job in self._jobs.values() if job.finished}
        finished = [job for job in self._jobs.values() if job.id in ages]
        expired = {job_id for job_id, age in ages.items() if age > self._ttl_s}
        surplus = len(finished) - len(expired) - self._keep
        if surplus > 0:
            live = [job for job in finished if job.id not in expired]
            expired |= {job.id for job in live[:surplus]}
        for job_id in expired:
            job = self._jobs.pop(job_id)
            if self._by_key.get(job.key) == job_id:
                del self._by_key[job.key]
