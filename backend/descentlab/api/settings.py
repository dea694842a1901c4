"""Service settings, from the environment (prefix ``DESCENTLAB_``); the README lists them."""

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A CSP source as an instructor would write one: 'self', 'none', *, a scheme ("https:"),
# or a host with optional scheme, wildcard subdomain, port and path. Nothing that could
# end the directive (";" or ",") or the header (control characters).
_FRAME_SOURCE = re.compile(
    r"'self'|'none'|\*|[a-z][a-z0-9+.-]*:"
    r"|([a-z][a-z0-9+.-]*://)?(\*\.)?[\w.-]+(:(\d+|\*))?(/[\w./%~-]*)?",
    re.IGNORECASE,
)
_ORIGIN = re.compile(r"https?://[\w.-]+(:\d+)?", re.IGNORECASE)
_PUBLIC_URL = re.compile(r"https?://[\w.-]+(:\d+)?(/[\w./%~-]*)?", re.IGNORECASE)


def _cpu_count() -> int:
    """CPUs this process may use (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESCENTLAB_")

    # Compile the default scenario before accepting requests, so the first visit is fast.
    warmup: bool = True
    # JAX's persistent compilation cache: a restart reuses compiled executables.
    # Empty string disables it.
    compilation_cache_dir: str = str(Path.home() / ".cache" / "descentlab" / "jax")
    # ...kept under this many bytes: the least recently used programs are evicted (the 2-D
    # engine's take about 1 MB; each network shape a job compiles adds to it).
    compilation_cache_max_bytes: int = Field(256 * 2**20, ge=64 * 2**10)
    # The static front end served at "/" and inlined by exports. Empty: the one installed
    # with the package (assets.py); the server refuses to start if it is incomplete.
    frontend_dir: str = ""
    # Experiments run one at a time by default: this lab's reference machine has 2 cores,
    # and the other serves the interactive requests.
    experiment_workers: int = 1
    # Experiments one client (address) may have queued or running at once: the queue holds
    # 8 waiting, so no one client can fill it.
    experiment_share: int = Field(2, ge=1)
    # Experiments queued or running at once (all workers together); beyond, 503 with
    # Retry-After. Unset: the workers plus 8 waiting.
    experiment_queue: int | None = Field(None, ge=1)
    # A finished experiment (its result) is kept this long for the clients that follow it.
    experiment_result_ttl_s: float = Field(900.0, gt=0)
    # An experiment running longer is stopped and reported failed (with the reason); one
    # estimated to run longer is refused with a 422 before it is queued.
    experiment_time_limit_s: float = Field(300.0, gt=0)
    # An experiment estimated to need more memory than this above the server's baseline is
    # refused with a 422 naming the parameters to lower (core/experiments/costs.py).
    experiment_memory_limit_mb: float = Field(1536.0, gt=0)

    # Redis (e.g. redis://redis:6379/0): jobs go on its queue for `descentlab worker`
    # processes, so any web process answers for any job, and the rate limit and response
    # cache are shared. Empty: everything stays in this process (one machine).
    redis_url: str = ""
    # The prefix of every Redis key the lab writes: several labs can share one Redis.
    redis_prefix: str = Field("descentlab", pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    # A running experiment whose worker gave no sign of life this long is queued again
    # (once; a second loss fails it with the reason).
    worker_lost_after_s: float = Field(15.0, ge=2)

    # Who may embed the lab in a frame (CSP frame-ancestors): anyone by default, so a
    # course page on any host can; e.g. "'self' https://course.example.edu" restricts it.
    frame_ancestors: str = "*"
    # Origins whose pages may call the API from their own scripts (CORS). Empty: none but
    # the lab's own pages; "*": any page, never with credentials. Comma-separated.
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # The lab's public address (e.g. "https://lab.example.edu"): exported pages link back
    # to it. Unset, they link to the address a request came to only when that is this
    # machine (localhost); never to a host a client wrote in its Host header.
    public_url: str = ""
    # Facing clients directly (``descentlab serve``; a proxy in front has its own): open
    # connections beyond this are closed at once; a request's head (line and headers) must
    # arrive within this many seconds of the connection or the previous response, and be at
    # most this many bytes; on SIGTERM, open requests and event streams get this long
    # before they are cut and the jobs cancelled.
    max_connections: int = Field(1000, ge=1)
    request_head_timeout_s: float = Field(10.0, gt=0)
    max_header_bytes: int = Field(16 * 1024, ge=1024)
    shutdown_timeout_s: float = Field(3.0, ge=0)
    # Larger request bodies get 413 (the largest valid request is a few kilobytes).
    max_body_bytes: int = Field(256 * 1024, ge=1)
    # Interactive compute requests (grid, analyze, trajectories, sweeps) run at most this
    # many at once...
    compute_slots: int = Field(default_factory=_cpu_count, ge=1)
    # ...with at most this many waiting for a slot (None: 128 per slot, so a class of a
    # hundred, each with one request in flight as the front end sends them, never meets a
    # full queue; make load measured 503s at 32 per slot); beyond that, 503.
    compute_queue: int | None = Field(None, ge=0)
    # A request that waited this long for a slot gets 503 instead.
    compute_wait_s: float = Field(10.0, gt=0)
    # Requests a minute per client (X-Client-Id and IP) on /api/, health excepted;
    # bursts up to a minute's worth. 0: no limit.
    rate_limit_per_minute: int = Field(0, ge=0)
    # Identical compute requests are answered from memory (with Redis, from Redis, shared):
    # this many responses at most, and at most this many bytes in all. 0 entries: no cache.
    response_cache_entries: int = Field(256, ge=0)
    response_cache_bytes: int = Field(32 * 1024 * 1024, ge=0)

    def experiment_queue_size(self) -> int:
        return (
            self.experiment_workers + 8 if self.experiment_queue is None else self.experiment_queue
        )

    def compute_queue_size(self) -> int:
        return 128 * self.compute_slots if self.compute_queue is None else self.compute_queue

    @field_validator("frame_ancestors")
    @classmethod
    def _check_frame_ancestors(cls, value: str) -> str:
        sources = value.split()
        bad = [source for source in sources if not _FRAME_SOURCE.fullmatch(source)]
        if not sources or bad:
            raise ValueError(
                f"not a CSP source list: {' '.join(bad) or 'empty'}; "
                "e.g. * or \"'self' https://course.example.edu\""
            )
        return " ".join(sources)

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not _PUBLIC_URL.fullmatch(value):
            raise ValueError(f"not an http(s) address: {value!r}; e.g. https://lab.example.edu")
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin for origin in re.split(r"[,\s]+", value) if origin)
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        # A browser's Origin header never ends in "/", so "https://a.edu/" would never match.
        origins = tuple(origin.rstrip("/") for origin in origins)
        if "*" in origins and len(origins) > 1:
            raise ValueError("'*' allows every origin: give it alone, or list origins")
        bad = [o for o in origins if o != "*" and not _ORIGIN.fullmatch(o)]
        if bad:
            raise ValueError(f"not an origin (scheme://host[:port]): {', '.join(bad)}")
        return origins


@lru_cache
def get_settings() -> Settings:
    return Settings()
