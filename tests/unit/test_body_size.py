"""The body limit refuses early: a declared length unread, a chunked body at the crossing."""

import json
from typing import Any

import anyio
from starlette.types import Message, Receive, Scope, Send

from descentlab.api.middleware.body_size import BodySizeLimit

LIMIT = 100


class Chunks:
    """A client's body, arriving in chunks; counts how many the server asked for."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks, self.read = chunks, 0

    async def __call__(self) -> Message:
        chunk = self.chunks[self.read]
        self.read += 1
        return {"type": "http.request", "body": chunk, "more_body": self.read < len(self.chunks)}


def call(headers: dict[str, str], receive: Chunks) -> tuple[list[Message], list[bytes]]:
    """Run the middleware around an app that reads the whole body; (sent, bodies seen)."""
    seen: list[bytes] = []
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        assert not message.get("more_body", False)  # the body comes in one piece
        seen.append(message["body"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "path": "/api/grid",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    anyio.run(BodySizeLimit(app, max_bytes=LIMIT), scope, receive, send)
    return sent, seen


def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    body = Chunks(b"x" * 101)
    sent, seen = call({"content-length": "101"}, body)
    assert sent[0]["status"] == 413
    assert body.read == 0
    assert seen == []
    problem = json.loads(sent[1]["body"])
    assert problem["status"] == 413
    assert "100 bytes" in problem["detail"]


def test_a_chunked_body_is_refused_at_the_chunk_that_crosses_the_limit() -> None:
    body = Chunks(b"x" * 60, b"x" * 60, b"x" * 60, b"x" * 60)
    sent, seen = call({"transfer-encoding": "chunked"}, body)
    assert sent[0]["status"] == 413
    assert body.read == 2  # the rest was never read
    assert seen == []


def test_a_body_at_the_limit_reaches_the_app_whole() -> None:
    body = Chunks(b"a" * 50, b"b" * 50)
    sent, seen = call({"transfer-encoding": "chunked"}, body)
    assert sent[0]["status"] == 200
    assert seen == [b"a" * 50 + b"b" * 50]


def test_a_request_without_a_body_passes_straight_through() -> None:
    body = Chunks(b"")
    sent, seen = call({}, body)
    assert sent[0]["status"] == 200
    assert seen == [b""]
