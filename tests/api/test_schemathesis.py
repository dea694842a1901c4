"""Schemathesis over the app's own OpenAPI, in process: every operation and method, valid
and invalid inputs (its examples, coverage and fuzzing phases, deterministic); no 5xx, and
every response matches the schema and the content type its operation documents.

Valid (positive) bodies are shrunk before they are sent (fewer steps, runs, grid points,
samples and epochs: ``_shrink``), so each case compiles and runs in milliseconds rather
than seconds; invalid (negative) ones go as generated, since shrinking could make them
valid. Every experiment a case submits is cancelled at once (the contract is tested here,
the runs elsewhere), so the queue never fills, and the module waits for them at its end.
A real job's responses (status, events, cancel) are checked by ``test_a_finished_job``,
since generated job ids never name one.
"""

import json
import time
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from descentlab.api.app import create_app
from descentlab.api.settings import Settings

MAX_EXAMPLES = 25  # per operation in the fuzzing phase; the coverage phase adds its own
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

# Built when the module is collected (schemathesis' lazy ``from_fixture`` loader fails on
# this pytest): building the app and reading its OpenAPI is cheap; nothing compiles.
APP = create_app(Settings(warmup=False, compilation_cache_dir="", experiment_workers=1))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")

SUBMITTED: list[str] = []  # job ids, so that none outlives the module


def _cap(values: dict[str, Any], key: str, cap: int) -> None:
    # (An integer may come as a float with no fraction, 2200.0: the API takes it as 2200.)
    value = values.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and value == int(value):
        values[key] = min(int(value), cap)


def _shrink_setup(setup: Any) -> None:
    if isinstance(setup, dict):
        _cap(setup, "n_samples", 40)
        _cap(setup, "epochs", 2)
        if isinstance(setup.get("widths"), list):
            setup["widths"] = [min(w, 8) if isinstance(w, int) else w for w in setup["widths"][:2]]


def _shrink(path: str, body: Any) -> None:
    """Make a valid body cheap: the same kinds of values, less work."""
    if not isinstance(body, dict):
        return
    if path in ("/api/trajectories", "/api/sweeps"):
        _cap(body, "steps", 64)
        for key in ("runs", "optimizers"):
            if isinstance(body.get(key), list):
                body[key] = body[key][:2]
        if isinstance(body.get("learning_rates"), dict):
            _cap(body["learning_rates"], "count", 4)
    elif path == "/api/maps":
        _cap(body, "steps", 64)
        for axis in ("x", "y"):
            if isinstance(body.get(axis), dict):
                _cap(body[axis], "count", 8)
    elif path == "/api/grid":
        _cap(body, "resolution", 16)
    elif path == "/api/live/steps":
        _shrink_setup(body.get("setup"))
        _cap(body, "updates", 16)
    elif path == "/api/export/network":  # a recorded live run, replayed
        _shrink_setup(body.get("setup"))
        if isinstance(body.get("segments"), list):
            body["segments"] = body["segments"][:2]
            for segment in body["segments"]:
                if isinstance(segment, dict):
                    _cap(segment, "updates", 16)
    elif path == "/api/experiments" and isinstance(body.get("params"), dict):
        params = body["params"]
        _shrink_setup(params)
        _shrink_setup(params.get("setup"))
        caps = {"steps": 20, "resolution": 9, "iterations": 8, "probes": 2, "timing_repeats": 1}
        for key, cap in caps.items():
            _cap(params, key, cap)
        if isinstance(params.get("batch_sizes"), list):
            sizes = params["batch_sizes"][:2]  # numbers, or "full"
            params["batch_sizes"] = [min(b, 16) if isinstance(b, int) else b for b in sizes]


@schema.hook("map_case")
def shrink_valid_bodies(context: Any, case: Any) -> Any:
    if case.meta is None or not case.meta.generation.mode.is_negative:
        _shrink(case.path, case.body)
    return case


