"""Uploaded datasets shared through Redis (``DESCENTLAB_REDIS_URL``): a table uploaded to
one web process is found by every other and by the workers that train on it.

What is kept is the CSV as sent and how it was parsed (``UploadRecord``); each process
parses it again on first use (``from_csv`` is deterministic) and keeps its own copy in
``UPLOADS``. Redis holds as many tables as a process does (``CAPACITY``, the least recently
used going first), at most ``MAX_UPLOAD_BYTES`` each, each forgotten an hour after its last
use anywhere."""

import json
from dataclasses import asdict
from typing import Any

import redis

from descentlab.api.redis_lru import RedisLru
from descentlab.core.nets.uploads import CAPACITY, MAX_UPLOAD_BYTES, TTL_S, UploadRecord


class RedisUploads:
    """``UploadBacking`` on Redis."""

    def __init__(self, url: str, prefix: str, ttl_s: float = TTL_S) -> None:
        self._client = redis.Redis.from_url(url)
        # A record is the CSV (at most MAX_UPLOAD_BYTES) and a few settings.
        limit = CAPACITY * MAX_UPLOAD_BYTES
        self._store = RedisLru(prefix, "upload", limit, CAPACITY, int(ttl_s))

    def save(self, upload_id: str, record: UploadRecord) -> None:
        self._client.eval(*self._store.keep(upload_id, {"record": json.dumps(asdict(record))}))

    def load(self, upload_id: str) -> UploadRecord | None:
        (found,) = self._eval_lookup(upload_id)
        return None if found is None else UploadRecord(**json.loads(found))

    def touch(self, upload_id: str) -> None:
        self._eval_lookup(upload_id)

    def _eval_lookup(self, upload_id: str) -> Any:
        return self._client.eval(*self._store.lookup(upload_id, "record"))
