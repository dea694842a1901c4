"""One error format for the API: RFC 9457 problem details (application/problem+json).

FastAPI's default validation handler echoes the offending input back, and its encoder
fails on NaN and Infinity (a 500 for a 422); this handler never echoes inputs.
"""

from http import HTTPStatus
from typing import Any

import redis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


# FastAPI answers 400 with this text when the body is not even text it can parse
# (invalid UTF-8, nesting deeper than the JSON parser allows); like any other body that
# is not valid JSON, that is a 422 here.
_UNPARSEABLE_BODY = "There was an error parsing the body"


def _field(error: dict[str, Any]) -> str:
    location = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        return "body"  # its location is a character offset, not a field
    parts = location[1:] if location and location[0] in ("body", "query", "path") else location
    return ".".join(str(part) for part in parts) or "body"


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": _field(dict(e)),
            "message": str(e.get("msg", "")).removeprefix("Value error, "),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(422, detail or "invalid request", errors=errors)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == _UNPARSEABLE_BODY:
        message = "body could not be parsed as JSON (invalid UTF-8 or nested too deeply)"
        error = {"field": "body", "message": message, "type": "json_invalid"}
        return problem(422, f"body: {message}", errors=[error])
    response = problem(exc.status_code, str(exc.detail))
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


# Seconds a client waits before trying again when Redis does not answer (a restart).
STORE_RETRY_AFTER_S = 5


def _store_unreachable(request: Request, exc: Exception) -> JSONResponse:
    # Redis (jobs, with DESCENTLAB_REDIS_URL) restarting or unreachable: nothing the client
    # did; the job it asks about is kept there, so it may try again.
    response = problem(503, "the job store does not answer; try again in a few seconds")
    response.headers["Retry-After"] = str(STORE_RETRY_AFTER_S)
    return response


def _server_error(request: Request, exc: Exception) -> JSONResponse:
    # A bug, never the client's input: say so in the one format, and reveal nothing.
    return problem(500, "the server failed to handle this request; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(redis.RedisError, _store_unreachable)
    app.add_exception_handler(Exception, _server_error)
