"""With Redis configured, web processes share the rate limit and the response cache: two
apps here (as two replicas would be) on one real Redis, each under its own key prefix."""

import itertools
import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import redis
from fastapi.testclient import TestClient

from bench.server import free_port
from descentlab.api.app import create_app
from descentlab.api.redis_lru import RedisLru
from descentlab.api.settings import Settings
from tests.api.conftest import grid_request

PER_MINUTE = 3
_prefixes = itertools.count()


def replicas(count: int, **settings: object) -> Iterator[list[TestClient]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                TestClient(create_app(Settings(warmup=False, compilation_cache_dir="", **settings)))  # type: ignore[arg-type]
            )
            for _ in range(count)
        ]


@pytest.fixture
def shared(redis_url: str) -> Iterator[list[TestClient]]:
    """Two replicas on one Redis, with a rate limit."""
    settings = {
        "redis_url": redis_url,
        "redis_prefix": f"shared{next(_prefixes)}",
        "rate_limit_per_minute": PER_MINUTE,
    }
    yield from replicas(2, **settings)


def test_replicas_share_one_rate_limit(shared: list[TestClient]) -> None:
    first, second = shared
    tab = {"X-Client-Id": "tab-1"}
    answers = [
        (first if turn % 2 else second).get("/api/surfaces", headers=tab).status_code
        for turn in range(PER_MINUTE + 1)
    ]
    assert answers == [200] * PER_MINUTE + [429], "N replicas must not allow N limits"
    refused = first.get("/api/surfaces", headers=tab)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 60 / PER_MINUTE + 1
    assert second.get("/api/surfaces", headers={"X-Client-Id": "tab-2"}).status_code == 200


def test_without_redis_each_replica_counts_alone() -> None:
    """The control: the same two apps without Redis allow the limit each."""
    for first, second in replicas(2, rate_limit_per_minute=PER_MINUTE):
        tab = {"X-Client-Id": "tab-1"}
        answers = [
            (first if turn % 2 else second).get("/api/surfaces", headers=tab).status_code
            for turn in range(2 * PER_MINUTE)
        ]
        assert answers == [200] * (2 * PER_MINUTE)


def test_replicas_share_the_response_cache(shared: list[TestClient]) -> None:
    first, second = shared
    body = grid_request(resolution=9)
    computed = first.post("/api/grid", json=body, headers={"X-Client-Id": "tab-a"})
    assert computed.status_code == 200 and computed.headers["x-cache"] == "miss"
    served = second.post("/api/grid", json=body, headers={"X-Client-Id": "tab-b"})
    assert served.headers["x-cache"] == "hit"
    assert served.content == computed.content
    assert served.headers["content-type"] == computed.headers["content-type"]


def test_an_unreachable_redis_is_a_503_for_jobs_and_no_limit_for_the_rest() -> None:
    """Redis restarting: the job routes say so (503, Retry-After), never a 500; requests
    that only count against the rate limit or look in the cache still get their answer."""
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    for (lab,) in replicas(1, redis_url=nowhere, rate_limit_per_minute=PER_MINUTE):
        submitted = lab.post("/api/experiments", json={"kind": "train"})
        assert submitted.status_code == 503
        assert submitted.headers["content-type"] == "application/problem+json"
        assert int(submitted.headers["retry-after"]) > 0
        assert lab.get("/api/experiments/some-id").status_code == 503
        assert lab.post("/api/grid", json=grid_request(resolution=8)).status_code == 200


def test_the_shared_store_keeps_within_its_entries_and_bytes(redis_url: str) -> None:
    """The bound every shared store has (cached responses, uploads), Redis's own memory
    settings aside: the least recently used go first, a look-up counts as a use, and an
    expired entry leaves the count."""
    client = redis.Redis.from_url(redis_url)
    store = RedisLru(f"lru{next(_prefixes)}", "t", max_bytes=100, max_entries=3, ttl_s=0)
    total = f"{store.prefix}:t:total"

    def held() -> list[str]:
        members = client.zrange(f"{store.prefix}:t:index", 0, -1)
        return sorted(member.decode() for member in members)

    for name in "abc":
        client.eval(*store.keep(name, {"body": name * 20}))
    assert held() == ["a", "b", "c"] and int(client.get(total)) == 60
    assert client.eval(*store.lookup("a", "body")) == [b"a" * 20]  # a is now the newest
    client.eval(*store.keep("d", {"body": "d" * 20}))  # a 4th entry: b, the oldest, goes
    assert held() == ["a", "c", "d"]
    assert client.eval(*store.lookup("b", "body")) == [None]
    client.eval(*store.keep("e", {"body": "e" * 70}))  # 130 bytes: c, then a go
    assert held() == ["d", "e"] and int(client.get(total)) == 90
    client.eval(*store.keep("e", {"body": "e" * 10}))  # replaced: counted once
    assert int(client.get(total)) == 30
    assert not client.exists(f"{store.prefix}:t:entry:c")

    expiring = RedisLru(store.prefix, "x", max_bytes=100, max_entries=3, ttl_s=1)
    client.eval(*expiring.keep("gone", {"body": "g" * 10}))
    client.pexpire(f"{store.prefix}:x:entry:gone", 1)
    time.sleep(0.05)
    assert client.eval(*expiring.lookup("gone", "body")) == [None]
    assert int(client.get(f"{store.prefix}:x:total")) == 0


def test_the_shared_response_cache_is_bounded_like_the_local_one(redis_url: str) -> None:
    prefix = f"cache{next(_prefixes)}"
    for (lab,) in replicas(1, redis_url=redis_url, redis_prefix=prefix, response_cache_entries=2):
        bodies = [grid_request(resolution=size) for size in (8, 9, 10)]
        for body in bodies:
            assert lab.post("/api/grid", json=body).headers["x-cache"] == "miss"
        assert lab.post("/api/grid", json=bodies[2]).headers["x-cache"] == "hit"
        assert lab.post("/api/grid", json=bodies[0]).headers["x-cache"] == "miss"  # evicted
    held = redis.Redis.from_url(redis_url).zcard(f"{prefix}:cache:index")
    assert held == 2
