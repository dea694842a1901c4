"""The service's protective layers, installed in one place so their order is visible.

From the outside in, a request meets:

0. ``GZipMiddleware``: JSON, pages, scripts and styles above ``GZIP_MIN_BYTES`` go gzipped to
   clients that accept it (plotly.js comes compressed already: routes/vendor.py). Never an
   event stream: compressing one would hold its events back in the compressor.
1. ``SecurityHeaders``: CSP, nosniff, no referrer, on every response below (problems too).
2. ``CORSMiddleware`` (only when origins are configured): answers preflights.
3. ``RateLimit`` (only when configured): 429 before anything is read or computed.
4. ``BodySizeLimit``: 413 before a large body is read; smaller bodies are read once here.
5. ``CachedResponses``: identical compute requests answered from memory (no slot needed).
6. ``ComputeLimit``: a slot for the compute, or 503 with ``Retry-After``.

Every answer a layer gives itself is problem+json, like the app's own errors.
"""

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from descentlab.api.clients import CLIENT_ID_HEADER
from descentlab.api.middleware.body_size import BodySizeLimit
from descentlab.api.middleware.compute_limit import ComputeLimit, ComputeLimiter
from descentlab.api.middleware.headers import SecurityHeaders
from descentlab.api.middleware.rate_limit import (
    EXEMPT_PATHS,
    Buckets,
    RateLimit,
    RedisTokenBuckets,
    TokenBuckets,
)
from descentlab.api.middleware.response_cache import (
    Cache,
    CachedResponses,
    RedisResponseCache,
    ResponseCache,
)
from descentlab.api.schemas.problems import RETRY_AFTER, problem_response
from descentlab.api.settings import Settings
from descentlab.core.nets.uploads import MAX_UPLOAD_BYTES

# The interactive endpoints that compute on every call (all POST). Experiments have their
# own bounded job queue; catalogue and dataset reads are cheap.
# Their answers are cached: the same request is asked again by the next student.
CACHED_PATHS = frozenset(
    {"/api/grid", "/api/analyze", "/api/trajectories", "/api/sweeps", "/api/maps"}
)
# A live training step carries its run's state: never asked twice, so never cached.
COMPUTE_PATHS = CACHED_PATHS | {"/api/live/steps"}

# Smaller answers gain less than their gzip header costs. Level 6 (zlib's default) is within
# a few per cent of 9's size for the lab's JSON at about half its CPU time.
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 6
NEVER_COMPRESSED = ("text/event-stream", "image/png", "font/woff2", "application/gzip")


def install_middleware(app: FastAPI, settings: Settings) -> None:
    # Starlette wraps each added middleware around the ones added before: add inside out.
    limiter = ComputeLimiter(
        settings.compute_slots, settings.compute_queue_size(), settings.compute_wait_s
    )
    app.add_middleware(ComputeLimit, limiter=limiter, paths=COMPUTE_PATHS)
    app.state.compute_limiter = limiter
    app.state.response_cache = None
    if settings.response_cache_entries > 0:
        cache: Cache = ResponseCache(settings.response_cache_entries, settings.response_cache_bytes)
        if settings.redis_url:  # shared by every web process
            cache = RedisResponseCache(
                settings.redis_url,
                settings.redis_prefix,
                settings.response_cache_entries,
                settings.response_cache_bytes,
            )
        app.add_middleware(CachedResponses, cache=cache, paths=CACHED_PATHS)
        app.state.response_cache = cache
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        larger={"/api/datasets": MAX_UPLOAD_BYTES},  # a CSV upload
    )
    if settings.rate_limit_per_minute > 0:
        buckets: Buckets = TokenBuckets(settings.rate_limit_per_minute)
        if settings.redis_url:  # one limit however many web processes there are
            buckets = RedisTokenBuckets(
                settings.rate_limit_per_minute, settings.redis_url, settings.redis_prefix
            )
        app.add_middleware(RateLimit, buckets=buckets)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_credentials=False,  # the lab has no cookies; and never with "*"
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", CLIENT_ID_HEADER],
            expose_headers=["Retry-After", "X-Cache"],
            max_age=600,
        )
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors)
    app.add_middleware(
        GZipMiddleware,
        minimum_size=GZIP_MIN_BYTES,
        compresslevel=GZIP_LEVEL,
        exclude_content_types=NEVER_COMPRESSED,
    )


TOO_LARGE = problem_response("The request body is larger than the server accepts")
RATE_LIMITED = problem_response(
    "This client sent more requests this minute than the server allows (when it sets a "
    "limit): wait the Retry-After seconds",
    RETRY_AFTER,
)
NO_SLOT = problem_response(
    "Every compute slot is busy and the wait is full: retry after the Retry-After seconds",
    RETRY_AFTER,
)


def refusals(path: str, method: str) -> dict[int, dict[str, Any]]:
    """The problems the layers above can answer a request to ``path`` with, before it
    reaches the route: declared on each operation so generated clients expect them."""
    answers: dict[int, dict[str, Any]] = {}
    if method in ("POST", "PUT", "PATCH"):
        answers[413] = TOO_LARGE
    if path.startswith("/api/") and path not in EXEMPT_PATHS:
        answers[429] = RATE_LIMITED
    if method == "POST" and path in COMPUTE_PATHS:
        answers[503] = NO_SLOT
    return answers


def declare_refusals(router: APIRouter) -> None:
    """Add ``refusals`` to the documented responses of every operation of ``router`` (before
    it is included in the app). A route that gives the same status itself keeps its own
    entry, its description extended with this one's."""
    for route in router.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            for status, answer in refusals(route.path, method).items():
                own = route.responses.get(status)
                if own is None:
                    route.responses[status] = answer
                elif answer["description"] not in own["description"]:
                    merged = f"{own['description']}. Or: {answer['description']}"
                    headers = {**own.get("headers", {}), **answer.get("headers", {})}
                    route.responses[status] = {**own, "description": merged, "headers": headers}
