"""Long experiments as jobs: submit (202), poll, stream progress (SSE), cancel."""

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse

from descentlab.api import experiments_service, public
from descentlab.api.deps import JobsDep
from descentlab.api.jobs import FINISHED, JobManager
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.experiments import (
    ExperimentAccepted,
    ExperimentKindPublic,
    ExperimentPublic,
    ExperimentRequest,
)
from descentlab.api.schemas.problems import BUSY, NOT_FOUND, OVER_BUDGET, SHARE_USED

router = APIRouter(prefix="/api/experiments", tags=["experiments"])
_KINDS = public.experiment_kinds()  # fixed by the code: built once

# One server-sent event: its name, its revision (``id``) and its data as JSON text: the
# whole job (``progress``, ``done``, ``failed``, ``cancelled``) or a JSON Patch (``patch``).
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["progress", "patch", "done", "failed", "cancelled"]},
        "id": {"type": "string", "description": "the job's revision after this event"},
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
    "required": ["data"],
}


@router.get("/kinds")
def kinds() -> list[ExperimentKindPublic]:
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
def submit(experiment: ExperimentRequest, request: Request, jobs: JobsDep) -> JSONResponse:
    """Queue an experiment; identical requests share one job (and its result). One whose
    estimated time or memory exceeds the server's budget is refused (422) up front."""
    job = experiments_service.submit(request, jobs, experiment)
    return JSONResponse({"id": job.id, "status": job.status}, status_code=202)


@router.get("/{job_id}", response_model=ExperimentPublic, responses=NOT_FOUND)
def status(job_id: str, jobs: JobsDep) -> ArrayJSONResponse:
    return ArrayJSONResponse(_job_or_404(jobs, job_id))


@router.delete("/{job_id}", response_model=ExperimentPublic, responses=NOT_FOUND)
def cancel(job_id: str, jobs: JobsDep) -> ArrayJSONResponse:
    """Cancel a queued or running experiment (a finished one is left as it is)."""
    job = jobs.cancel(job_id)
    if job is None:  # unknown, or forgotten meanwhile
        raise HTTPException(404, f"no experiment {job_id!r} (finished ones are kept a while)")
    return ArrayJSONResponse(job.public())


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}},
            "description": "progress events, then done, failed or cancelled (data: the job)",
        },
        **NOT_FOUND,
    },
)
def events(job_id: str, jobs: JobsDep) -> StreamingResponse:
    """Server-sent events: first the whole job (``progress``), then each change as a JSON
    Patch (RFC 6902, event ``patch``) to apply to the job as this stream last had it, so a
    growing partial result costs only its new points; at the end ``done``, ``failed`` or
    ``cancelled`` with the whole job (result included), and the stream ends."""
    _job_or_404(jobs, job_id)

    async def stream() -> AsyncIterator[bytes]:
        async for event in jobs.events(job_id):
            if event is None:
                yield b": keep-alive\n\n"
                continue
            if event.name == "patch":
                name = "patch"
            else:
                name = event.status if event.status in FINISHED else "progress"
            head = f"event: {name}\nid: {event.revision}\ndata: ".encode()
            yield head + event.data + b"\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")
