"""Token buckets per client (on a frozen clock) and the key that tells clients apart."""

from collections.abc import Iterator
from typing import Any

import pytest

from descentlab.api.middleware import rate_limit
from descentlab.api.middleware.rate_limit import TokenBuckets, client_key


class Clock:
    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    frozen = Clock()
    monkeypatch.setattr(rate_limit, "now", frozen)
    yield frozen


def test_a_full_minute_of_requests_then_a_wait_for_the_next_token(clock: Clock) -> None:
    buckets = TokenBuckets(per_minute=6)  # a token every 10 s
    assert [buckets.take("a") for _ in range(6)] == [0.0] * 6
    assert buckets.take("a") == pytest.approx(10.0)
    clock.seconds += 4
    assert buckets.take("a") == pytest.approx(6.0)  # 0.4 of a token came back meanwhile
    clock.seconds += 6
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0


def test_refill_stops_at_one_minutes_worth(clock: Clock) -> None:
    buckets = TokenBuckets(per_minute=3)
    buckets.take("a")
    clock.seconds += 3600  # an hour idle
    assert [buckets.take("a") for _ in range(3)] == [0.0] * 3
    assert buckets.take("a") > 0


def test_clients_have_separate_buckets(clock: Clock) -> None:
    buckets = TokenBuckets(per_minute=1)
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    assert buckets.take("b") == 0.0


def test_memory_is_bounded_by_forgetting_the_least_recent_client(clock: Clock) -> None:
    buckets = TokenBuckets(per_minute=1, max_clients=2)
    for key in ("a", "b"):
        buckets.take(key)
    buckets.take("a")  # "a" is now the most recent; "b" the least
    buckets.take("c")
    assert len(buckets) == 2
    assert buckets.take("b") == 0.0  # forgotten, so it starts full again
    assert buckets.take("c") > 0  # still remembered (and empty)


def scope(client_id: str | None, ip: str | None = "10.0.0.7") -> dict[str, Any]:
    headers = [] if client_id is None else [(b"x-client-id", client_id.encode())]
    return {"type": "http", "headers": headers, "client": None if ip is None else (ip, 5000)}


def test_the_key_is_the_ip_with_a_well_formed_client_id() -> None:
    uuid = "3f2b8c1e-9d4a-4f6b-8e2a-1c7d5e9f0a3b"
    assert client_key(scope(uuid)) == f"10.0.0.7 {uuid}"
    assert client_key(scope(uuid)) != client_key(scope(uuid, ip="10.0.0.8"))
    assert client_key(scope("other")) != client_key(scope(uuid))


@pytest.mark.parametrize("client_id", [None, "", "x" * 65, "a b", "ümlaut", "a;b", "../etc"])
def test_a_missing_or_malformed_client_id_falls_back_to_the_ip(client_id: str | None) -> None:
    assert client_key(scope(client_id)) == "10.0.0.7"


def test_a_request_without_a_peer_address_still_has_a_key() -> None:
    assert client_key(scope(None, ip=None)) == "unknown"


def test_an_event_stream_names_its_client_in_the_query() -> None:
    """EventSource cannot set headers: ``?client_id=`` stands in, the header wins."""
    uuid = "3f2b8c1e-9d4a-4f6b-8e2a-1c7d5e9f0a3b"
    stream = {**scope(None), "query_string": f"client_id={uuid}".encode()}
    assert client_key(stream) == f"10.0.0.7 {uuid}"
    both = {**scope("from-header"), "query_string": f"client_id={uuid}".encode()}
    assert client_key(both) == "10.0.0.7 from-header"
    malformed = {**scope(None), "query_string": b"client_id=a%20b"}
    assert client_key(malformed) == "10.0.0.7"
