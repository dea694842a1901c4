"""Long work as jobs: the interface every job backend offers, and the in-process one.

A job runs ``work(progress)``; ``progress(fraction, partial=None)`` records how far it is
(and, when given, a partial result to show meanwhile) and raises ``JobCancelledError`` once
the job was cancelled: cancelling takes effect at the next report.
Identical requests (same kind and parameters) share one job while it is queued, running
or done, but each submission is its client's own: a cancel withdraws only that client's
interest, and the work stops when no client wants it any more. Finished jobs are kept in
a bounded, time-limited cache.

``JobManager`` (here) runs jobs on threads of this process: the default, nothing to
install. ``redis_jobs.RedisJobs`` keeps them in Redis for workers elsewhere
(``descentlab worker``), so any web process answers for any job.

Event streams send each change as a JSON Patch (RFC 6902) against the job's previous public
form, encoded once however many streams follow the job: a partial result whose series grow
each epoch costs every stream the new points, not the whole history again.
"""

import asyncio
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from descentlab.api.responses import encode
from descentlab.core.experiments import Progress

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"done", "failed", "cancelled"})
Work = Callable[[Progress], Any]
PatchOp = dict[str, Any]

# Changes kept per job for streams that fell behind; one further behind gets the whole job.
KEPT_PATCHES = 256
# A stream this many changes behind gets the whole job instead: one render, not a burst.
MAX_PATCHES_AT_ONCE = 16
# How long a finished job keeps its encoded form (for the streams that saw it end).
ENCODED_KEPT_S = 60.0


class JobCancelledError(Exception):
    """Raised inside a job's work when the job was cancelled."""


class QueueFullError(Exception):
    """Too many jobs waiting: the client should retry later."""

    def __init__(self, live: int) -> None:
        super().__init__(f"{live} experiments are queued or running; try again in a few seconds")


class ShareUsedError(Exception):
    """This client already has its share of the queue: it should wait for one to finish."""

    def __init__(self, mine: int, share: int) -> None:
        super().__init__(
            f"this client already has {mine} experiments queued or running (at most "
            f"{share} at once); wait for one to finish or cancel one"
        )


class JobTimeLimitError(Exception):
    """Raised inside a job's work once it has run past the time limit."""


class NotYoursError(Exception):
    """The client asking to cancel a job never submitted it."""


def check_time_limit(started: float, limit_s: float | None) -> None:
    """Raise ``JobTimeLimitError`` once a job that started at ``started`` (monotonic) has
    run past ``limit_s``."""
    if limit_s is not None and time.monotonic() - started > limit_s:
        raise JobTimeLimitError(
            f"stopped after {limit_s:g} s, the time limit per experiment; choose smaller parameters"
        )


def progress_changes(
    progress: float, partial: Any, new_fraction: float, new_partial: Any
) -> tuple[float, list["PatchOp"]]:
    """A progress report against the job as it stands: the fraction (never going back, at
    most 1) and the JSON Patch from the job before to after (empty: nothing changed)."""
    fraction = min(max(float(new_fraction), progress), 1.0)
    changes: list[PatchOp] = []
    if fraction != progress:
        changes.append({"op": "add", "path": "/progress", "value": fraction})
    if new_partial is not None:
        changes += json_patch("/partial", partial, new_partial)
    return fraction, changes


@dataclass(frozen=True)
class Outcome:
    """How a job's work ended: its final status, and its result or the reason it failed."""

    status: JobStatus
    result: Any = None
    error: str | None = None


def run_work(work: Work, progress: Progress, cancelled: Callable[[], bool]) -> Outcome:
    """Run ``work`` to its outcome; a failure is reported, never raised (every backend)."""
    try:
        result = work(progress)
    except JobCancelledError:
        return Outcome("cancelled")
    except JobTimeLimitError as stopped:
        return Outcome("failed", error=str(stopped))
    except Exception as error:  # a failed experiment is reported, never raised
        return Outcome("failed", error=f"{type(error).__name__}: {error}")
    return Outcome("cancelled") if cancelled() else Outcome("done", result)


@dataclass
class Job:
    id: str
    kind: str
    key: str
    owner: str = ""  # who submitted it (the client's address): its share of the queue
    clients: dict[str, float] = field(default_factory=dict)  # who submitted it, and when
    wanted: set[str] = field(default_factory=set)  # those that did not cancel since
    status: JobStatus = "queued"
    progress: float = 0.0
    result: Any = None
    error: str | None = None
    partial: Any = None  # what the work has to show while it runs (dropped once finished)
    finished: float | None = None
    revision: int = 0  # bumped on every change, so event streams know what is new
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    # (revision, the JSON Patch from the revision before to it, encoded once)
    patches: deque[tuple[int, bytes]] = field(default_factory=lambda: deque(maxlen=KEPT_PATCHES))
    encoded: tuple[int, bytes] | None = None  # the whole public job at one revision

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


def summary(public: dict[str, Any], submitted: float) -> dict[str, Any]:
    """A job in a client's list: what it is and how far, not its result."""
    fields = ("id", "kind", "status", "progress")
    return {**{name: public[name] for name in fields}, "submitted": submitted}


