"""Long experiments as jobs: submit (202), poll, stream progress (SSE), cancel."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse, ServerSentEvent

from descentlab.api import experiments_service, public
from descentlab.api.deps import JobsDep
from descentlab.api.jobs import FINISHED, JobManager
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.experiments import (
    ExperimentAccepted,
    ExperimentKindPublic,
    ExperimentRequest,
)
from descentlab.api.schemas.problems import BUSY, NOT_FOUND, OVER_BUDGET, SHARE_USED
from descentlab.api.schemas.results import ExperimentPublic

router = APIRouter(prefix="/api/experiments", tags=["experiments"])
_KINDS = public.experiment_kinds()  # fixed by the code: built once

KEEP_ALIVE_S = 10  # a comment line this often on a quiet stream: proxies keep it open
RECONNECT_AFTER_MS = 2000  # the `retry:` field: how soon a browser reconnects

# The stream is text (``schema``: a string, so generated clients read it as text). Each
# event (OpenAPI 3.2's ``itemSchema``): its name, its ``id`` (the job's revision), the
# first one's ``retry`` and its ``data``, JSON: the whole job (``progress``, ``done``,
# ``failed``, ``cancelled``) or RFC 6902 operations on it (``patch``).
SSE_STREAM_SCHEMA: dict[str, Any] = {
    "type": "string",
    "description": "a text/event-stream: events `progress` and `patch`, then one of `done`, "
    "`failed`, `cancelled`",
}
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["progress", "patch", "done", "failed", "cancelled"]},
        "id": {"type": "string", "description": "the job's revision after this event"},
        "retry": {"type": "integer", "description": "milliseconds before a reconnect"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {
                "oneOf": [
                    {"$ref": "#/components/schemas/ExperimentPublic"},
                    {
                        "type": "array",
                        "description": "RFC 6902 operations (add, remove) on the job",
                        "items": {"type": "object"},
                    },
                ]
            },
        },
    },
    "required": ["event", "id", "data"],
}


@router.get("/kinds")
def list_experiment_kinds() -> list[ExperimentKindPublic]:
    """Every experiment kind with its settings: type, default, bounds, choices, meaning."""
    return _KINDS


def _job_or_404(jobs: JobManager, job_id: str) -> dict[str, object]:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no experiment {job_id!r} (finished ones are kept a while)")
    return job.public()


@router.post(
    "",
    status_code=202,
    response_model=ExperimentAccepted,
    responses={**BUSY, **SHARE_USED, **OVER_BUDGET},
)
def submit_experiment(
    experiment: ExperimentRequest, request: Request, jobs: JobsDep
) -> JSONResponse:
    """Queue an experiment; identical requests share one job (and its result). One whose
    estimated time or memory exceeds the server's budget is refused (422) up front."""
    job = experiments_service.submit(request, jobs, experiment)
    return JSONResponse({"id": job.id, "status": job.status}, status_code=202)


@router.get("/{job_id}", response_model=ExperimentPublic, responses=NOT_FOUND)
def get_experiment(job_id: str, jobs: JobsDep) -> ArrayJSONResponse:
    return ArrayJSONResponse(_job_or_404(jobs, job_id))


@router.delete("/{job_id}", response_model=ExperimentPublic, responses=NOT_FOUND)
def cancel_experiment(job_id: str, jobs: JobsDep) -> ArrayJSONResponse:
    """Cancel a queued or running experiment (a finished one is left as it is)."""
    job = jobs.cancel(job_id)
    if job is None:  # unknown, or forgotten meanwhile
        raise HTTPException(404, f"no experiment {job_id!r} (finished ones are kept a while)")
    return ArrayJSONResponse(job.public())


@router.get(
    "/{job_id}/events",
    response_class=EventSourceResponse,
    responses={
        200: {
            "content": {
                "text/event-stream": {
                    "schema": SSE_STREAM_SCHEMA,
                    "itemSchema": SSE_EVENT_SCHEMA,
                }
            },
            "description": "progress events, then done, failed or cancelled (data: the job)",
        },
        **NOT_FOUND,
    },
)
def stream_experiment_events(
    job_id: str,
    jobs: JobsDep,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            description="the last event's id this client has (sent by EventSource when it "
            "reconnects): the stream resumes after it",
        ),
    ] = None,
) -> EventSourceResponse:
    """Server-sent events: first the whole job (``progress``), then each change as a JSON
    Patch (RFC 6902, event ``patch``) to apply to the job as this stream last had it, so a
    growing partial result costs only its new points; at the end ``done``, ``failed`` or
    ``cancelled`` with the whole job (result included), and the stream ends. Every event's
    ``id`` is the job's revision: a client that reconnects with ``Last-Event-ID`` gets the
    patches since it (or the whole job if they are gone). Comments keep idle streams open."""
    _job_or_404(jobs, job_id)
    after = int(last_event_id) if last_event_id and last_event_id.isdecimal() else None

    async def stream() -> AsyncIterator[ServerSentEvent]:
        retry: int | None = RECONNECT_AFTER_MS  # said once, with the first event
        async for event in jobs.events(job_id, after=after):
            if event is None:  # the job is quiet: sse-starlette's pings keep the line open
                continue
            if event.name == "patch":
                name = "patch"
            else:
                name = event.status if event.status in FINISHED else "progress"
            data = event.data.decode()
            yield ServerSentEvent(data, event=name, id=str(event.revision), retry=retry)
            retry = None

    return EventSourceResponse(
        stream(),
        ping=KEEP_ALIVE_S,
        # no-cache: never stored; X-Accel-Buffering: nginx passes each event at once.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
