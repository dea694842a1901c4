"""Submitting experiments, for every route that does (``POST /api/experiments`` and a
network lesson's export): the job table, the budget check, one ``submit`` and one way of
saying "busy" whose ``Retry-After`` header and message agree.
"""

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request

from descentlab.api.clients import client_address
from descentlab.api.jobs import Accepted, JobBackend, QueueFullError, ShareUsedError
from descentlab.api.schemas.experiments import core_params, experiment_work
from descentlab.core.experiments.costs import Budget, OverBudgetError, check_budget, estimate

# A job's place frees when a job finishes: seconds, not the milliseconds of a compute slot.
JOB_RETRY_AFTER_S = 5


def busy(status: int, message: str, retry_after_s: int) -> HTTPException:
    """A 503 or 429 with ``Retry-After``: the wait of the resource that is full (a compute
    slot frees in about a second, a job's place in several); the messages of the errors
    passed in name no other wait."""
    return HTTPException(status, message, headers={"Retry-After": str(retry_after_s)})


def admitted(experiment: Any, budget: Budget) -> tuple[str, Callable[..., Any]]:
    """The parameters (JSON: what identical requests share, what a worker rebuilds the
    work from) and work of an experiment within the server's budget, or a 422 naming the
    limit and the parameters to lower (estimated before anything is queued)."""
    params = core_params(experiment)
    try:
        check_budget(estimate(params), budget)
    except OverBudgetError as over:
        raise HTTPException(422, str(over)) from None
    return experiment.params.model_dump_json(), experiment_work(experiment)


def submit(request: Request, jobs: JobBackend, experiment: Any, client: str) -> Accepted:
    """Queue ``experiment`` (identical requests share one job) for the requesting client,
    or raise the 422 of ``admitted``, a 503 (queue full) or a 429 (the client's share used).
    The queue's share counts by address (a per-tab id would let one client take every
    share); the job is ``client``'s own (``clients.submitter``)."""
    params, work = admitted(experiment, request.app.state.budget)
    try:
        return jobs.submit(
            experiment.kind,
            params,
            work,
            owner=client_address(request.scope),
            client=client,
        )
    except QueueFullError as full:
        raise busy(503, str(full), JOB_RETRY_AFTER_S) from None
    except ShareUsedError as used:
        raise busy(429, str(used), JOB_RETRY_AFTER_S) from None
