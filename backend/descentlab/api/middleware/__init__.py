"""The service's protective layers, installed in one place so their order is visible.

From the outside in, a request meets:

1. ``SecurityHeaders``: CSP, nosniff, no referrer, on every response below (problems too).
2. ``CORSMiddleware`` (only when origins are configured): answers preflights.
3. ``RateLimit`` (only when configured): 429 before anything is read or computed.
4. ``BodySizeLimit``: 413 before a large body is read; smaller bodies are read once here.
5. ``CachedResponses``: identical compute requests answered from memory (no slot needed).
6. ``ComputeLimit``: a slot for the compute, or 503 with ``Retry-After``.

Every answer a layer gives itself is problem+json, like the app's own errors.
"""

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from descentlab.api.middleware.body_size import BodySizeLimit
from descentlab.api.middleware.compute_limit import ComputeLimit, ComputeLimiter
from descentlab.api.middleware.headers import SecurityHeaders
from descentlab.api.middleware.rate_limit import CLIENT_ID_HEADER, RateLimit, TokenBuckets
from descentlab.api.middleware.response_cache import CachedResponses, ResponseCache
from descentlab.api.settings import Settings

# The interactive endpoints that compute on every call (all POST). Experiments have their
# own bounded job queue; catalogue and dataset reads are cheap.
COMPUTE_PATHS = frozenset({"/api/grid", "/api/analyze", "/api/trajectories", "/api/sweeps"})


def install_middleware(app: FastAPI, settings: Settings) -> None:
    # Starlette wraps each added middleware around the ones added before: add inside out.
    limiter = ComputeLimiter(
        settings.compute_slots, settings.compute_queue_size(), settings.compute_wait_s
    )
    app.add_middleware(ComputeLimit, limiter=limiter, paths=COMPUTE_PATHS)
    app.state.compute_limiter = limiter
    app.state.response_cache = None
    if settings.response_cache_entries > 0:
        cache = ResponseCache(settings.response_cache_entries, settings.response_cache_bytes)
        app.add_middleware(CachedResponses, cache=cache, paths=COMPUTE_PATHS)
        app.state.response_cache = cache
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.rate_limit_per_minute > 0:
        app.add_middleware(RateLimit, buckets=TokenBuckets(settings.rate_limit_per_minute))
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
