"""The API's one error format: RFC 9457 problem details."""

from typing import Any

from pydantic import BaseModel, Field


class FieldErrorPublic(BaseModel):
    field: str = Field(description="dotted path of the offending field, e.g. runs.0.start")
    message: str
    type: str


class ProblemPublic(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldErrorPublic] | None = Field(None, description="for 422: one per field")


def problem_response(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """An OpenAPI response entry for a problem+json answer (with its headers, if any)."""
    return {
        "model": ProblemPublic,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemPublic"}}
        },
        "description": description,
        **({"headers": headers} if headers else {}),
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: problem_response("Invalid request: the message names each offending field"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_response("No such item (finished experiments are kept a while)")
}
NOT_YOURS: dict[int | str, dict[str, Any]] = {
    403: problem_response(
        "This client did not submit the experiment (its X-Client-Id, or its address when it "
        "sends none): only its submitters may cancel it"
    )
}
RETRY_AFTER: dict[str, Any] = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "schema": {"type": "integer", "minimum": 0},
    }
}
BUSY: dict[int | str, dict[str, Any]] = {
    503: problem_response("Too much work queued: retry after the Retry-After seconds", RETRY_AFTER)
}
SHARE_USED: dict[int | str, dict[str, Any]] = {
    429: problem_response(
        "This client has its share of experiments running: wait or cancel one", RETRY_AFTER
    )
}
OVER_BUDGET: dict[int | str, dict[str, Any]] = {
    422: problem_response(
        "Invalid request, or an experiment whose estimated time or memory exceeds the "
        "server's budget: the message names the limit and the parameters to lower"
    )
}
