"""Jobs in Redis: any web process answers for any job; workers (``descentlab worker``) run them.

Chosen when ``DESCENTLAB_REDIS_URL`` is set. The queue is RQ's (one Redis list per queue
name, worked by ``SimpleWorker``: no fork, since JAX is not fork-safe once imported); a
message carries a job's id and attempt. Everything a client sees lives beside it, under
the prefix ``P`` (default ``descentlab``):

- ``P:job:{id}`` (hash): kind, params, queue, owner, status, progress, revision, error,
  result and partial (JSON), submitted, attempt, beat (the running worker's last sign of
  life), cancel (set once no client wants it);
- ``P:job:{id}:events`` (stream): one entry per change, with the id ``{revision}-1``: a
  JSON Patch (field ``patch``), or ``whole`` (its new status) where a client must read the
  job again (a retry, the end). A client resumes after its ``Last-Event-ID`` from here;
- ``P:job:{id}:clients`` / ``:wanted`` (sets): who submitted it, and who still wants it;
- ``P:key:{sha256}``: the job of identical parameters (shared while live or done);
- ``P:live`` (sorted set): queued and running jobs, the queue's bound;
- ``P:owner:{address}`` (set): an address's live jobs, its share;
- ``P:client:{client}`` (sorted set): a client's jobs (``GET /api/experiments?mine``).

Every change is one Lua script, so two web processes never disagree on a job. A worker
that dies mid-job stops beating; any web process or worker then puts the job back on the
queue (attempt + 1), once: a job that loses its worker twice (killed, out of memory) is
failed with that reason. Finished jobs expire after ``ttl_s``.
"""

import asyncio
import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import redis
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from descentlab.api.jobs import (
    FINISHED,
    KEPT_PATCHES,
    MAX_PATCHES_AT_ONCE,
    JobCancelledError,
    JobEvent,
    JobStatus,
    NotYoursError,
    QueueFullError,
    ShareUsedError,
    Work,
    check_time_limit,
    new_job_id,
    progress_changes,
    run_work,
    summary,
)
from descentlab.api.redis_connection import AsyncRedis
from descentlab.api.responses import encode
from descentlab.api.settings import Settings

logger = logging.getLogger(__name__)

# A running job's worker says it is alive this often...
BEAT_S = 1.0
# ...and a job whose worker stopped is run again once (a second loss fails it).
MAX_ATTEMPTS = 2
# A worker checks whether anyone still wants its job at most this often (cancels take
# effect within this, plus the time to the work's next progress report).
CANCEL_CHECK_S = 0.2
# How often web processes and workers look for jobs whose worker stopped.
SUPERVISE_EVERY_S = 1.0
# RQ's own time limit (SIGALRM in the worker) backs the experiment's, by this margin.
HARD_LIMIT_MARGIN_S = 60

_SUBMIT = """
local p, keyhash, id = ARGV[1], ARGV[2], ARGV[3]
local owner, client, now = ARGV[7], ARGV[8], ARGV[9]
local max_live, share = tonumber(ARGV[10]), tonumber(ARGV[11])
local client_ttl = tonumber(ARGV[12])
local keyref = p .. ":key:" .. keyhash
local function claim(job_id)
  local job = p .. ":job:" .. job_id
  redis.call("SADD", job .. ":clients", client)
  redis.call("SADD", job .. ":wanted", client)
  local left = redis.call("TTL", job)
  if left > 0 then
    redis.call("EXPIRE", job .. ":clients", left)
    redis.call("EXPIRE", job .. ":wanted", left)
  end
  local mine = p .. ":client:" .. client
  redis.call("ZADD", mine, now, job_id)
  redis.call("EXPIRE", mine, client_ttl)
end
local existing = redis.call("GET", keyref)
if existing then
  local status = redis.call("HGET", p .. ":job:" .. existing, "status")
  if status and status ~= "failed" and status ~= "cancelled" then
    claim(existing)
    return {existing, status, "shared"}
  end
end
local live = redis.call("ZCARD", p .. ":live")
if live >= max_live then return {"", "full", live} end
if owner ~= "" then
  local mine = redis.call("SCARD", p .. ":owner:" .. owner)
  if mine >= share then return {"", "share", mine} end
end
local job = p .. ":job:" .. id
redis.call("HSET", job, "kind", ARGV[4], "params", ARGV[5], "queue", ARGV[6],
  "owner", owner, "keyhash", keyhash, "status", "queued", "progress", "0",
  "revision", "0", "error", "", "result", "null", "partial", "null",
  "submitted", now, "queued_at", now, "attempt", "1", "beat", "0", "cancel", "0")
redis.call("SET", keyref, id)
redis.call("ZADD", p .. ":live", now, id)
if owner ~= "" then redis.call("SADD", p .. ":owner:" .. owner, id) end
claim(id)
return {id, "queued", "new"}
"""

