"""What the middlewares share: reading a request body once, handing it on, answering a problem.

The middlewares are plain ASGI (not Starlette's ``BaseHTTPMiddleware``), so responses
stream through them untouched: the experiments' server-sent events keep flowing.
"""

from collections.abc import Mapping

from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope, Send

from descentlab.api.errors import problem


class BodyTooLargeError(Exception):
    """The request body passed the limit (it was not read further)."""


async def read_body(receive: Receive, limit: int | None = None) -> bytes:
    """The whole request body, counting bytes as they arrive (so chunked bodies count too).

    Raises ``BodyTooLargeError`` as soon as more than ``limit`` bytes came, and
    ``ClientDisconnect`` if the client went away first.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then defers to the real one (disconnects)."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def answer_problem(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Send a problem+json response from a middleware (the app is never called)."""
    response = problem(status, detail)
    response.headers.update(headers or {})
    await response(scope, receive, send)