@dataclass(frozen=True)
class JobEvent:
    """One server-sent event: ``snapshot`` (data: the whole public job) or ``patch`` (data:
    a JSON Patch against the job as this stream last had it); ``revision`` orders them."""

    name: Literal["snapshot", "patch"]
    revision: int
    data: bytes
    status: JobStatus


class Accepted(Protocol):
    """What a submission returns: the job's id and its status at that moment."""

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> str: ...


class JobBackend(Protocol):
    """Where jobs live and run: this process (``JobManager``) or Redis and its workers
    (``redis_jobs.RedisJobs``). Routes see only this."""

    def submit(
        self, kind: str, params: str, work: "Work", owner: str = "", client: str = ""
    ) -> Accepted:
        """Queue ``kind`` with ``params`` (JSON; identical ones share a job) for ``client``.
        ``work`` is how this process would run it; a backend whose workers are elsewhere
        sends ``kind`` and ``params`` instead. Raises ``QueueFullError`` or ``ShareUsedError``
        (``owner``: the client's address, whose share of the queue it counts against)."""
        ...

    def public(self, job_id: str) -> dict[str, Any] | None:
        """The job as the API shows it, or None when unknown or forgotten."""
        ...

    def cancel(self, job_id: str, client: str = "") -> dict[str, Any] | None:
        """Withdraw ``client``'s interest (``NotYoursError`` if it never submitted the job);
        the work stops once no client wants it. The job as it is now, or None."""
        ...

    def mine(self, client: str) -> list[dict[str, Any]]:
        """The jobs ``client`` submitted and still wants, oldest first (``summary``)."""
        ...

    def events(
        self, job_id: str, heartbeat_s: float = 10.0, after: int | None = None
    ) -> AsyncIterator["JobEvent | None"]:
        """The job as it changes until it finishes (``JobManager.events``)."""
        ...

    def shutdown(self) -> None: ...


def json_patch(path: str, before: Any, after: Any) -> list[PatchOp]:
    """The RFC 6902 operations that turn ``before`` into ``after`` at ``path``.

    Objects are compared member by member; a list that grew from ``before`` gets its new
    items appended (``path/-``); anything else that is not the very same object is written
    again whole. Only ``add`` and ``remove`` are used (``add`` on a member replaces it).
    """
    if isinstance(before, dict) and isinstance(after, dict):
        ops: list[PatchOp] = [
            {"op": "remove", "path": f"{path}/{_pointer(key)}"}
            for key in before
            if key not in after
        ]
        for key, value in after.items():
            member = f"{path}/{_pointer(key)}"
            if key in before:
                ops += json_patch(member, before[key], value)
            else:
                ops.append({"op": "add", "path": member, "value": value})
        return ops
    if isinstance(before, list) and isinstance(after, list) and before is not after:
        seen = len(before)
        try:
            grew = len(after) >= seen and bool(after[:seen] == before)
        except ValueError:  # items NumPy cannot compare to one truth value: write it whole
            grew = False
        if grew:
            return [{"op": "add", "path": f"{path}/-", "value": item} for item in after[seen:]]
    if after is before and not isinstance(after, (list, dict)):
        return []  # the same value (a list or dict given again may have changed inside)
    return [{"op": "add", "path": path, "value": after}]


def _pointer(key: object) -> str:
    """A JSON Pointer reference token (RFC 6901): ``~`` and ``/`` escaped."""
    return str(key).replace("~", "~0").replace("/", "~1")


