"""The compute limiter: slots, a bounded first-come-first-served queue, a wait limit.

Each scenario runs on an event loop and synchronizes with ``wait_all_tasks_blocked``
(every task is parked), never with sleeps.
"""

from collections.abc import Awaitable, Callable

import anyio
import pytest
from starlette.types import Message, Receive, Scope, Send

from descentlab.api.middleware.compute_limit import ComputeBusyError, ComputeLimit, ComputeLimiter


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    anyio.run(scenario)


def test_slots_fill_then_the_queue_then_requests_are_refused_at_once() -> None:
    async def scenario() -> None:
        limiter = ComputeLimiter(slots=2, queue=1, wait_s=60)
        await limiter.acquire()
        await limiter.acquire()
        served: list[str] = []

        async def waiter() -> None:
            await limiter.acquire()
            served.append("waiter")

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(waiter)
            await anyio.wait_all_tasks_blocked()
            assert (limiter.running, limiter.waiting, served) == (2, 1, [])
            with pytest.raises(ComputeBusyError, match="2 compute requests are running and 1"):
                await limiter.acquire()
            limiter.release()  # the waiter takes this slot
        assert served == ["waiter"]
        assert (limiter.running, limiter.waiting) == (2, 0)
        limiter.release()
        limiter.release()
        assert limiter.running == 0

    run(scenario)


def test_waiters_are_served_in_arrival_order() -> None:
    async def scenario() -> None:
        limiter = ComputeLimiter(slots=1, queue=3, wait_s=60)
        await limiter.acquire()
        served: list[int] = []

        async def waiter(number: int) -> None:
            await limiter.acquire()
            served.append(number)

        async with anyio.create_task_group() as tasks:
            for number in (1, 2, 3):
                tasks.start_soon(waiter, number)
                await anyio.wait_all_tasks_blocked()  # queued before the next one starts
            for _ in range(3):
                limiter.release()
                await anyio.wait_all_tasks_blocked()
        assert served == [1, 2, 3]
        assert (limiter.running, limiter.waiting) == (1, 0)

    run(scenario)


def test_queue_of_zero_refuses_as_soon_as_the_slots_are_taken() -> None:
    async def scenario() -> None:
        limiter = ComputeLimiter(slots=1, queue=0, wait_s=60)
        await limiter.acquire()
        with pytest.raises(ComputeBusyError, match="try again"):
            await limiter.acquire()
        limiter.release()
        await limiter.acquire()  # free again

    run(scenario)


def test_a_waiter_gives_up_after_the_wait_limit_and_leaks_nothing() -> None:
    async def scenario() -> None:
        limiter = ComputeLimiter(slots=1, queue=1, wait_s=0.01)
        await limiter.acquire()  # held for the whole wait
        with pytest.raises(ComputeBusyError, match=r"waited 0\.01 s"):
            await limiter.acquire()
        assert (limiter.running, limiter.waiting) == (1, 0)
        limiter.release()
        assert limiter.running == 0

    run(scenario)


def test_a_cancelled_waiter_leaves_the_queue() -> None:
    async def scenario() -> None:
        limiter = ComputeLimiter(slots=1, queue=2, wait_s=60)
        await limiter.acquire()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(limiter.acquire)
            await anyio.wait_all_tasks_blocked()
            assert limiter.waiting == 1
            tasks.cancel_scope.cancel()
        assert (limiter.running, limiter.waiting) == (1, 0)
        limiter.release()
        assert limiter.running == 0

    run(scenario)


def test_a_slot_handed_to_a_waiter_as_it_is_cancelled_comes_back() -> None:
    async def scenario() -> None:
        limiter = ComputeLimiter(slots=1, queue=1, wait_s=60)
        await limiter.acquire()

        async def request() -> None:  # what the middleware does with a slot
            await limiter.acquire()
            try:
                await anyio.sleep_forever()
            finally:
                limiter.release()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(request)
            await anyio.wait_all_tasks_blocked()
            limiter.release()  # hands the slot to the waiter...
            tasks.cancel_scope.cancel()  # ...which is cancelled before it runs again
        assert (limiter.running, limiter.waiting) == (0, 0)

    run(scenario)


def test_a_request_whose_client_leaves_while_waiting_never_runs_and_holds_nothing() -> None:
    async def scenario() -> None:
        limiter = ComputeLimiter(slots=1, queue=4, wait_s=60)
        release_first = anyio.Event()
        served: list[bytes] = []

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            message = await receive()
            served.append(message["body"])
            if message["body"] == b"first":
                await release_first.wait()

        middleware = ComputeLimit(app, limiter, {"/api/grid"})
        scope = {"type": "http", "method": "POST", "path": "/api/grid"}

        def client(body: bytes, leaves: anyio.Event | None = None) -> Receive:
            messages = [{"type": "http.request", "body": body, "more_body": False}]

            async def receive() -> Message:
                if messages:
                    return messages.pop(0)
                if leaves is not None:
                    await leaves.wait()
                    return {"type": "http.disconnect"}
                await anyio.sleep_forever()
                raise AssertionError("unreachable")

            return receive

        async def nothing(message: Message) -> None:
            pass

        leaves = anyio.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(middleware, scope, client(b"first"), nothing)
            await anyio.wait_all_tasks_blocked()
            group.start_soon(middleware, scope, client(b"second", leaves), nothing)
            group.start_soon(middleware, scope, client(b"third"), nothing)
            await anyio.wait_all_tasks_blocked()
            assert (limiter.running, limiter.waiting) == (1, 2)
            leaves.set()  # the second client goes away while it waits
            await anyio.wait_all_tasks_blocked()
            assert (limiter.running, limiter.waiting) == (1, 1)
            release_first.set()
        assert served == [b"first", b"third"]  # the third's body reached its handler intact
        assert (limiter.running, limiter.waiting) == (0, 0)

    run(scenario)
