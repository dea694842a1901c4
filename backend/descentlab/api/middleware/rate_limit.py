"""An optional per-client rate limit: a token bucket per client, 429 when it is empty.

A class behind one school NAT shares one IP address, so the IP alone would throttle the
whole class as one user. The front end sends ``X-Client-Id``, a random id per browser
tab; the key is that id together with the IP (an id alone would let anyone borrow a
classmate's budget), or the IP alone when the header is missing or malformed. The id is
the client's own word: this keeps honest clients fair to each other, while the compute
limiter protects the machine from anyone who rotates ids.
Buckets live in a bounded LRU, so memory stays flat however many clients come; with
Redis configured, in Redis (``RedisTokenBuckets``), so N web processes allow one limit,
not N of them.
"""

import hashlib
import logging
import math
import time
from collections import OrderedDict
from typing import Protocol

import redis
from starlette.types import ASGIApp, Receive, Scope, Send

from descentlab.api.clients import client_address, client_id
from descentlab.api.middleware.asgi import answer_problem
from descentlab.api.redis_connection import AsyncRedis

logger = logging.getLogger(__name__)

MAX_CLIENTS = 10_000  # buckets kept; the least recently seen is forgotten (refilled) first
EXEMPT_PATHS = frozenset({"/api/health"})


def now() -> float:
    """Seconds on a monotonic clock (looked up at each call, so tests can freeze it)."""
    return time.monotonic()


class TokenBuckets:
    """Each key may spend ``per_minute`` requests a minute, in bursts up to that many."""

    def __init__(self, per_minute: int, max_clients: int = MAX_CLIENTS) -> None:
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, when

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Spend a token for ``key``: 0 if there was one, else seconds until there is."""
        at = now()
        tokens, then = self._buckets.pop(key, (self.capacity, at))
        tokens = min(self.capacity, tokens + (at - then) * self.per_second)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.per_second
        self._buckets[key] = (tokens, at)
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    async def spend(self, key: str) -> float:
        return self.take(key)


# KEYS: the bucket. ARGV: capacity, tokens per second. Redis's own clock, so every web
# process agrees; a bucket left alone until full is forgotten (expires).
_TAKE = """
local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call("TIME")
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1e6
local bucket = redis.call("HMGET", KEYS[1], "tokens", "at")
local tokens, at = tonumber(bucket[1]) or capacity, tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "at", tostring(now))
redis.call("EXPIRE", KEYS[1], math.ceil(capacity / rate) + 1)
return tostring(wait)
"""


class RedisTokenBuckets:
    """``TokenBuckets`` shared through Redis by every web process. If Redis does not
    answer, requests pass (the compute limiter still guards the machine) and it is logged."""

    def __init__(self, per_minute: int, redis_url: str, prefix: str) -> None:
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60
        self._redis, self._prefix = AsyncRedis(redis_url), prefix

    async def spend(self, key: str) -> float:
        bucket = f"{self._prefix}:rate:{hashlib.sha256(key.encode()).hexdigest()}"
        try:
            wait = await self._redis.client().eval(_TAKE, 1, bucket, self.capacity, self.per_second)
        except redis.RedisError:
            logger.exception("the shared rate limit is unreachable; letting the request pass")
            return 0.0
        return float(wait)


class Buckets(Protocol):
    capacity: float

    async def spend(self, key: str) -> float:
        """Spend a token for ``key``: 0 if there was one, else seconds until there is."""
        ...


def client_key(scope: Scope) -> str:
    """The client's IP, with its ``X-Client-Id`` when it sent a well-formed one (or, for
    requests that cannot carry headers such as a browser's EventSource, ``?client_id=``)."""
    ip, sent = client_address(scope), client_id(scope)
    return f"{ip} {sent}" if sent else ip


class RateLimit:
    """Limits requests under /api/ (health excepted) per client; pages and files are free."""

    def __init__(self, app: ASGIApp, buckets: Buckets) -> None:
        self.app, self.buckets = app, buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        wait = await self.buckets.spend(client_key(scope))
        if wait == 0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        per_minute = int(self.buckets.capacity)
        detail = f"more than {per_minute} requests a minute from this client; retry in {retry} s"
        await answer_problem(scope, receive, send, 429, detail, {"Retry-After": str(retry)})
