"""A minimal HTTP/1.1 keep-alive client for the load test's students.

The generator shares the machine's two cores with the server, so its cost per request
matters: measured against this server, httpx's AsyncClient spends ~2 ms of CPU per race
response (~350 kB), this ~0.5 ms (one write per request, the body read in one piece, no
per-request objects beyond the header bytes). It speaks just what the lab's API answers:
a status line, headers, and a body with ``content-length`` or chunked encoding.
"""

import asyncio
import contextlib

import httpx

# What ``post`` raises when no HTTP answer came (besides TimeoutError).
TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


class RawClient:
    """One keep-alive connection; ``post`` returns (status, X-Cache header or "")."""

    def __init__(self, host: str, port: int, headers: dict[str, str], timeout_s: float) -> None:
        self._address = (host, port)
        self._timeout_s = timeout_s
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._head = f"host: {host}:{port}\r\ncontent-type: application/json\r\n{extra}".encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @classmethod
    def for_url(cls, url: str, headers: dict[str, str], timeout_s: float) -> "RawClient":
        parsed = httpx.URL(url)
        return cls(parsed.host, parsed.port or 80, headers, timeout_s)

    async def post(self, path: str, body: bytes) -> tuple[int, str]:
        try:
            async with asyncio.timeout(self._timeout_s):
                try:
                    return await self._exchange(path, body)
                except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
                    # The server closed an idle keep-alive connection: again on a new one.
                    await self.close()
                    return await self._exchange(path, body)
        except BaseException:
            await self.close()  # a late answer must not be read as the next one's
            raise

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None

    async def _exchange(self, path: str, body: bytes) -> tuple[int, str]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(*self._address)
        assert self._reader is not None
        request = b"POST %s HTTP/1.1\r\n%scontent-length: %d\r\n\r\n" % (
            path.encode(),
            self._head,
            len(body),
        )
        self._writer.write(request + body)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head[:-4].split(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        headers = {}
        for line in lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"content-length" in headers:
            await self._reader.readexactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            await self._read_chunks()
        if headers.get(b"connection", b"").lower() == b"close":
            await self.close()
        return status, headers.get(b"x-cache", b"").decode()

    async def _read_chunks(self) -> None:
        assert self._reader is not None
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await self._reader.readexactly(size + 2)  # the chunk and its CRLF
            if size == 0:
                return
