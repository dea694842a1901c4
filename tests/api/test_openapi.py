"""The OpenAPI contract as a generated client reads it: operation ids, one tag per resource,
every refusal a request can meet declared where it can meet it, the event stream as text."""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from descentlab.api.app import create_app
from descentlab.api.settings import Settings
from descentlab.core.nets.uploads import MAX_UPLOAD_BYTES

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    return dict(client.get("/openapi.json").json())


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield path, method.upper(), operation


def test_operation_ids_are_the_route_names_and_unique(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    for operation_id in ids:  # e.g. run_trajectories, never trajectories_api_trajectories_post
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", operation_id), operation_id
        assert "_api_" not in operation_id and not operation_id.endswith(("_get", "_post"))
    assert {"run_trajectories", "analyze_point", "submit_experiment"} <= set(ids)


def test_each_operation_has_one_tag_its_resource_and_every_tag_is_described(
    document: dict[str, Any],
) -> None:
    described = {tag["name"]: tag["description"] for tag in document["tags"]}
    for path, method, operation in _operations(document):
        resource = path.split("/")[2]  # /api/<resource>/...
        assert operation["tags"] == [resource], (method, path)
        assert described[resource]
    used = {operation["tags"][0] for _, _, operation in _operations(document)}
    assert used == set(described)


def _declares_problem(operation: dict[str, Any], status: int) -> bool:
    response = operation["responses"].get(str(status))
    return response is not None and PROBLEM in response.get("content", {})


def _call(client: TestClient, path: str, method: str, **kwargs: Any) -> int:
    concrete = re.sub(r"\{[^}]+\}", "momentum-saddle", path)
    return client.request(method, concrete, **kwargs).status_code


def test_every_operation_that_takes_a_body_declares_the_413_it_gets_when_too_large(
    client: TestClient, document: dict[str, Any]
) -> None:
    with_body = [(p, m, op) for p, m, op in _operations(document) if "requestBody" in op]
    assert len(with_body) >= 7
    past_every_limit = b"x" * (MAX_UPLOAD_BYTES + 1)  # the largest: a CSV upload's
    for path, method, operation in with_body:
        assert _call(client, path, method, content=past_every_limit) == 413, (method, path)
        assert _declares_problem(operation, 413), (method, path)


def test_every_operation_the_rate_limit_can_refuse_declares_429(document: dict[str, Any]) -> None:
    settings = Settings(warmup=False, compilation_cache_dir="", rate_limit_per_minute=1)
    refused = 0
    for path, method, operation in _operations(document):
        with TestClient(create_app(settings)) as limited:  # a fresh bucket per operation
            _call(limited, path, method)
            status = _call(limited, path, method)
        if status == 429:
            refused += 1
            assert _declares_problem(operation, 429), (method, path)
            assert "Retry-After" in operation["responses"]["429"]["headers"]
        else:
            assert path == "/api/health", (method, path, status)  # the one exempt path
    assert refused == sum(1 for _ in _operations(document)) - 1


def test_the_compute_operations_declare_503_with_retry_after(document: dict[str, Any]) -> None:
    for path in ("/api/grid", "/api/analyze", "/api/trajectories", "/api/sweeps", "/api/maps"):
        operation = document["paths"][path]["post"]
        assert _declares_problem(operation, 503)
        assert "Retry-After" in operation["responses"]["503"]["headers"]


def test_the_operations_on_a_clients_experiments_declare_its_id_header(
    document: dict[str, Any],
) -> None:
    """A generated client must know to send X-Client-Id: its experiments are its own."""
    declared = {
        operation["operationId"]
        for _, _, operation in _operations(document)
        if any(
            p["in"] == "header" and p["name"] == "X-Client-Id"
            for p in operation.get("parameters", [])
        )
    }
    assert declared == {"submit_experiment", "cancel_experiment", "list_my_experiments"}
    cancel = document["paths"]["/api/experiments/{job_id}"]["delete"]
    assert "403" in cancel["responses"]


def test_the_event_stream_is_declared_as_text(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/experiments/{job_id}/events"]["get"]
    content = operation["responses"]["200"]["content"]
    assert list(content) == ["text/event-stream"]
    assert content["text/event-stream"]["schema"]["type"] == "string"
    item = content["text/event-stream"]["itemSchema"]
    assert set(item["properties"]["event"]["enum"]) == {
        "progress",
        "patch",
        "done",
        "failed",
        "cancelled",
    }


def _enumerations(node: Any, path: str = "") -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list) and len(node["enum"]) > 1:
            yield tuple(node["enum"]), path
        for key, value in node.items():
            yield from _enumerations(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _enumerations(value, f"{path}/{index}")


def test_each_enumeration_is_declared_once_and_referred_to(document: dict[str, Any]) -> None:
    """One Activation, one Loss, one JobStatus...: not a copy per model that uses them."""
    seen: dict[frozenset[str], list[str]] = {}
    for values, path in _enumerations(document):
        seen.setdefault(frozenset(values), []).append(path)
    repeated = {tuple(sorted(v)): paths for v, paths in seen.items() if len(paths) > 1}
    assert repeated == {}
    schemas = document["components"]["schemas"]
    for name in ("Activation", "Loss", "Optimizer", "Task", "JobStatus", "Directions"):
        assert schemas[name]["type"] == "string" and len(schemas[name]["enum"]) > 1
    used = json.dumps(document["paths"]) + json.dumps(
        {k: v for k, v in schemas.items() if k not in {"Activation", "Loss", "Optimizer"}}
    )
    assert used.count('"#/components/schemas/Activation"') >= 3  # every setup model's
    # Each kind's job, the submission's answer and a client's list entry.
    assert used.count('"#/components/schemas/JobStatus"') == 2 + len(
        document["components"]["schemas"]["ExperimentPublic"]["oneOf"]
    )
    for model in ("ExperimentAccepted", "ExperimentSummary"):
        assert "JobStatus" in json.dumps(schemas[model]["properties"]["status"])
