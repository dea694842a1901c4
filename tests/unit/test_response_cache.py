"""The response cache: LRU bounds, which bodies share a key, and one computation per key."""

from typing import Any

import anyio
import pytest
from starlette.types import Message, Receive, Scope, Send

from descentlab.api.middleware.response_cache import (
    CachedResponse,
    CachedResponses,
    ResponseCache,
    request_key,
)


def entry(size: int) -> CachedResponse:
    return CachedResponse(b"application/json", b"x" * size)


def test_least_recently_used_entries_go_first() -> None:
    cache = ResponseCache(max_entries=2, max_bytes=1000)
    cache.put("a", entry(1))
    cache.put("b", entry(1))
    assert cache.get("a") is not None  # "b" is now the least recent
    cache.put("c", entry(1))
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (entry(1), None, entry(1))


def test_total_bytes_are_bounded() -> None:
    cache = ResponseCache(max_entries=100, max_bytes=1000)
    for key in "abcde":
        cache.put(key, entry(250))
    assert cache.size == 1000
    assert len(cache) == 4
    assert cache.get("a") is None
    cache.put("e", entry(100))  # replacing an entry counts only the new body
    assert cache.size == 850


def test_a_body_over_a_quarter_of_the_budget_is_not_kept() -> None:
    cache = ResponseCache(max_entries=100, max_bytes=1000)
    cache.put("small", entry(10))
    cache.put("big", entry(251))
    assert cache.get("big") is None
    assert cache.get("small") is not None
    assert cache.size == 10


def test_zero_entries_keeps_nothing() -> None:
    cache = ResponseCache(max_entries=0, max_bytes=1000)
    cache.put("a", entry(1))
    assert (len(cache), cache.size) == (0, 0)


def scope(path: str = "/api/grid", content_type: str = "application/json") -> dict[str, Any]:
    headers = [(b"content-type", content_type.encode())] if content_type else []
    return {"type": "http", "method": "POST", "path": path, "query_string": b"", "headers": headers}


def key(body: bytes, **scope_fields: Any) -> str:
    return request_key(scope(**scope_fields), body)


def test_bodies_with_the_same_values_share_a_key() -> None:
    assert key(b'{"a": 1, "b": [0.5, 2]}') == key(b'{"b":[0.50,2],\n"a":1}')
    assert key(b'{"a": 1, "a": 2}') == key(b'{"a": 2}')  # the last duplicate wins, as in json


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (b'{"a": 1}', b'{"a": 1.0}'),  # an int and a float may validate differently
        (b'{"a": NaN}', b'{"a": null}'),
        (b'{"a": 1e400}', b'{"a": null}'),
        (b'{"a": "x"}', b'{"a": "X"}'),
        (b"not json", b"not  json"),
    ],
)
def test_bodies_the_app_could_treat_differently_have_different_keys(
    first: bytes, second: bytes
) -> None:
    assert key(first) != key(second)


def test_path_and_content_type_are_part_of_the_key() -> None:
    body = b'{"a": 1}'
    assert key(body) != key(body, path="/api/analyze")
    assert key(body) != key(body, content_type="text/plain")


def test_identical_requests_at_once_compute_once() -> None:
    """The second request waits for the first one's computation, then reads the cache."""
    calls: list[bytes] = []

    async def scenario() -> list[list[Message]]:
        release = anyio.Event()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            calls.append((await receive())["body"])
            await release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b'{"z": 1}'})

        middleware = CachedResponses(app, ResponseCache(8, 1000), paths={"/api/grid"})
        sent: list[list[Message]] = [[], []]

        async def request(number: int, body: bytes) -> None:
            async def receive() -> Message:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: Message) -> None:
                sent[number].append(message)

            await middleware(scope(), receive, send)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(request, 0, b'{"a": 1, "b": 2}')
            await anyio.wait_all_tasks_blocked()
            tasks.start_soon(request, 1, b'{"b": 2, "a": 1}')
            await anyio.wait_all_tasks_blocked()
            assert len(calls) == 1  # the second is waiting, not computing
            release.set()
        return sent

    first, second = anyio.run(scenario)
    assert calls == [b'{"a": 1, "b": 2}']
    assert dict(first[0]["headers"])[b"x-cache"] == b"miss"
    assert dict(second[0]["headers"])[b"x-cache"] == b"hit"
    assert first[1]["body"] == second[1]["body"] == b'{"z": 1}'


class SlowCache(ResponseCache):
    """A cache whose look-ups yield to other tasks, as one in Redis does."""

    async def lookup(self, key: str) -> CachedResponse | None:
        await anyio.sleep(0)
        return self.get(key)


def test_identical_requests_at_once_compute_once_with_a_cache_that_yields() -> None:
    """Many identical requests arriving together while the look-up awaits: one computes,
    the others wait for it and read the cache; none fails."""
    calls: list[bytes] = []

    async def scenario() -> list[list[Message]]:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            calls.append((await receive())["body"])
            await anyio.sleep(0.01)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b'{"z": 2}'})

        middleware = CachedResponses(app, SlowCache(8, 1000), paths={"/api/grid"})
        sent: list[list[Message]] = [[] for _ in range(8)]

        async def request(number: int) -> None:
            async def receive() -> Message:
                return {"type": "http.request", "body": b'{"a": 1}', "more_body": False}

            async def send(message: Message) -> None:
                sent[number].append(message)

            await middleware(scope(), receive, send)

        async with anyio.create_task_group() as tasks:
            for number in range(8):
                tasks.start_soon(request, number)
        return sent

    answers = anyio.run(scenario)
    assert len(calls) == 1
    assert all(answer[-1]["body"] == b'{"z": 2}' for answer in answers)
    caches = sorted(dict(answer[0]["headers"])[b"x-cache"] for answer in answers)
    assert caches == [b"hit"] * 7 + [b"miss"]