# KEYS: job, events. ARGV: attempt, now, maxlen. Queued → running for this attempt only.
_START = """
if redis.call("HGET", KEYS[1], "status") ~= "queued" then return 0 end
if redis.call("HGET", KEYS[1], "attempt") ~= ARGV[1] then return 0 end
if redis.call("HGET", KEYS[1], "cancel") == "1" then return 0 end
local rev = redis.call("HINCRBY", KEYS[1], "revision", 1)
redis.call("HSET", KEYS[1], "status", "running", "beat", ARGV[2])
redis.call("XADD", KEYS[2], "MAXLEN", "~", ARGV[3], rev .. "-1",
  "patch", '[{"op":"add","path":"/status","value":"running"}]')
return rev
"""

# KEYS: job, events. ARGV: attempt, maxlen, patch (or ""), then field, value pairs.
# Returns {revision or -1 when this attempt no longer runs the job, cancel flag}.
_CHANGE = """
if redis.call("HGET", KEYS[1], "status") ~= "running"
   or redis.call("HGET", KEYS[1], "attempt") ~= ARGV[1] then return {-1, "1"} end
local cancel = redis.call("HGET", KEYS[1], "cancel")
if ARGV[3] == "" then return {0, cancel} end
local rev = redis.call("HINCRBY", KEYS[1], "revision", 1)
for i = 4, #ARGV, 2 do redis.call("HSET", KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call("XADD", KEYS[2], "MAXLEN", "~", ARGV[2], rev .. "-1", "patch", ARGV[3])
return {rev, cancel}
"""

# KEYS: job, events. ARGV: attempt, now.
_BEAT = """
if redis.call("HGET", KEYS[1], "status") == "running"
   and redis.call("HGET", KEYS[1], "attempt") == ARGV[1] then
  redis.call("HSET", KEYS[1], "beat", ARGV[2])
end
return 0
"""

# KEYS: job, events. ARGV: prefix, id, status, result, error, ttl, maxlen, attempt ("": any),
# expected status ("": any unfinished). The end, once: whichever comes first wins.
_FINISH = """
local status = redis.call("HGET", KEYS[1], "status")
if not status or status == "done" or status == "failed" or status == "cancelled" then
  return 0
end
if ARGV[8] ~= "" and redis.call("HGET", KEYS[1], "attempt") ~= ARGV[8] then return 0 end
if ARGV[9] ~= "" and status ~= ARGV[9] then return 0 end
local p, id, ttl = ARGV[1], ARGV[2], tonumber(ARGV[6])
local rev = redis.call("HINCRBY", KEYS[1], "revision", 1)
redis.call("HSET", KEYS[1], "status", ARGV[3], "result", ARGV[4], "error", ARGV[5],
  "partial", "null")
if ARGV[3] == "done" then redis.call("HSET", KEYS[1], "progress", "1") end
redis.call("XADD", KEYS[2], "MAXLEN", "~", ARGV[7], rev .. "-1", "whole", ARGV[3])
redis.call("ZREM", p .. ":live", id)
local owner = redis.call("HGET", KEYS[1], "owner")
if owner ~= "" then redis.call("SREM", p .. ":owner:" .. owner, id) end
local keyref = p .. ":key:" .. redis.call("HGET", KEYS[1], "keyhash")
if ARGV[3] == "done" then
  if redis.call("GET", keyref) == id then redis.call("EXPIRE", keyref, ttl) end
elseif redis.call("GET", keyref) == id then
  redis.call("DEL", keyref)
end
for _, key in ipairs({KEYS[1], KEYS[2], KEYS[1] .. ":clients", KEYS[1] .. ":wanted"}) do
  redis.call("EXPIRE", key, ttl)
end
return rev
"""