def _cancel_submitted(case: Any, response: Any) -> None:
    if case.method == "POST" and case.path == "/api/experiments" and response.status_code == 202:
        job_id = response.json()["id"]
        SUBMITTED.append(job_id)
        job = APP.state.jobs.get(job_id)
        for client in list(job.clients if job else ()):  # each submitter withdraws
            APP.state.jobs.cancel(job_id, client)


def _live(job_id: str) -> bool:
    job = APP.state.jobs.get(job_id)
    return job is not None and job.status in ("queued", "running")


@pytest.fixture(scope="module", autouse=True)
def _no_job_outlives_the_module() -> Iterator[None]:
    yield
    deadline = time.monotonic() + 120
    while any(_live(job_id) for job_id in SUBMITTED):
        assert time.monotonic() < deadline, "a cancelled experiment is still running"
        time.sleep(0.1)


@schema.parametrize()
def test_api(case: Any) -> None:
    response = case.call_and_validate(checks=CHECKS)
    _cancel_submitted(case, response)


def _call(path: str, method: str, checks: list[Any] = CHECKS, **parts: Any) -> Any:
    case = schema[path][method].Case(**parts)
    response = case.call()
    case.validate_response(response, checks=checks)
    return response


def _server_sent_events(text: str) -> list[dict[str, Any]]:
    """Events as the SSE specification reads them: fields per line, blank line ends one,
    comments (":") skipped; ``retry`` as a number."""
    events, current = [], {}  # type: ignore[var-annotated]
    for line in text.splitlines():
        if not line:
            if current:
                events.append(current)
            current = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            current[field] = int(value) if field == "retry" else value
    return events


def _finished_job() -> str:
    """A tiny training run, submitted and waited for (identical calls share one job)."""
    body = {"kind": "train", "params": {"n_samples": 40, "epochs": 2, "widths": [4]}}
    accepted = _call("/api/experiments", "POST", body=body, media_type="application/json")
    assert accepted.status_code == 202
    job_id: str = accepted.json()["id"]
    SUBMITTED.append(job_id)
    deadline = time.monotonic() + 120
    while _live(job_id):
        assert time.monotonic() < deadline, "a 2-epoch training run did not finish"
        time.sleep(0.05)
    return job_id


def test_a_finished_job() -> None:
    """Read a real job back as the UI does: its status, its events, a cancel that comes late."""
    job_id = _finished_job()
    path = {"path_parameters": {"job_id": job_id}}
    job = _call("/api/experiments/{job_id}", "GET", **path)
    assert job.json()["status"] == "done"
    assert job.json()["result"]["history"]["epoch"] == [0, 1, 2]
    # The stream's schema is a string; each event is checked against its itemSchema below.
    checks = [not_a_server_error, content_type_conformance]
    stream = _call("/api/experiments/{job_id}/events", "GET", checks, **path)
    documented = APP.openapi()
    content = documented["paths"]["/api/experiments/{job_id}/events"]["get"]["responses"]
    media = content["200"]["content"]["text/event-stream"]
    assert media["schema"]["type"] == "string"
    events = _server_sent_events(stream.text)
    assert [event["event"] for event in events] == ["done"]  # finished: the whole job at once
    assert events[0]["retry"] > 0 and events[0]["id"].isdecimal()
    components = {"components": documented["components"]}  # what the $refs point into
    for event in events:
        jsonschema.validate(event, {**media["itemSchema"], **components})
        job = json.loads(event["data"])
        jsonschema.validate(job, {"$ref": "#/components/schemas/ExperimentPublic", **components})
        assert job["status"] == "done"
    cancelled = _call("/api/experiments/{job_id}", "DELETE", **path)
    assert cancelled.json()["status"] == "done"  # a finished job is left as it is


def test_the_events_content_type_is_documented() -> None:
    path = {"path_parameters": {"job_id": _finished_job()}}
    _call("/api/experiments/{job_id}/events", "GET", [content_type_conformance], **path)