def new_job_id() -> str:
    """128 random bits, URL-safe: a job is reached only by whoever was given its id (no
    counter to walk, nothing that tells one job's id from the next)."""
    return secrets.token_urlsafe(16)


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
        self._lock = threading.Lock()  # the jobs' fields; streams are woken per loop below

    def submit(self, kind: str, params: str, work: Work, owner: str = "", client: str = "") -> Job:
        """A job for ``work``; an identical live or finished job is reused (whoever asked)."""
        key = f"{kind}:{params}"
        with self._lock:
            self._forget_old()
            existing = self._jobs.get(self._by_key.get(key, ""))
            if existing is not None and existing.status not in ("failed", "cancelled"):
                existing.clients[client] = time.time()
                existing.wanted.add(client)
                return existing
            live = [job for job in self._jobs.values() if job.status in ("queued", "running")]
            if len(live) >= self._max_active:
                raise QueueFullError(len(live))
            mine = sum(job.owner == owner for job in live)
            if owner and mine >= self._share:
                raise ShareUsedError(mine, self._share)
            job = Job(id=new_job_id(), kind=kind, key=key, owner=owner)
            job.clients[client] = time.time()
            job.wanted.add(client)
            self._jobs[job.id] = job
            self._by_key[key] = job.id
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def public(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else job.public()

    def cancel(self, job_id: str, client: str = "") -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if client not in job.clients:
                raise NotYoursError(job_id)
            job.wanted.discard(client)
            if job.status not in FINISHED and not job.wanted:
                job.cancel_requested.set()
                if self._by_key.get(job.key) == job.id:  # the same request starts afresh
                    del self._by_key[job.key]
                if job.status == "queued":  # never started: done at once
                    self._finish(job, "cancelled")
            return job.public()

    def mine(self, client: str) -> list[dict[str, Any]]:
        with self._lock:
            self._forget_old()
            listed = [
                summary(job.public(), job.clients[client])
                for job in self._jobs.values()
                if client in job.wanted
            ]
        return sorted(listed, key=lambda entry: entry["submitted"])

    async def events(
        self, job_id: str, heartbeat_s: float = 10.0, after: int | None = None
    ) -> AsyncIterator[JobEvent | None]:
        """The job as it changes until it finishes; None as a heartbeat.

        The first event is the whole job; each later one is the patch (or patches) since
        the last, each encoded once for every stream. A stream that fell more than
        ``KEPT_PATCHES`` changes behind, or reaches the end, gets the whole job again.
        A stream resumed ``after`` a revision the client already has (its ``Last-Event-ID``)
        starts with the patches since then, or the whole job if they are no longer kept.

        Async and woken by the job's own changes: a stream that waited on a threading
        condition would hold one of the server's worker threads for as long as it is open,
        and a class following its training runs would starve every other request.
        """
        loop, woken = asyncio.get_running_loop(), asyncio.Event()
        watcher = (loop, woken)
        with self._lock:
            self._watchers.add(watcher)
        try:
            seen = -1
            with self._lock:
                job = self._jobs.get(job_id)
                if after is not None and job is not None and 0 <= after <= job.revision:
                    seen = after
            while True:
                with self._lock:
                    job = self._jobs.get(job_id)
                    if job is None:
                        return
                    revision, status = job.revision, job.status
                    finished = status in FINISHED
                    patches = [] if finished else [p for p in job.patches if p[0] > seen]
                    whole = (
                        seen < 0
                        or finished
                        or not patches
                        or patches[0][0] != seen + 1
                        or patches[-1][0] != revision
                        or len(patches) > MAX_PATCHES_AT_ONCE
                    )
                    cached, snapshot = (job.encoded, job.public()) if whole else (None, {})
                    woken.clear()  # under the lock: a change after this sets it again
                if revision == seen:
                    try:
                        await asyncio.wait_for(woken.wait(), timeout=heartbeat_s)
                    except TimeoutError:
                        yield None
                    continue
                if whole:
                    if cached is None or cached[0] != revision:
                        cached = (revision, encode(snapshot))
                        with self._lock:
                            if job.revision == revision:
                                job.encoded = cached  # the next stream to ask reuses it
                    yield JobEvent("snapshot", revision, cached[1], status)
                else:
                    for number, patch in patches:
                        yield JobEvent("patch", number, patch, status)
                seen = revision if whole else patches[-1][0]
                if finished:
                    return
        finally:
            with self._lock:
                self._watchers.discard(watcher)

    def shutdown(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancel_requested.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: Job, work: Work) -> None:
        with self._lock:
            if job.status != "queued":
                return
            job.status = "running"
            self._touch(job, [{"op": "add", "path": "/status", "value": "running"}])

        started = time.monotonic()

        def progress(fraction: float, partial: Any = None, /) -> None:
            if job.cancel_requested.is_set():
                raise JobCancelledError
            check_time_limit(started, self._time_limit_s)
            with self._lock:
                job.progress, changes = progress_changes(
                    job.progress, job.partial, fraction, partial
                )
                if partial is not None:
                    job.partial = partial
                if changes:  # only real changes wake the event streams
                    self._touch(job, changes)

        outcome = run_work(work, progress, job.cancel_requested.is_set)
        with self._lock:
            job.error = outcome.error
            if outcome.status == "done":
                job.result, job.progress = outcome.result, 1.0
            self._finish(job, outcome.status)

    def _finish(self, job: Job, status: JobStatus) -> None:
        job.status, job.finished, job.partial = status, time.monotonic(), None
        job.patches.clear()  # a finished job is only ever sent whole
        self._touch(job)

    def _touch(self, job: Job, changes: list[PatchOp] | None = None) -> None:
        """Record a change (with its patch, when it has one) and wake the streams."""
        job.revision += 1
        if changes is not None:
            job.patches.append((job.revision, encode(changes)))
        for loop, woken in self._watchers:  # event streams, each on its server's loop
            if not loop.is_closed():
                loop.call_soon_threadsafe(woken.set)

    def _forget_old(self) -> None:
        now = time.monotonic()
        ages = {job.id: now - job.finished for job in self._jobs.values() if job.finished}
        finished = [job for job in self._jobs.values() if job.id in ages]
        expired = {job_id for job_id, age in ages.items() if age > self._ttl_s}
        for job in finished:  # the encoded result serves the streams open when it ended
            if ages[job.id] > ENCODED_KEPT_S:
                job.encoded = None
        surplus = len(finished) - len(expired) - self._keep
        if surplus > 0:
            live = [job for job in finished if job.id not in expired]
            expired |= {job.id for job in live[:surplus]}
        for job_id in expired:
            job = self._jobs.pop(job_id)
            if self._by_key.get(job.key) == job_id:
                del self._by_key[job.key]
