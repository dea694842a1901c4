"""Identical compute requests answered from memory: a small LRU of successful responses.

Every learner who opens the same lesson asks for the same grid and the same race; only
the first computes it. The key is the path, query and content type plus the body's JSON
re-serialized with sorted keys, parsed by the same ``json`` module FastAPI uses, so two
bodies share an entry only when the app would see the same values. Only 200 responses
are kept. While an identical request is being computed, later ones wait for it instead
of computing it again, then read the cache. A hit skips the compute limiter.
``X-Cache: hit`` or ``miss`` says which happened.

With Redis configured the entries live there (``RedisResponseCache``), shared by every web
process, within the same bounds (``redis_lru.py``).
"""

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

import anyio
import redis
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from descentlab.api.middleware.asgi import read_body, replay
from descentlab.api.redis_connection import AsyncRedis
from descentlab.api.redis_lru import RedisLru

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedResponse:
    content_type: bytes
    body: bytes


class ResponseCache:
    """LRU bounded by entries and by total body bytes; one body may use a quarter of that."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.size = 0  # body bytes held
        self._entries: OrderedDict[str, CachedResponse] = OrderedDict()

    @property
    def max_entry_bytes(self) -> int:
        return self.max_bytes // 4

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: CachedResponse) -> None:
        if self.max_entries == 0 or len(entry.body) > self.max_entry_bytes:
            return
        old = self._entries.pop(key, None)
        self.size -= 0 if old is None else len(old.body)
        self._entries[key] = entry
        self.size += len(entry.body)
        while len(self._entries) > self.max_entries or self.size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size -= len(evicted.body)

    async def lookup(self, key: str) -> CachedResponse | None:
        return self.get(key)

    async def keep(self, key: str, entry: CachedResponse) -> None:
        self.put(key, entry)


class RedisResponseCache:
    """The cache in Redis, bounded like ``ResponseCache`` (entries, bytes, a quarter of
    them at most for one body). If Redis does not answer, the request is computed (and it
    is logged)."""

    def __init__(self, redis_url: str, prefix: str, max_entries: int, max_bytes: int) -> None:
        self.max_entry_bytes = max_bytes // 4
        self._redis = AsyncRedis(redis_url)
        self._store = RedisLru(prefix, "cache", max_bytes, max_entries)

    async def lookup(self, key: str) -> CachedResponse | None:
        try:
            content_type, body = await self._redis.client().eval(
                *self._store.lookup(key, "type", "body")
            )
        except redis.RedisError:
            logger.exception("the shared response cache is unreachable")
            return None
        return None if body is None else CachedResponse(content_type or b"", body)

    async def keep(self, key: str, entry: CachedResponse) -> None:
        if len(entry.body) > self.max_entry_bytes:
            return
        fields = {"type": entry.content_type, "body": entry.body}
        try:
            await self._redis.client().eval(*self._store.keep(key, fields))
        except redis.RedisError:
            logger.exception("the shared response cache is unreachable")


class Cache(Protocol):
    @property
    def max_entry_bytes(self) -> int: ...

    async def lookup(self, key: str) -> CachedResponse | None: ...

    async def keep(self, key: str, entry: CachedResponse) -> None: ...


def request_key(scope: Scope, body: bytes) -> str:
    """SHA-256 of what decides the response: path, query, content type, body values."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):  # not JSON: the app will say so; key by the bytes
        canonical = body
    content_type = Headers(scope=scope).get("content-type", "").lower().encode()
    digest = hashlib.sha256()
    for part in (scope["path"].encode(), scope.get("query_string", b""), content_type):
        digest.update(part + b"\n")
    digest.update(canonical)
    return digest.hexdigest()


class CachedResponses:
    """Serves repeated POSTs to ``paths`` from a ``ResponseCache``."""

    def __init__(self, app: ASGIApp, cache: Cache, paths: Collection[str]) -> None:
        self.app, self.cache, self.paths = app, cache, frozenset(paths)
        self._pending: dict[str, anyio.Event] = {}  # key → set when its computation ends

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (
            scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.paths
        ):
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(receive)  # already bounded by BodySizeLimit
        except ClientDisconnect:
            return
        key = request_key(scope, body)
        while True:
            while (pending := self._pending.get(key)) is not None:
                await pending.wait()
            hit = await self.cache.lookup(key)  # (in Redis: other requests run meanwhile)
            if hit is not None:
                await _send_cached(hit, send)
                return
            if key not in self._pending:  # still no one computing it: this request will
                break
        self._pending[key] = done = anyio.Event()
        try:
            await self._compute(scope, replay(body, receive), send, key)
        finally:
            del self._pending[key]
            done.set()

    async def _compute(self, scope: Scope, receive: Receive, send: Send, key: str) -> None:
        status, content_type = 0, b""
        chunks: list[bytes] | None = []  # None once the body is too large to keep
        size = 0

        async def record(message: Message) -> None:
            nonlocal status, content_type, chunks, size
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                content_type = headers.get("content-type", "").encode("latin-1")
                headers["X-Cache"] = "miss"
            elif message["type"] == "http.response.body" and chunks is not None:
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.cache.max_entry_bytes:
                    chunks = None
                else:
                    chunks.append(chunk)
            await send(message)

        await self.app(scope, receive, record)
        if status == 200 and chunks is not None:
            await self.cache.keep(key, CachedResponse(content_type, b"".join(chunks)))


async def _send_cached(entry: CachedResponse, send: Send) -> None:
    headers = [
        (b"content-type", entry.content_type),
        (b"content-length", str(len(entry.body)).encode()),
        (b"x-cache", b"hit"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": entry.body, "more_body": False})
