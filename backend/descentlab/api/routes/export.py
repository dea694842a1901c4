"""Standalone HTML files: a lesson (``GET /api/lessons/{id}/export``) or the 2-D lab's
current scenario (``POST /api/export``), as one file that works without a server.

A 2-D page computes a grid and a race, like the lab's own requests: it takes one of the
interactive compute slots (503 when the server is busy), and a lesson's data are kept
in memory. A network lesson's experiment runs as a job of the experiments API, with the
key ``POST /api/experiments`` gives the same request, so a download shares the result of
the lesson's Run button (and of every other download) instead of training again.
"""

from collections.abc import Callable
from functools import lru_cache, partial
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from descentlab.api import experiments_service
from descentlab.api.clients import submitter
from descentlab.api.deps import JobsDep, LimiterDep, SettingsDep
from descentlab.api.experiments_service import JOB_RETRY_AFTER_S, busy
from descentlab.api.jobs import JobBackend
from descentlab.api.middleware.compute_limit import RETRY_AFTER_S as SLOT_RETRY_AFTER_S
from descentlab.api.middleware.compute_limit import ComputeBusyError, ComputeLimiter
from descentlab.api.responses import encode
from descentlab.api.schemas.export import LiveRunExportRequest, ScenarioExportRequest
from descentlab.api.schemas.problems import BUSY, problem_response
from descentlab.api.settings import Settings
from descentlab.assets import require_frontend
from descentlab.export import lesson_html, live_run_html, scenario_html
from descentlab.export.data import (
    experiment_request,
    network_page_data,
    surface_data,
    validated_requests,
)
from descentlab.lessons import LESSON_ID_PATTERN, Lesson, NetworkScenario, get_lesson
from descentlab.lessons.format import MAX_ID_LENGTH

router = APIRouter()

LessonId = Annotated[str, PathParam(pattern=LESSON_ID_PATTERN, max_length=MAX_ID_LENGTH)]
HTML_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "one HTML file, as an attachment"}
}
T = TypeVar("T")


def _attachment(page: str, filename: str) -> Response:
    return Response(
        page,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _in_compute_slot(limiter: ComputeLimiter, work: Callable[[], T]) -> T:
    """``work()`` in the thread pool, holding one of the interactive compute slots."""
    try:
        await limiter.acquire()
    except ComputeBusyError as full:
        raise busy(503, str(full), SLOT_RETRY_AFTER_S) from None
    try:
        return await run_in_threadpool(work)
    finally:
        limiter.release()


@lru_cache(maxsize=32)
def _surface_lesson_data(lesson_id: str) -> dict[str, Any]:
    """A 2-D lesson's data (a few hundred kilobytes), computed once per process."""
    return surface_data(get_lesson(lesson_id).scenario.to_json()["state"])


async def _network_lesson_data(
    request: Request, jobs: JobBackend, scenario: NetworkScenario
) -> dict[str, Any]:
    """The lesson's experiment run as the experiments API runs it (one shared job)."""
    published = scenario.to_json()["experiment"]
    experiment = experiment_request(published)
    client = submitter(request.scope)
    job = experiments_service.submit(request, jobs, experiment, client)  # as POST /api/experiments
    async for _ in jobs.events(job.id):  # woken by the job's changes until it finishes
        pass
    final = jobs.public(job.id)
    if final is None or final["status"] != "done":
        status = final["status"] if final else "forgotten"
        raise busy(503, f"the lesson's experiment did not finish ({status})", JOB_RETRY_AFTER_S)
    finished = final["result"]
    result = await run_in_threadpool(lambda: orjson.loads(encode(finished)))
    return network_page_data(published, result)


# Addresses a request may name for the link back when no public URL is configured: this
# machine's own (``descentlab serve`` on a laptop, ``make serve``).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def _lab_url(request: Request, settings: Settings) -> str | None:
    """Where an exported page's "open it in the live lab" goes: the configured public URL,
    or this server when it was reached on localhost, or nowhere (the Host header is the
    client's to write: linking to it would let anyone make a page point elsewhere)."""
    if settings.public_url:
        return settings.public_url
    if request.url.hostname in LOCAL_HOSTS:
        return str(request.base_url).rstrip("/")
    return None


@router.get(
    "/api/lessons/{lesson_id}/export",
    tags=["lessons"],
    response_class=Response,
    responses={**HTML_FILE, **BUSY, 404: problem_response("No lesson with this id")},
)
async def export_lesson(
    lesson_id: LessonId,
    request: Request,
    settings: SettingsDep,
    jobs: JobsDep,
    limiter: LimiterDep,
) -> Response:
    """The lesson as one self-contained HTML file (plotly.js, the page's scripts and its
    data inlined) that works offline; it links back to the lesson on this server."""
    try:
        lesson: Lesson = get_lesson(lesson_id)
    except KeyError:
        raise HTTPException(404, f"no lesson {lesson_id!r}; GET /api/lessons lists them") from None
    if isinstance(lesson.scenario, NetworkScenario):
        page_data = await _network_lesson_data(request, jobs, lesson.scenario)
    else:
        page_data = await _in_compute_slot(limiter, partial(_surface_lesson_data, lesson.id))
    page = await run_in_threadpool(
        lesson_html,
        lesson.id,
        _lab_url(request, settings),
        require_frontend(settings.frontend_dir),
        lambda _lesson: page_data,
    )
    return _attachment(page, f"{lesson.id}.html")


@router.post(
    "/api/export", tags=["export"], response_class=Response, responses={**HTML_FILE, **BUSY}
)
async def export_scenario(
    body: ScenarioExportRequest, settings: SettingsDep, limiter: LimiterDep
) -> Response:
    """The 2-D lab's scenario (``state`` as a lesson's ``scenario.state``) as one
    self-contained HTML file; ``link`` is where its "open it in the live lab" goes."""
    state = body.state.model_dump(by_alias=True)
    try:  # the bounds of POST /api/grid, /api/trajectories and /api/analyze: a 422 now
        validated_requests(state)
    except ValueError as refused:
        raise HTTPException(422, str(refused)) from None
    frontend = require_frontend(settings.frontend_dir)
    page = await _in_compute_slot(limiter, partial(scenario_html, state, body.link, frontend))
    return _attachment(page, f"descentlab-{state['surface']}.html")


@router.post(
    "/api/export/network",
    tags=["export"],
    response_class=Response,
    responses={**HTML_FILE, **BUSY},
)
async def export_live_run(
    body: LiveRunExportRequest, settings: SettingsDep, limiter: LimiterDep
) -> Response:
    """A live training run from the Networks page as one self-contained HTML file: the
    server replays its updates exactly (at most 20,000) and keeps its curves and 60 frames
    of the boundary and the network, which the page plays with a slider."""
    frontend = require_frontend(settings.frontend_dir)
    work = partial(live_run_html, body.setup_core(), body.segments_core(), body.link, frontend)
    page = await _in_compute_slot(limiter, work)
    return _attachment(page, f"descentlab-live-{body.setup_core().dataset}.html")
