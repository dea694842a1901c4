"""An optional per-client rate limit: a token bucket per client, 429 when it is empty.

A class behind one school NAT shares one IP address, so the IP alone would throttle the
whole class as one user. The front end sends ``X-Client-Id``, a random id per browser
tab; the key is that id together with the IP (an id alone would let anyone borrow a
classmate's budget), or the IP alone when the header is missing or malformed. The id is
the client's own word: this keeps honest clients fair to each other, while the compute
limiter protects the machine from anyone who rotates ids.
Buckets live in a bounded LRU, so memory stays flat however many clients come.
"""

import math
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Receive, Scope, Send

from descentlab.api.clients import client_address, client_id
from descentlab.api.middleware.asgi import answer_problem

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


def client_key(scope: Scope) -> str:
    """The client's IP, with its ``X-Client-Id`` when it sent a well-formed one (or, for
    requests that cannot carry headers such as a browser's EventSource, ``?client_id=``)."""
    ip, sent = client_address(scope), client_id(scope)
    return f"{ip} {sent}" if sent else ip


class RateLimit:
    """Limits requests under /api/ (health excepted) per client; pages and files are free."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets) -> None:
        self.app, self.buckets = app, buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_key(scope))
        if wait == 0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        per_minute = int(self.buckets.capacity)
        detail = f"more than {per_minute} requests a minute from this client; retry in {retry} s"
        await answer_problem(scope, receive, send, 429, detail, {"Retry-After": str(retry)})