# KEYS: job. ARGV: prefix, id, client. Returns {"gone"}, {"notyours"} or {status, stop}:
# stop is 1 when no client wants the job any more (the caller then finishes a queued one).
_CANCEL = """
if redis.call("EXISTS", KEYS[1]) == 0 then return {"gone", 0} end
if redis.call("SISMEMBER", KEYS[1] .. ":clients", ARGV[3]) == 0 then
  return {"notyours", 0}
end
redis.call("SREM", KEYS[1] .. ":wanted", ARGV[3])
local status = redis.call("HGET", KEYS[1], "status")
if status == "done" or status == "failed" or status == "cancelled" then return {status, 0} end
if redis.call("SCARD", KEYS[1] .. ":wanted") > 0 then return {status, 0} end
redis.call("HSET", KEYS[1], "cancel", "1")
local keyref = ARGV[1] .. ":key:" .. redis.call("HGET", KEYS[1], "keyhash")
if redis.call("GET", keyref) == ARGV[2] then redis.call("DEL", keyref) end
return {status, 1}
"""

# KEYS: job, events. ARGV: now, lost_after_s, max_attempts, maxlen, queue_timeout_s.
# A running job whose worker went quiet goes back on the queue (attempt + 1): returns the
# new attempt; -1 when it already lost a worker max_attempts times, -2 when it waited
# queued past queue_timeout_s (the caller fails either); 0 otherwise.
_SUPERVISE = """
local status = redis.call("HGET", KEYS[1], "status")
local now = tonumber(ARGV[1])
if status == "queued" then
  local since = tonumber(redis.call("HGET", KEYS[1], "queued_at"))
  if now - since > tonumber(ARGV[5]) then return -2 end
  return 0
end
if status ~= "running" then return 0 end
if now - tonumber(redis.call("HGET", KEYS[1], "beat")) < tonumber(ARGV[2]) then return 0 end
local attempt = tonumber(redis.call("HGET", KEYS[1], "attempt"))
if attempt >= tonumber(ARGV[3]) then return -1 end
local rev = redis.call("HINCRBY", KEYS[1], "revision", 1)
redis.call("HSET", KEYS[1], "status", "queued", "attempt", tostring(attempt + 1),
  "progress", "0", "partial", "null", "beat", "0", "queued_at", ARGV[1])
redis.call("XADD", KEYS[2], "MAXLEN", "~", ARGV[4], rev .. "-1", "whole", "queued")
return attempt + 1
"""

# KEYS: job, events. ARGV: attempt, now, maxlen. A worker that is stopping hands its job
# back: queued again under the same attempt (a graceful stop is not a lost worker).
_HAND_BACK = """
if redis.call("HGET", KEYS[1], "status") ~= "running"
   or redis.call("HGET", KEYS[1], "attempt") ~= ARGV[1] then return 0 end
local rev = redis.call("HINCRBY", KEYS[1], "revision", 1)
redis.call("HSET", KEYS[1], "status", "queued", "progress", "0", "partial", "null",
  "beat", "0", "queued_at", ARGV[2])
redis.call("XADD", KEYS[2], "MAXLEN", "~", ARGV[3], rev .. "-1", "whole", "queued")
return rev
"""


class WorkerStoppingError(JobCancelledError):
    """Raised inside a job's work when its worker was asked to stop: the job goes back on
    the queue (the work ends as if cancelled; the job is not)."""


@dataclass(frozen=True)
class RedisJobSettings:
    """What every process sharing one Redis must agree on (read from ``Settings``)."""

    url: str
    prefix: str = "descentlab"
    max_live: int = 9  # jobs queued or running at once, all workers together
    share: int = 2  # ...of which one address may have this many
    ttl_s: float = 900.0  # a finished job (and its result) is kept this long
    time_limit_s: float | None = None  # a running job is stopped past this
    lost_after_s: float = 15.0  # a running job whose worker is quiet this long is retried

    @classmethod
    def of(cls, settings: Settings) -> "RedisJobSettings":
        return cls(
            url=settings.redis_url,
            prefix=settings.redis_prefix,
            max_live=settings.experiment_queue_size(),
            share=settings.experiment_share,
            ttl_s=settings.experiment_result_ttl_s,
            time_limit_s=settings.experiment_time_limit_s,
            lost_after_s=settings.worker_lost_after_s,
        )

    @property
    def queue_timeout_s(self) -> float:
        """A job queued longer than every job ahead of it could run: no worker is there."""
        return self.max_live * ((self.time_limit_s or 3600.0) + HARD_LIMIT_MARGIN_S)


