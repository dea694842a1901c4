"""One asyncio Redis client per event loop (a client's connections belong to the loop that
made them): for the middleware and the event streams, when ``DESCENTLAB_REDIS_URL`` is set."""

import asyncio

import redis.asyncio


class AsyncRedis:
    def __init__(self, url: str) -> None:
        self.url = url
        self._clients: dict[asyncio.AbstractEventLoop, redis.asyncio.Redis] = {}

    def client(self) -> redis.asyncio.Redis:
        loop = asyncio.get_running_loop()
        if loop not in self._clients:
            self._clients = {
                known: c for known, c in self._clients.items() if not known.is_closed()
            }
            self._clients[loop] = redis.asyncio.Redis.from_url(self.url)
        return self._clients[loop]
