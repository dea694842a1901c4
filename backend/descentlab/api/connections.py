"""Connection limits for a server that faces its clients directly (no proxy in front).

uvicorn closes a keep-alive connection that sits idle after a response, but a connection
that opens and sends nothing, or sends part of a head and stalls (slowloris), is kept
forever, and so is any number of connections and a head of any size (its h11 protocol
bounds only a head that arrives in pieces: one 20 MB head in a few reads passes).
``GuardedHttpToolsProtocol`` adds these limits to uvicorn's own protocol: a deadline for
each request's head, a size for it, and a cap on open connections (the ones past it are
closed at once).
"""

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from descentlab.api.settings import get_settings


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (its fastest) with a request-head deadline, a head
    size and a connection cap, from the settings (``REQUEST_HEAD_TIMEOUT_S``,
    ``MAX_HEADER_BYTES``, ``MAX_CONNECTIONS``). uvicorn builds one per connection from
    the class alone, so each reads the (cached) settings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.head_timeout_s = settings.request_head_timeout_s
        self.max_connections = settings.max_connections
        self.max_header_bytes = settings.max_header_bytes
        self._head_deadline: asyncio.TimerHandle | None = None
        self._head: bytearray | None = None  # the head so far, while one is expected

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            transport.close()
            return
        self._expect_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head is not None:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if (end if end >= 0 else len(self._head)) > self.max_header_bytes:
                self._refuse_head()
                return
            if end >= 0:
                self._head = None  # complete: the rest is the parser's
        super().data_received(data)

    def _refuse_head(self) -> None:
        message = f"request head larger than {self.max_header_bytes} bytes".encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            + f"content-length: {len(message)}\r\n\r\n".encode()
            + message
        )
        self._head = None
        self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._expect_head()  # the next request's head has the same deadline

    def _expect_head(self) -> None:
        self._head = bytearray()
        self._cancel_deadline()
        self._head_deadline = self.loop.call_later(self.head_timeout_s, self._head_overdue)

    def _cancel_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_overdue(self) -> None:
        """Close the connection unless a request's head arrived (it is then being served)."""
        self._head_deadline = None
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()