class RedisJobStore:
    """The jobs' records in Redis (synchronous: web routes run in threads, workers too)."""

    def __init__(self, config: RedisJobSettings, client: redis.Redis | None = None) -> None:
        self.config = config
        self.client = client or redis.Redis.from_url(config.url)
        self._scripts = {
            name: self.client.register_script(source)
            for name, source in {
                "submit": _SUBMIT,
                "start": _START,
                "change": _CHANGE,
                "beat": _BEAT,
                "finish": _FINISH,
                "cancel": _CANCEL,
                "supervise": _SUPERVISE,
                "hand_back": _HAND_BACK,
            }.items()
        }
        self._queues: dict[str, Queue] = {}

    # -- keys
    def job_key(self, job_id: str) -> str:
        return f"{self.config.prefix}:job:{job_id}"

    def events_key(self, job_id: str) -> str:
        return f"{self.job_key(job_id)}:events"

    def _keys(self, job_id: str) -> list[str]:
        return [self.job_key(job_id), self.events_key(job_id)]

    def queue(self, name: str) -> Queue:
        if name not in self._queues:
            self._queues[name] = Queue(
                f"{self.config.prefix}:{name}", connection=self.client, serializer=JSONSerializer
            )
        return self._queues[name]

    # -- the web's side
    def submit(self, kind: str, params: str, queue: str, owner: str, client: str) -> list[Any]:
        key = f"{kind}:{params}"
        reply = self._scripts["submit"](
            args=[
                self.config.prefix,
                hashlib.sha256(key.encode()).hexdigest(),
                new_job_id(),
                kind,
                params,
                queue,
                owner,
                client,
                repr(time.time()),
                self.config.max_live,
                self.config.share,
                # a client's list outlives its newest job: its wait, its run, then its TTL
                int(self.config.queue_timeout_s + self.config.ttl_s),
            ]
        )
        return [part.decode() if isinstance(part, bytes) else part for part in reply]

    def enqueue(self, job_id: str, queue: str, attempt: int) -> None:
        limit = self.config.time_limit_s
        self.queue(queue).enqueue(
            run_job,
            job_id,
            attempt,
            job_timeout=-1 if limit is None else int(limit) + HARD_LIMIT_MARGIN_S,
            result_ttl=0,
            failure_ttl=int(self.config.ttl_s),
        )

    def fields(self, job_id: str, *names: str) -> list[bytes | None] | None:
        values: list[bytes | None] = self.client.hmget(self.job_key(job_id), names)  # type: ignore[assignment]
        return None if values[0] is None else values

    def public(self, job_id: str) -> dict[str, Any] | None:
        encoded = self.encoded(job_id)
        return None if encoded is None else orjson.loads(encoded[2])

    def encoded(self, job_id: str) -> tuple[int, JobStatus, bytes] | None:
        """The job's revision, status and public JSON, assembled without decoding its
        result (which the worker stored encoded)."""
        values = self.fields(
            job_id, "kind", "status", "progress", "result", "error", "partial", "revision"
        )
        if values is None:
            return None
        kind, status, progress, result, error, partial, revision = (v or b"" for v in values)
        document = b"".join(
            (
                b'{"id":',
                orjson.dumps(job_id),
                b',"kind":',
                orjson.dumps(kind.decode()),
                b',"status":',
                orjson.dumps(status.decode()),
                b',"progress":',
                orjson.dumps(float(progress or 0)),
                b',"result":',
                result or b"null",
                b',"error":',
                orjson.dumps(error.decode() or None),
                b',"partial":',
                partial or b"null",
                b"}",
            )
        )
        return int(revision or 0), status.decode(), document  # type: ignore[return-value]

    def cancel(self, job_id: str, client: str) -> list[Any]:
        reply = self._scripts["cancel"](
            keys=[self.job_key(job_id)], args=[self.config.prefix, job_id, client]
        )
        status, stop = reply[0].decode(), int(reply[1])
        if stop and status == "queued":  # never started: done at once
            self.finish(job_id, "cancelled", expect="queued")
        return [status, stop]

    def mine(self, client: str) -> list[dict[str, Any]]:
        mine = f"{self.config.prefix}:client:{client}"
        found: list[dict[str, Any]] = []
        listed: list[tuple[bytes, float]] = self.client.zrange(mine, 0, -1, withscores=True)  # type: ignore[assignment]
        for raw_id, submitted in listed:
            job_id = raw_id.decode()
            if not self.client.sismember(f"{self.job_key(job_id)}:wanted", client):
                continue
            values = self.fields(job_id, "kind", "status", "progress")  # not the result
            if values is None:  # expired
                self.client.zrem(mine, raw_id)
                continue
            kind, status, progress = (value or b"" for value in values)
            public = {
                "id": job_id,
                "kind": kind.decode(),
                "status": status.decode(),
                "progress": float(progress or 0),
            }
            found.append(summary(public, submitted))
        return found

    # -- the worker's side
    def start(self, job_id: str, attempt: int) -> bool:
        return bool(
            self._scripts["start"](
                keys=self._keys(job_id), args=[attempt, repr(time.time()), KEPT_PATCHES]
            )
        )

    def change(
        self, job_id: str, attempt: int, patch: bytes, fields: dict[str, Any]
    ) -> tuple[int, bool]:
        """Record a change (``patch`` b"": none, only ask): (revision or -1 when this
        attempt no longer runs the job, whether it was cancelled)."""
        pairs = [item for name_value in fields.items() for item in name_value]
        revision, cancel = self._scripts["change"](
            keys=self._keys(job_id), args=[attempt, KEPT_PATCHES, patch, *pairs]
        )
        return int(revision), cancel == b"1"

    def beat(self, job_id: str, attempt: int) -> None:
        self._scripts["beat"](keys=self._keys(job_id), args=[attempt, repr(time.time())])

    def finish(
        self,
        job_id: str,
        status: JobStatus,
        result: bytes = b"null",
        error: str | None = None,
        attempt: int | None = None,
        expect: str = "",
    ) -> bool:
        return bool(
            self._scripts["finish"](
                keys=self._keys(job_id),
                args=[
                    self.config.prefix,
                    job_id,
                    status,
                    result,
                    error or "",
                    int(self.config.ttl_s),
                    KEPT_PATCHES,
                    "" if attempt is None else attempt,
                    expect,
                ],
            )
        )

    def hand_back(self, job_id: str, attempt: int, queue: str) -> None:
        if self._scripts["hand_back"](
            keys=self._keys(job_id), args=[attempt, repr(time.time()), KEPT_PATCHES]
        ):
            self.enqueue(job_id, queue, attempt)

    def supervise(self) -> None:
        """Put back on the queue the running jobs whose worker went quiet (or fail those
        that lost their worker twice, or waited with no worker to take them)."""
        config = self.config
        live: list[bytes] = self.client.zrange(f"{config.prefix}:live", 0, -1)  # type: ignore[assignment]
        for raw_id in live:
            job_id = raw_id.decode()
            verdict = int(
                self._scripts["supervise"](
                    keys=self._keys(job_id),
                    args=[
                        repr(time.time()),
                        config.lost_after_s,
                        MAX_ATTEMPTS,
                        KEPT_PATCHES,
                        config.queue_timeout_s,
                    ],
                )
            )
            if verdict > 0:
                logger.warning("job %s lost its worker; queued again (attempt %d)", job_id, verdict)
                found = self.fields(job_id, "queue")
                if found is not None and found[0] is not None:
                    self.enqueue(job_id, found[0].decode(), verdict)
            elif verdict == -1:
                self.finish(
                    job_id,
                    "failed",
                    error=f"the worker running it stopped {MAX_ATTEMPTS} times (killed, or out "
                    "of memory); it is not tried again: choose smaller parameters",
                )
            elif verdict == -2:
                self.finish(
                    job_id,
                    "failed",
                    error=f"no worker took it within {config.queue_timeout_s:g} s: the "
                    "service has no worker running for it",
                    expect="queued",
                )


