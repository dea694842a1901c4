"""A limit on interactive compute: a few requests run, a few wait, the rest hear 503 at once.

Without it, a class dragging sliders at the same moment builds a backlog that every later
request waits behind; with it, a request beyond the waiting room is told at once to come
back (``Retry-After``), and one that waited too long gives up, so latency stays bounded.
The handlers are plain ``def`` run in a thread pool: a slot is held from before the
handler starts until its response is sent.
"""

from collections import deque
from collections.abc import Collection

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from descentlab.api.middleware.asgi import answer_problem

RETRY_AFTER_S = 1  # the lab's requests take milliseconds: a slot frees up quickly


class ComputeBusyError(Exception):
    """No slot now and no room (or no more patience) to wait for one."""


class ComputeLimiter:
    """At most ``slots`` holders at once and ``queue`` waiters, each for at most ``wait_s``.

    Slots pass from a leaving holder straight to the longest waiter (first come, first
    served). Used from the event loop only, so it needs no lock.
    """

    def __init__(self, slots: int, queue: int, wait_s: float) -> None:
        self.slots, self.queue, self.wait_s = slots, queue, wait_s
        self.running = 0
        self._waiting: deque[anyio.Event] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def acquire(self) -> None:
        if self.running < self.slots and not self._waiting:
            self.running += 1
            return
        if len(self._waiting) >= self.queue:
            raise ComputeBusyError(
                f"the server is busy: {self.running} compute requests are running and "
                f"{len(self._waiting)} waiting; try again in {RETRY_AFTER_S} s"
            )
        turn = anyio.Event()
        self._waiting.append(turn)
        try:
            with anyio.move_on_after(self.wait_s):
                await turn.wait()
        except BaseException:  # cancelled while waiting: give back what we may hold
            self._leave(turn)
            raise
        if not turn.is_set():
            self._leave(turn)
            raise ComputeBusyError(f"the server is busy: waited {self.wait_s:g} s for a slot")

    def release(self) -> None:
        if self._waiting:
            self._waiting.popleft().set()  # the slot changes hands; running stays
        else:
            self.running -= 1

    def _leave(self, turn: anyio.Event) -> None:
        if turn.is_set():
            self.release()  # handed a slot just as we gave up: pass it on
        else:
            self._waiting.remove(turn)


class ComputeLimit:
    """Runs requests to ``paths`` (by ``method``) under a ``ComputeLimiter``."""

    def __init__(
        self, app: ASGIApp, limiter: ComputeLimiter, paths: Collection[str], method: str = "POST"
    ) -> None:
        self.app, self.limiter = app, limiter
        self.paths, self.method = frozenset(paths), method

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (
            scope["type"] == "http"
            and scope["method"] == self.method
            and scope["path"] in self.paths
        ):
            await self.app(scope, receive, send)
            return
        # The body first (bounded by the body-size limit before this), so that while the
        # request waits for a slot the only message left to come is the client leaving.
        body: list[Message] = []
        while not body or body[-1].get("more_body", False):
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.append(message)
        try:
            if not await self._slot_unless_gone(receive):
                return  # the client went away while waiting: its work never starts
        except ComputeBusyError as busy:
            retry = {"Retry-After": str(RETRY_AFTER_S)}
            await answer_problem(scope, receive, send, 503, str(busy), retry)
            return

        async def replay() -> Message:
            return body.pop(0) if body else await receive()

        try:
            await self.app(scope, replay, send)
        finally:
            self.limiter.release()

    async def _slot_unless_gone(self, receive: Receive) -> bool:
        """Wait for a slot; False (holding none) if the client disconnects meanwhile.
        Raises ComputeBusyError as ``acquire`` does."""
        gone, acquired = False, False
        busy: ComputeBusyError | None = None
        async with anyio.create_task_group() as group:

            async def watch() -> None:
                nonlocal gone
                while (await receive())["type"] != "http.disconnect":
                    pass
                gone = True
                group.cancel_scope.cancel()

            group.start_soon(watch)
            try:
                await self.limiter.acquire()  # cancelled (leaving the queue) if gone
                acquired = True
            except ComputeBusyError as error:
                busy = error
            group.cancel_scope.cancel()  # stop watching: the handler reads from here on
        if busy is not None:
            raise busy
        if gone and acquired:  # both at once: the slot goes back
            self.limiter.release()
        return acquired and not gone
