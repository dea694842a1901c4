"""Uploaded datasets shared through Redis (``DESCENTLAB_REDIS_URL``): a table uploaded to
one web process is found by every other and by the workers that train on it.

What is kept is the CSV as sent and how it was parsed (``UploadRecord``); each process
parses it again on first use (``from_csv`` is deterministic) and keeps its own copy in
``UPLOADS``. The record expires an hour after its last use anywhere."""

import json
from dataclasses import asdict
from typing import Any

import redis

from descentlab.core.nets.uploads import UploadRecord


class RedisUploads:
    """``UploadBacking`` on Redis."""

    def __init__(self, url: str, prefix: str) -> None:
        self._client = redis.Redis.from_url(url)
        self._prefix = prefix

    def _key(self, upload_id: str) -> str:
        return f"{self._prefix}:upload:{upload_id}"

    def save(self, upload_id: str, record: UploadRecord, ttl_s: float) -> None:
        self._client.set(self._key(upload_id), json.dumps(asdict(record)), ex=int(ttl_s))

    def load(self, upload_id: str, ttl_s: float) -> UploadRecord | None:
        found: Any = self._client.getex(self._key(upload_id), ex=int(ttl_s))
        return None if found is None else UploadRecord(**json.loads(found))

    def touch(self, upload_id: str, ttl_s: float) -> None:
        self._client.expire(self._key(upload_id), int(ttl_s))