class Supervisor:
    """A daemon thread calling ``store.supervise()`` every second (web processes and
    workers each run one; the scripts are atomic, so they never act twice)."""

    def __init__(self, store: RedisJobStore) -> None:
        self._store, self._stop = store, threading.Event()
        self._thread = threading.Thread(target=self._run, name="descentlab-supervise", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SUPERVISE_EVERY_S):
            try:
                self._store.supervise()
            except redis.RedisError:
                logger.exception("supervising the jobs failed; trying again")

    def stop(self) -> None:
        self._stop.set()


@dataclass
class _Tail:
    """This process's reader of one job's event stream, shared by every client following
    it here: one Redis connection per followed job, not per client."""

    after: int  # the last revision read
    entries: deque[tuple[int, str, bytes]] = field(
        default_factory=lambda: deque(maxlen=KEPT_PATCHES)
    )  # (revision, "patch" or "whole", data)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    followers: int = 0
    task: "asyncio.Task[None] | None" = None


class RedisJobs:
    """The job backend over Redis (``JobBackend``): records in ``RedisJobStore``, work on
    RQ queues for ``descentlab worker`` processes."""

    def __init__(self, config: RedisJobSettings, queue_of: Callable[[str], str]) -> None:
        self.store = RedisJobStore(config)
        self._queue_of = queue_of
        self._supervisor = Supervisor(self.store)
        self._async = AsyncRedis(config.url)
        self._tails: dict[tuple[asyncio.AbstractEventLoop, str], _Tail] = {}

    def submit(
        self, kind: str, params: str, work: Work, owner: str = "", client: str = ""
    ) -> "Submitted":
        queue = self._queue_of(kind)
        job_id, status, detail = self.store.submit(kind, params, queue, owner, client)
        if status == "full":
            raise QueueFullError(int(detail))
        if status == "share":
            raise ShareUsedError(int(detail), self.store.config.share)
        if detail == "new":
            try:
                self.store.enqueue(job_id, queue, 1)
            except redis.RedisError as error:
                self.store.finish(job_id, "failed", error=f"could not be queued: {error}")
                raise
        return Submitted(job_id, status)

    def public(self, job_id: str) -> dict[str, Any] | None:
        return self.store.public(job_id)

    def cancel(self, job_id: str, client: str = "") -> dict[str, Any] | None:
        status, _ = self.store.cancel(job_id, client)
        if status == "gone":
            return None
        if status == "notyours":
            raise NotYoursError(job_id)
        return self.store.public(job_id)

    def mine(self, client: str) -> list[dict[str, Any]]:
        return self.store.mine(client)

    def shutdown(self) -> None:
        self._supervisor.stop()
        for task in [tail.task for tail in self._tails.values() if tail.task]:
            task.cancel()

    async def _snapshot(self, job_id: str) -> tuple[int, JobStatus, bytes] | None:
        return await asyncio.to_thread(self.store.encoded, job_id)

    async def events(
        self, job_id: str, heartbeat_s: float = 10.0, after: int | None = None
    ) -> AsyncIterator[JobEvent | None]:
        """As ``JobManager.events``, from the job's Redis stream: the whole job first (or,
        resuming ``after`` a revision, the patches since when they are still kept), then
        each change, until it finishes."""
        snapshot = await self._snapshot(job_id)
        if snapshot is None:
            return
        revision, status, document = snapshot
        seen = after if after is not None and 0 <= after <= revision else -1
        tail = self._follow(job_id, revision if seen < 0 else seen)
        try:
            whole = seen < 0
            while True:
                if whole:
                    snapshot = await self._snapshot(job_id)
                    if snapshot is None:
                        return
                    revision, status, document = snapshot
                    yield JobEvent("snapshot", revision, document, status)
                    if status in FINISHED:
                        return
                    seen, whole = revision, False
                changed = tail.changed
                new = [entry for entry in tail.entries if entry[0] > seen]
                if not new:
                    try:
                        await asyncio.wait_for(changed.wait(), timeout=heartbeat_s)
                    except TimeoutError:
                        yield None
                    continue
                if new[0][0] != seen + 1 or len(new) > MAX_PATCHES_AT_ONCE:
                    whole = True  # fell behind what is kept, or a burst: one render
                    continue
                for number, name, data in new:
                    if name == "whole":  # retried or finished: the job is read again
                        whole = True
                        break
                    yield JobEvent("patch", number, data, "running")
                    seen = number
        finally:
            self._unfollow(job_id, tail)

    def _follow(self, job_id: str, after: int) -> _Tail:
        key = (asyncio.get_running_loop(), job_id)
        tail = self._tails.get(key)
        if tail is None or tail.task is None or tail.task.done():
            tail = self._tails[key] = _Tail(after=after)
            tail.task = asyncio.create_task(self._read(job_id, tail))
        tail.followers += 1
        return tail

    def _unfollow(self, job_id: str, tail: _Tail) -> None:
        tail.followers -= 1
        if tail.followers == 0:
            if tail.task is not None:
                tail.task.cancel()
            key = (asyncio.get_running_loop(), job_id)
            if self._tails.get(key) is tail:
                del self._tails[key]

    async def _read(self, job_id: str, tail: _Tail) -> None:
        client, stream = self._async.client(), self.store.events_key(job_id)
        last = f"{tail.after}-1"
        while True:
            try:
                reply: Any = await client.xread({stream: last}, count=KEPT_PATCHES, block=5000)
            except redis.RedisError:
                logger.exception("reading job %s's events failed; trying again", job_id)
                await asyncio.sleep(1.0)
                continue
            for _, entries in reply or []:
                for entry_id, values in entries:
                    last = entry_id.decode()
                    number = int(last.split("-")[0])
                    if b"patch" in values:
                        tail.entries.append((number, "patch", values[b"patch"]))
                    else:
                        tail.entries.append((number, "whole", values[b"whole"]))
                    tail.after = number
            if reply:
                changed, tail.changed = tail.changed, asyncio.Event()
                changed.set()


