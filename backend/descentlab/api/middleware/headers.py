"""Security headers on every response: a Content-Security-Policy, nosniff, no referrer.

The policy allows only this server's own scripts, styles, images and connections; the
exceptions are what the lab's libraries need, each said where it is granted. There is no
``X-Frame-Options``: it can only say DENY or SAMEORIGIN, which would contradict the
configurable ``frame-ancestors`` (the lab is embeddable on any site by default), and
browsers that know CSP ignore it anyway.

Pages with inline scripts (Swagger UI at /docs writes one to start itself) get a policy
that allows exactly those scripts by their SHA-256 hash, computed from the page as it is
sent, rather than ``'unsafe-inline'`` for the whole site.
"""

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Directive → sources, before frame-ancestors (which comes from the settings).
SITE_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    # Plotly adds a <style> element and inline style attributes as it draws.
    "style-src": "'self' 'unsafe-inline'",
    # data: for the favicon and Plotly's modebar; blob: and data: for PNG export.
    "img-src": "'self' data: blob:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
OTHER_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Paths whose HTML carries inline scripts, allowed by hash.
INLINE_SCRIPT_PATHS = frozenset({"/docs"})
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL | re.I)


def content_security_policy(frame_ancestors: str, script_hashes: tuple[str, ...] = ()) -> str:
    directives = dict(SITE_POLICY, **{"frame-ancestors": frame_ancestors})
    if script_hashes:
        hashes = " ".join(f"'sha256-{digest}'" for digest in script_hashes)
        directives["script-src"] = f"{directives['script-src']} {hashes}"
    return "; ".join(f"{name} {sources}" for name, sources in directives.items())


def inline_script_hashes(html: bytes) -> tuple[str, ...]:
    """Base64 SHA-256 of each inline script's text, as CSP's hash sources want it."""
    return tuple(
        base64.b64encode(hashlib.sha256(script).digest()).decode()
        for script in _INLINE_SCRIPT.findall(html)
    )


class SecurityHeaders:
    """Adds the headers to every HTTP response (without replacing ones a route set)."""

    def __init__(self, app: ASGIApp, frame_ancestors: str) -> None:
        self.app = app
        self.frame_ancestors = frame_ancestors
        self.headers = {
            "Content-Security-Policy": content_security_policy(frame_ancestors),
            **OTHER_HEADERS,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["path"] in INLINE_SCRIPT_PATHS:
            await self._with_script_hashes(scope, receive, send)
        else:

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    self._add(message, self.headers)
                await send(message)

            await self.app(scope, receive, send_with_headers)

    async def _with_script_hashes(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the (small) page until its last byte, then send it with its own policy."""
        start: Message = {}
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            policy = content_security_policy(self.frame_ancestors, inline_script_hashes(body))
            self._add(start, {**self.headers, "Content-Security-Policy": policy})
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, collect)

    @staticmethod
    def _add(start: Message, headers: dict[str, str]) -> None:
        present = MutableHeaders(scope=start)
        for name, value in headers.items():
            present.setdefault(name, value)
