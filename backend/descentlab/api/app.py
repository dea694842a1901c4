"""The application factory: routes, error format, middleware, static front end, warm-up."""

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from descentlab import __version__
from descentlab.api.docs import TAGS, install_docs, operation_id
from descentlab.api.errors import install_error_handlers
from descentlab.api.jobs import JobBackend, JobManager
from descentlab.api.middleware import declare_refusals, install_middleware
from descentlab.api.redis_jobs import RedisJobs, RedisJobSettings
from descentlab.api.redis_uploads import RedisUploads
from descentlab.api.routes import (
    analyze,
    catalogue,
    datasets,
    experiments,
    export,
    grid,
    health,
    lessons,
    live,
    maps,
    sweeps,
    trajectories,
    vendor,
)
from descentlab.api.schemas.enums import declare as declare_enums
from descentlab.api.schemas.problems import PROBLEM_RESPONSES
from descentlab.api.settings import Settings, get_settings
from descentlab.assets import require_frontend
from descentlab.core.experiments.costs import Budget
from descentlab.core.experiments.registry import queue_of
from descentlab.core.nets.uploads import UPLOADS
from descentlab.core.precision import enable_compilation_cache, use_engine_precision
from descentlab.core.warmup import warm_everything, warm_first_visit

logger = logging.getLogger(__name__)


def job_backend(settings: Settings) -> JobBackend:
    """Redis and its workers when configured, else this process's threads."""
    if settings.redis_url:
        return RedisJobs(RedisJobSettings.of(settings), queue_of)
    return JobManager(
        workers=settings.experiment_workers,
        max_waiting=settings.experiment_queue_size() - settings.experiment_workers,
        ttl_s=settings.experiment_result_ttl_s,
        share=settings.experiment_share,
        time_limit_s=settings.experiment_time_limit_s,
    )


def _warm_the_rest(app: FastAPI) -> None:
    try:
        warm_everything()
    except Exception:  # the service still answers (compiling on first use); say so
        logger.exception("the background warm-up failed")
        app.state.warmup = "failed"
        return
    app.state.warmup = "done"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    use_engine_precision()  # this process serves the engine: float64 (core/precision.py)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings  # what every route reads (api/deps.py SettingsDep)
        enable_compilation_cache(
            settings.compilation_cache_dir, settings.compilation_cache_max_bytes
        )
        app.state.jobs = job_backend(settings)
        if settings.redis_url:  # an upload taken here is found by every process
            UPLOADS.backing = RedisUploads(settings.redis_url, settings.redis_prefix)
        app.state.budget = Budget(
            settings.experiment_time_limit_s, settings.experiment_memory_limit_mb * 2**20
        )
        app.state.warmup = "off"
        if settings.warmup:
            app.state.warmup = "running"
            await run_in_threadpool(warm_first_visit)
            threading.Thread(target=_warm_the_rest, args=(app,), daemon=True).start()
        yield
        app.state.jobs.shutdown()
        if settings.redis_url:
            UPLOADS.backing = None

    app = FastAPI(
        title="Descent Lab",
        version=__version__,
        summary="Loss landscapes, optimizer races, gradients and Hessians.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=TAGS,
        generate_unique_id_function=operation_id,
    )
    install_error_handlers(app)
    install_middleware(app, settings)
    install_docs(app)
    for module in (
        health,
        catalogue,
        datasets,
        grid,
        analyze,
        trajectories,
        sweeps,
        maps,
        experiments,
        live,
        lessons,
        export,
    ):
        declare_refusals(module.router)  # the middleware's 413, 429, 503 where they guard
        app.include_router(module.router, responses=PROBLEM_RESPONSES)
    app.include_router(vendor.router)
    generate = app.openapi

    def openapi() -> dict[str, Any]:  # with the shared enumerations the schemas refer to
        return declare_enums(generate())

    app.openapi = openapi  # type: ignore[method-assign]
    # Without its pages the lab would answer 404 on "/" and fail every export: say so now.
    frontend = require_frontend(settings.frontend_dir)
    app.mount("/", StaticFiles(directory=frontend, html=True), name="frontend")
    return app