@dataclass(frozen=True)
class Submitted:
    id: str
    status: str


# -- the worker's side: what ``run_job`` (called by RQ) runs against


@dataclass
class WorkerContext:
    """What this worker process runs jobs with: the store, how work is rebuilt from a job's
    kind and parameters, and whether the worker was asked to stop."""

    store: RedisJobStore
    work_of: Callable[[str, str], Work]
    stopping: threading.Event = field(default_factory=threading.Event)


_context: WorkerContext | None = None


def set_worker_context(context: WorkerContext) -> None:
    global _context
    _context = context


def run_job(job_id: str, attempt: int) -> None:
    """One job, as a worker runs it (RQ calls this): claim it for ``attempt``, run its work
    with progress recorded in Redis, record the outcome. A stale message (another attempt,
    a cancelled job) does nothing."""
    if _context is None:
        raise RuntimeError("run_job runs in a worker: descentlab worker")
    store, stopping = _context.store, _context.stopping
    values = store.fields(job_id, "kind", "params", "queue")
    if values is None or not store.start(job_id, attempt):
        return
    kind, params, queue = (value.decode() for value in values if value is not None)
    alive = threading.Event()

    def beat() -> None:  # a sign of life while the work runs (compiles included)
        while not alive.wait(BEAT_S):
            try:
                store.beat(job_id, attempt)
            except redis.RedisError:
                logger.exception("job %s: a heartbeat failed", job_id)

    beating = threading.Thread(target=beat, name="descentlab-beat", daemon=True)
    beating.start()
    started = time.monotonic()
    state: dict[str, Any] = {"progress": 0.0, "partial": None, "asked": 0.0, "stop": False}
    limit = store.config.time_limit_s

    def progress(fraction: float, partial: Any = None, /) -> None:
        if stopping.is_set():
            raise WorkerStoppingError
        check_time_limit(started, limit)
        before = state["progress"]
        state["progress"], ops = progress_changes(before, state["partial"], fraction, partial)
        fields: dict[str, Any] = {}
        if state["progress"] != before:
            fields["progress"] = repr(state["progress"])
        if partial is not None:
            state["partial"] = partial
            fields["partial"] = encode(partial)
        now = time.monotonic()
        if not ops and now - state["asked"] < CANCEL_CHECK_S:
            return
        state["asked"] = now
        revision, cancelled = store.change(job_id, attempt, encode(ops) if ops else b"", fields)
        if revision < 0:
            state["stop"] = True  # another attempt has it now, or it finished meanwhile
            raise JobCancelledError
        if cancelled:
            raise JobCancelledError

    try:
        work = _context.work_of(kind, params)
        outcome = run_work(work, progress, lambda: False)
        if outcome.status == "cancelled" and stopping.is_set():
            store.hand_back(job_id, attempt, queue)
            return
        if state["stop"]:
            return
        if outcome.status == "done":
            store.finish(job_id, "done", encode(outcome.result), attempt=attempt)
        else:
            store.finish(job_id, outcome.status, error=outcome.error, attempt=attempt)
    except Exception as error:  # rebuilding the work failed: the job says why
        store.finish(job_id, "failed", error=f"{type(error).__name__}: {error}", attempt=attempt)
    finally:
        alive.set()


class StoppableWorker(SimpleWorker):
    """RQ's non-forking worker; asked to stop (SIGTERM, SIGINT), it also tells the running
    job, which goes back on the queue at its next progress report instead of holding the
    stop for minutes."""

    def request_stop(self, signum: Any, frame: Any) -> None:
        if _context is not None:
            _context.stopping.set()
        super().request_stop(signum, frame)
