"""What routes take from the app that ``create_app`` built: its settings, its job backend,
its compute limiter. One dependency each, so a route never reads the environment itself
(an app made with custom settings must serve and export with those same settings)."""

from typing import Annotated

from fastapi import Depends, Request

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


SettingsDep = Annotated[Settings, Depends(app_settings)]
JobsDep = Annotated[JobBackend, Depends(app_jobs)]
LimiterDep = Annotated[ComputeLimiter, Depends(app_limiter)]
