"""Long experiments as jobs: submit (202), poll, stream progress (SSE), cancel."""

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from descentlab.api.jobs import FINISHED, JobManager, QueueFullError, ShareUsedError
from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.experiments import (
    ExperimentAccepted,
    ExperimentPublic,
    ExperimentRequest,
    with_setup,
)
from descentlab.api.schemas.problems import BUSY, NOT_FOUND, OVER_BUDGET, SHARE_USED
from descentlab.core.experiments import (
    batch_size,
    hessian,
    landscape,
    loss_comparison,
    minimum_ratio,
    normalization,
    train,
)
from descentlab.core.experiments.costs import OverBudgetError, check_budget, estimate

# kind → (request params → the core's parameters, the core's run function)
EXPERIMENTS: dict[str, tuple[Callable[[BaseModel], Any], Callable[..., Any]]] = {
    "loss_comparison": (
        lambda model: loss_comparison.LossComparisonParams(**model.model_dump()),
        loss_comparison.run,
    ),
    "train": (lambda model: train.NetworkSetup(**model.model_dump()), train.run),
    "hessian": (partial(with_setup, hessian.HessianParams), hessian.run),
    "landscape": (partial(with_setup, landscape.LandscapeParams), landscape.run),
    "batch_size": (partial(with_setup, batch_size.BatchSizeParams), batch_size.run),
    "normalization": (partial(with_setup, normalization.NormalizationParams), normalization.run),
    "minimum_ratio": (partial(with_setup, minimum_ratio.MinimumRatioParams), minimum_ratio.run),
}

router = APIRouter(prefix="/api/experiments", tags=["experiments"])

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

RETRY_AFTER_S = 5


def client_address(request: Request) -> str:
    """Whose share of the queue a job counts against: the client's address (its own
    per-tab id would let one client take every share)."""
    return request.client.host if request.client else "unknown"


def _jobs(request: Request) -> JobManager:
    jobs: JobManager = request.app.state.jobs
    return jobs


def _job_or_404(request: Request, job_id: str) -> dict[str, object]:
    job = _jobs(request).get(job_id)
    if job is None:
        raise HTTPException(404, f"no experiment {job_id!r} (finished ones are kept a while)")
    return job.public()


def admitted(request: Request, experiment: Any) -> tuple[str, Callable[..., Any]]:
    """The job key and work of an experiment within the server's budget, or a 422 naming
    the limit and the parameters to lower (estimated before anything is queued)."""
    to_core, run = EXPERIMENTS[experiment.kind]
    params = to_core(experiment.params)
    try:
        check_budget(estimate(params), request.app.state.budget)
    except OverBudgetError as over:
        raise HTTPException(422, str(over)) from None
    return f"{experiment.kind}:{experiment.params.model_dump_json()}", partial(run, params)


@router.post(
    "",
    status_code=202,
    response_model=ExperimentAccepted,
    responses={**BUSY, **SHARE_USED, **OVER_BUDGET},
)
def submit(experiment: ExperimentRequest, request: Request) -> JSONResponse:
    """Queue an experiment; identical requests share one job (and its result). One whose
    estimated time or memory exceeds the server's budget is refused (422) up front."""
    key, work = admitted(request, experiment)
    try:
        job = _jobs(request).submit(experiment.kind, key, work, owner=client_address(request))
    except QueueFullError as full:
        raise HTTPException(503, str(full), headers={"Retry-After": str(RETRY_AFTER_S)}) from None
    except ShareUsedError as used:
        raise HTTPException(429, str(used), headers={"Retry-After": str(RETRY_AFTER_S)}) from None
    return JSONResponse({"id": job.id, "status": job.status}, status_code=202)


@router.get("/{job_id}", response_model=ExperimentPublic, responses=NOT_FOUND)
def status(job_id: str, request: Request) -> ArrayJSONResponse:
    return ArrayJSONResponse(_job_or_404(request, job_id))


@router.delete("/{job_id}", response_model=ExperimentPublic, responses=NOT_FOUND)
def cancel(job_id: str, request: Request) -> ArrayJSONResponse:
    """Cancel a queued or running experiment (a finished one is left as it is)."""
    _job_or_404(request, job_id)
    job = _jobs(request).cancel(job_id)
    assert job is not None
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
def events(job_id: str, request: Request) -> StreamingResponse:
    """Server-sent events: first the whole job (``progress``), then each change as a JSON
    Patch (RFC 6902, event ``patch``) to apply to the job as this stream last had it, so a
    growing partial result costs only its new points; at the end ``done``, ``failed`` or
    ``cancelled`` with the whole job (result included), and the stream ends."""
    _job_or_404(request, job_id)

    async def stream() -> AsyncIterator[bytes]:
        async for event in _jobs(request).events(job_id):
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
