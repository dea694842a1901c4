"""Long experiments as jobs: submit (202), poll, stream progress (SSE), cancel, list mine."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse, ServerSentEvent

from descentlab.api import experiments_service, public
from descentlab.api.deps import JobsDep, SubmitterDep
from descentlab.api.jobs import FINISHED, JobBackend, NotYoursError
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.experiments import (
    ExperimentAccepted,
    ExperimentKindPublic,
    ExperimentRequest,
    ExperimentSummary,
)
from descentlab.api.schemas.problems import (
    BUSY,
    NOT_FOUND,
    NOT_YOURS,
    OVER_BUDGET,
    SHARE_USED,
    problem_response,
)
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


def _not_found(job_id: str) -> HTTPException:
    return HTTPException(404, f"no experiment {job_id!r} (finished ones are kept a while)")


def _job_or_404(jobs: JobBackend, job_id: str) -> dict[str, object]:
    job = jobs.public(job_id)
    if job is None:
        raise _not_found(job_id)
    return job


@router.get(
    "",
    response_model=list[ExperimentSummary],
    responses={400: problem_response("Without ?mine: only one's own experiments are listed")},
)
def list_my_experiments(
    jobs: JobsDep,
    client: SubmitterDep,
    mine: Annotated[
        str | None, Query(description="required (`?mine`): this client's experiments")
    ] = None,
) -> list[dict[str, Any]]:
    """The experiments this client submitted and did not cancel, oldest first, with their
    status and progress (not their results), as long as the server keeps them."""
    if mine is None or mine.lower() in ("0", "false", "no"):
        raise HTTPException(400, "only a client's own experiments can be listed: ?mine")
    return jobs.mine(client)


@router.post(
    "",
    status_code=202,
    response_model=ExperimentAccepted,
    responses={**BUSY, **SHARE_USED, **OVER_BUDGET},
)
def submit_experiment(
    experiment: ExperimentRequest, request: Request, jobs: JobsDep, client: SubmitterDep
) -> JSONResponse:
    """Queue an experiment; identical requests share one job (and its result). One whose
    estimated time or memory exceeds the server's budget is refused (422) up front."""
    job = experiments_service.submit(request, jobs, experiment, client)
    return JSONResponse({"id": job.id, "status": job.status}, status_code=202)


@router.get("/{job_id}", response_model=ExperimentPublic, responses=NOT_FOUND)
def get_experiment(job_id: str, jobs: JobsDep) -> ArrayJSONResponse:
    return ArrayJSONResponse(_job_or_404(jobs, job_id))


@router.delete("/{job_id}", response_model=ExperimentPublic, responses={**NOT_FOUND, **NOT_YOURS})
def cancel_experiment(job_id: str, jobs: JobsDep, client: SubmitterDep) -> ArrayJSONResponse:
    """Withdraw this client's interest in an experiment it submitted. Identical requests
    share one computation: it stops (``cancelled``) once no client wants it, and runs on
    for the others otherwise (the answer then shows it still running). A finished one is
    left as it is."""
    try:
        job = jobs.cancel(job_id, client)
    except NotYoursError:
        raise HTTPException(403, "this client did not submit this experiment") from None
    if job is None:  # unknown, or forgotten meanwhile
        raise _not_found(job_id)
    return ArrayJSONResponse(job)


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
