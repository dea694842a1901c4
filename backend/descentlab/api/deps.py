"""What routes take from the app that ``create_app`` built: its settings, its job backend,
its compute limiter. One dependency each, so a route never reads the environment itself
(an app made with custom settings must serve and export with those same settings)."""

from typing import Annotated

from fastapi import Depends, Header, Request

from descentlab.api.clients import CLIENT_ID_HEADER, submitter
from descentlab.api.jobs import JobBackend
from descentlab.api.middleware.compute_limit import ComputeLimiter
from descentlab.api.settings import Settings


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def app_jobs(request: Request) -> JobBackend:
    jobs: JobBackend = request.app.state.jobs
    return jobs


def app_limiter(request: Request) -> ComputeLimiter:
    limiter: ComputeLimiter = request.app.state.compute_limiter
    return limiter


def request_submitter(
    request: Request,
    client_id: Annotated[
        str | None,
        Header(
            alias=CLIENT_ID_HEADER,
            description="who this client is: any 1-64 of A-Z a-z 0-9 _ - (the lab's pages "
            "send a random id per tab). Its experiments are its own: only it may cancel "
            "them, and ?mine lists them. Without it (or malformed), the client's address.",
        ),
    ] = None,
) -> str:
    """Whose experiment a request concerns (``clients.submitter``); the header is declared
    here so that the OpenAPI, and clients generated from it, say how to send it."""
    del client_id  # read (with the ?client_id= fallback) from the request itself
    return submitter(request.scope)


SettingsDep = Annotated[Settings, Depends(app_settings)]
JobsDep = Annotated[JobBackend, Depends(app_jobs)]
LimiterDep = Annotated[ComputeLimiter, Depends(app_limiter)]
SubmitterDep = Annotated[str, Depends(request_submitter)]
