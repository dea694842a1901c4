"""413 for request bodies over the limit, decided before the app reads a byte of them.

A declared ``Content-Length`` over the limit is refused without reading the body; a
chunked body is counted as it arrives and refused the moment it passes the limit. A body
within the limit is read here once and handed on, so the app (and the response cache)
never wait on a slow client halfway through parsing.
"""

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from descentlab.api.middleware.asgi import BodyTooLargeError, answer_problem, read_body, replay


class BodySizeLimit:
    """``max_bytes`` for every request, but for the paths of ``larger`` (a CSV upload), which
    each have their own limit."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.max_bytes)
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is None and "transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body (a GET, a page, an event stream)
            return
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        try:
            body = await read_body(receive, limit)
        except BodyTooLargeError:
            await self._refuse(scope, receive, send, limit)
            return
        except ClientDisconnect:
            return  # nobody is left to answer
        await self.app(scope, replay(body, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        detail = f"the request body is larger than this server's limit of {limit} bytes"
        await answer_problem(scope, receive, send, 413, detail)
