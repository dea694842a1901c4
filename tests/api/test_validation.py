"""Every way a request can be wrong is a 422 problem+json naming the field (never a 500)."""

import copy
import json
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    PROBLEM_JSON,
    analyze_request,
    grid_request,
    run_request,
    strict_json,
    sweep_request,
    trajectory_request,
)

TRAJECTORIES, GRID, ANALYZE, SWEEPS = (
    "/api/trajectories",
    "/api/grid",
    "/api/analyze",
    "/api/sweeps",
)
POST_ROUTES = (TRAJECTORIES, GRID, ANALYZE, SWEEPS)


def _post(client: TestClient, path: str, body: Any) -> Any:
    """POST a body: bytes are sent as they are, anything else as JSON."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(path, content=raw, headers={"content-type": "application/json"})


def assert_problem(response: Any, field: str | None, mention: str | None = None) -> dict[str, Any]:
    """A strict-JSON 422 problem whose detail (and errors[].field, if any) names ``field``."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = strict_json(response.text)  # raises on NaN / Infinity tokens
    assert problem["status"] == 422
    assert problem["title"] == "Unprocessable Entity"
    assert problem["type"] == "about:blank"
    assert isinstance(problem["detail"], str)
    assert problem["detail"]
    if field is not None:
        assert field in problem["detail"], problem["detail"]
        if "errors" in problem:
            fields = [error["field"] for error in problem["errors"]]
            assert any(f == field or f.startswith(f"{field}.") for f in fields), fields
    if mention is not None:
        assert mention in problem["detail"], problem["detail"]
    for error in problem.get("errors", []):
        assert set(error) == {"field", "message", "type"}  # the input is never echoed
    return problem


def _trajectory(**run_overrides: Any) -> dict[str, Any]:
    return trajectory_request(runs=[run_request(**run_overrides)])


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    body = copy.deepcopy(body)
    del body[key]
    return body


def _run_without(key: str) -> dict[str, Any]:
    run = run_request()
    del run[key]
    return trajectory_request(runs=[run])


def _sweep_rates(**rates: float) -> dict[str, Any]:
    return sweep_request(learning_rates={"min": 1e-4, "max": 1e-2, "count": 4} | rates)


EQ_PARAMS = {"id": "elongated_quadratic", "params": {"condition": 3.0}}

# (path, body, the field the problem must name, something else its detail must say)
CASES: dict[str, tuple[str, Any, str, str | None]] = {
    # unknown names
    "unknown surface": (TRAJECTORIES, trajectory_request(surface="nope"), "surface", "nope"),
    "unknown surface (grid)": (GRID, grid_request(surface="nope"), "surface", "nope"),
    "unknown surface (analyze)": (ANALYZE, analyze_request(surface="nope"), "surface", "nope"),
    "unknown surface (sweep)": (SWEEPS, sweep_request(surface="nope"), "surface", "nope"),
    "unknown surface id in selection": (
        GRID,
        grid_request(surface={"id": "x"}),
        "surface.id",
        None,
    ),
    "surface not a string": (GRID, grid_request(surface=5), "surface", None),
    "unknown optimizer": (
        TRAJECTORIES,
        _trajectory(optimizer={"name": "sgdx"}),
        "runs.0.optimizer",
        "sgdx",
    ),
    "optimizer without name": (
        TRAJECTORIES,
        _trajectory(optimizer={"learning_rate": 0.1}),
        "runs.0.optimizer",
        None,
    ),
    "unknown optimizer (sweep)": (
        SWEEPS,
        sweep_request(optimizers=[{"optimizer": {"name": "sgdx"}}]),
        "optimizers.0.optimizer",
        None,
    ),
    "unknown schedule": (
        TRAJECTORIES,
        _trajectory(schedule={"name": "cyclic"}),
        "runs.0.schedule",
        "cyclic",
    ),
    "warmup then warmup": (
        TRAJECTORIES,
        _trajectory(schedule={"name": "warmup", "then": {"name": "warmup"}}),
        "runs.0.schedule.warmup.then",
        None,
    ),
    "unknown schedule (sweep)": (
        SWEEPS,
        sweep_request(optimizers=[{"optimizer": {"name": "sgd"}, "schedule": {"name": "x"}}]),
        "optimizers.0.schedule",
        None,
    ),
    # unknown extra fields
    "lr instead of learning_rate": (
        TRAJECTORIES,
        _trajectory(optimizer={"name": "sgd", "lr": 0.1}),
        "runs.0.optimizer.sgd.lr",
        None,
    ),
    "hyperparameter of another optimizer": (
        TRAJECTORIES,
        _trajectory(optimizer={"name": "sgd", "b1": 0.9}),
        "runs.0.optimizer.sgd.b1",
        None,
    ),
    "extra field in run": (TRAJECTORIES, _trajectory(lr=0.1), "runs.0.lr", None),
    "extra top-level field": (TRAJECTORIES, trajectory_request(colour="red"), "colour", None),
    "extra field in grid": (GRID, grid_request(res=8), "res", None),
    "extra field in analyze": (ANALYZE, analyze_request(hessian=True), "hessian", None),
    "extra field in sweep": (SWEEPS, sweep_request(rates=[1]), "rates", None),
    "extra field in surface selection": (
        GRID,
        grid_request(surface={"id": "rosenbrock", "parameters": {}}),
        "surface.parameters",
        None,
    ),
    "extra field in schedule": (
        TRAJECTORIES,
        _trajectory(schedule={"name": "step", "steps": 3}),
        "runs.0.schedule.step.steps",
        None,
    ),
    "extra field in domain": (
        GRID,
        grid_request(domain={"x": [0, 1], "y": [0, 1], "z": [0, 1]}),
        "domain.z",
        None,
    ),
    # wrong shapes and missing fields
    "start with 1 number": (TRAJECTORIES, _trajectory(start=[1.0]), "runs.0.start", None),
    "start with 3 numbers": (
        TRAJECTORIES,
        _trajectory(start=[1.0, 2.0, 3.0]),
        "runs.0.start",
        None,
    ),
    "start as a string": (TRAJECTORIES, _trajectory(start="1,2"), "runs.0.start", None),
    "start with a string": (TRAJECTORIES, _trajectory(start=["a", 1.0]), "runs.0.start.0", None),
    "start missing": (TRAJECTORIES, _run_without("start"), "runs.0.start", None),
    "optimizer missing": (TRAJECTORIES, _run_without("optimizer"), "runs.0.optimizer", None),
    "sweep start with 3 numbers": (SWEEPS, sweep_request(start=[0, 0, 0]), "start", None),
    "point as a string": (ANALYZE, analyze_request(point="0,0"), "point", None),
    "point with 1 number": (ANALYZE, analyze_request(point=[0.0]), "point", None),
    "point as an object": (ANALYZE, analyze_request(point={"x": 0, "y": 0}), "point", None),
    "point missing": (ANALYZE, _without(analyze_request(), "point"), "point", None),
    "surface missing": (GRID, _without(grid_request(), "surface"), "surface", None),
    "runs missing": (TRAJECTORIES, _without(trajectory_request(), "runs"), "runs", None),
    "runs not a list": (TRAJECTORIES, trajectory_request(runs=run_request()), "runs", None),
    "domain with one axis": (GRID, grid_request(domain={"x": [0, 1]}), "domain.y", None),
    "domain axis with 3 numbers": (
        GRID,
        grid_request(domain={"x": [0, 1, 2], "y": [0, 1]}),
        "domain.x",
        None,
    ),
    "gradients not a boolean": (GRID, grid_request(gradients="maybe"), "gradients", None),
    # bounds on sizes
    "steps 0": (TRAJECTORIES, trajectory_request(steps=0), "steps", None),
    "steps above the bound": (TRAJECTORIES, trajectory_request(steps=20_001), "steps", None),
    "steps negative": (TRAJECTORIES, trajectory_request(steps=-5), "steps", None),
    "steps fractional": (TRAJECTORIES, trajectory_request(steps=2.5), "steps", None),
    "steps as a word": (TRAJECTORIES, trajectory_request(steps="ten"), "steps", None),
    "no runs": (TRAJECTORIES, trajectory_request(runs=[]), "runs", None),
    "too many runs": (TRAJECTORIES, trajectory_request(runs=[run_request()] * 17), "runs", None),
    "steps x runs over the cap": (
        TRAJECTORIES,
        trajectory_request(steps=20_000, runs=[run_request()] * 6),
        "body",
        "steps × runs",
    ),
    "resolution above the bound": (GRID, grid_request(resolution=513), "resolution", None),
    "resolution below 2": (GRID, grid_request(resolution=1), "resolution", None),
    "label too long": (TRAJECTORIES, _trajectory(label="x" * 65), "runs.0.label", None),
    # hyperparameters and settings out of range
    "b1 = 1.5": (
        TRAJECTORIES,
        _trajectory(optimizer={"name": "adam", "b1": 1.5}),
        "runs.0.optimizer.adam.b1",
        None,
    ),
    "b2 negative": (
        TRAJECTORIES,
        _trajectory(optimizer={"name": "adam", "b2": -0.1}),
        "runs.0.optimizer.adam.b2",
        None,
    ),
    "negative learning_rate": (
        TRAJECTORIES,
        _trajectory(optimizer={"name": "sgd", "learning_rate": -0.1}),
        "runs.0.optimizer.sgd.learning_rate",
        None,
    ),
    "learning_rate above the bound": (
        TRAJECTORIES,
        _trajectory(optimizer={"name": "sgd", "learning_rate": 1e4}),
        "runs.0.optimizer.sgd.learning_rate",
        None,
    ),
    "learning_rate as a word": (
        TRAJECTORIES,
        _trajectory(optimizer={"name": "sgd", "learning_rate": "fast"}),
        "runs.0.optimizer.sgd.learning_rate",
        None,
    ),
    "momentum = 1": (
        TRAJECTORIES,
        _trajectory(optimizer={"name": "momentum", "momentum": 1.0}),
        "runs.0.optimizer.momentum.momentum",
        None,
    ),
    "negative gradient_noise": (
        TRAJECTORIES,
        _trajectory(gradient_noise=-1.0),
        "runs.0.gradient_noise",
        None,
    ),
    "negative seed": (TRAJECTORIES, _trajectory(seed=-1), "runs.0.seed", None),
    "seed above 2**32 - 1": (TRAJECTORIES, _trajectory(seed=2**32), "runs.0.seed", None),
    "start beyond the coordinate limit": (
        TRAJECTORIES,
        _trajectory(start=[1e7, 0.0]),
        "runs.0.start.0",
        None,
    ),
    "point beyond the coordinate limit": (
        ANALYZE,
        analyze_request(point=[0.0, -1e7]),
        "point.1",
        None,
    ),
    "schedule parameter out of range": (
        TRAJECTORIES,
        _trajectory(schedule={"name": "step", "gamma": 2.0}),
        "runs.0.schedule.step.gamma",
        None,
    ),
    "schedule steps not an integer": (
        TRAJECTORIES,
        _trajectory(schedule={"name": "warmup", "warmup_steps": 2.5}),
        "runs.0.schedule.warmup.warmup_steps",
        None,
    ),
    "gradient_tolerance 0": (
        ANALYZE,
        analyze_request(gradient_tolerance=0.0),
        "gradient_tolerance",
        None,
    ),
    "eigenvalue_tolerance negative": (
        ANALYZE,
        analyze_request(eigenvalue_tolerance=-1.0),
        "eigenvalue_tolerance",
        None,
    ),
    # surface parameters
    "unknown surface param": (
        GRID,
        grid_request(surface={"id": "elongated_quadratic", "params": {"kappa": 3}}),
        "surface.params",
        "kappa",
    ),
    "param of a surface without params": (
        TRAJECTORIES,
        trajectory_request(surface={"id": "rosenbrock", "params": {"condition": 3}}),
        "surface.params",
        "condition",
    ),
    "surface param below range": (
        ANALYZE,
        analyze_request(surface={"id": "elongated_quadratic", "params": {"condition": 0.5}}),
        "surface.params",
        "condition",
    ),
    "surface param above range": (
        SWEEPS,
        sweep_request(surface={"id": "elongated_quadratic", "params": {"condition": 1e5}}),
        "surface.params",
        "condition",
    ),
    "surface param not a number": (
        GRID,
        grid_request(surface={"id": "elongated_quadratic", "params": {"condition": "big"}}),
        "surface.params.condition",
        None,
    ),
    "too many surface params": (
        GRID,
        grid_request(
            surface={"id": "elongated_quadratic", "params": {f"p{i}": 1.0 for i in range(9)}}
        ),
        "surface.params",
        None,
    ),
    # domains
    "domain with lo = hi": (
        GRID,
        grid_request(domain={"x": [1.0, 1.0], "y": [0.0, 1.0]}),
        "domain",
        "domain.x",
    ),
    "domain with lo > hi": (
        GRID,
        grid_request(domain={"x": [0.0, 1.0], "y": [2.0, -2.0]}),
        "domain",
        "domain.y",
    ),
    "domain beyond the coordinate limit": (
        GRID,
        grid_request(domain={"x": [-2e6, 1.0], "y": [0.0, 1.0]}),
        "domain.x.0",
        None,
    ),
    # sweeps
    "sweep count too large": (SWEEPS, _sweep_rates(count=129), "learning_rates.count", None),
    "sweep count 1": (SWEEPS, _sweep_rates(count=1), "learning_rates.count", None),
    "sweep min = max": (SWEEPS, _sweep_rates(min=0.1, max=0.1), "learning_rates", "min"),
    "sweep min > max": (SWEEPS, _sweep_rates(min=1.0, max=0.1), "learning_rates", "min"),
    "sweep min 0": (SWEEPS, _sweep_rates(min=0.0), "learning_rates.min", None),
    "sweep max above the bound": (SWEEPS, _sweep_rates(max=1e4), "learning_rates.max", None),
    "sweep work cap exceeded": (
        SWEEPS,
        sweep_request(
            steps=5_000,
            learning_rates={"min": 1e-4, "max": 1.0, "count": 128},
            optimizers=[{"optimizer": {"name": "sgd"}}] * 7,
        ),
        "body",
        "steps × rates × optimizers",
    ),
    "sweep steps above the bound": (SWEEPS, sweep_request(steps=5_001), "steps", None),
    "sweep no optimizers": (SWEEPS, sweep_request(optimizers=[]), "optimizers", None),
    "sweep too many optimizers": (
        SWEEPS,
        sweep_request(optimizers=[{"optimizer": {"name": "sgd"}}] * 17),
        "optimizers",
        None,
    ),
    "sweep unknown metric": (SWEEPS, sweep_request(metric="median"), "metric", None),
    "sweep label too long": (
        SWEEPS,
        sweep_request(optimizers=[{"optimizer": {"name": "sgd"}, "label": "y" * 65}]),
        "optimizers.0.label",
        None,
    ),
}


@pytest.mark.parametrize(("path", "body", "field", "mention"), CASES.values(), ids=CASES.keys())
def test_invalid_request_is_422(
    client: TestClient, path: str, body: Any, field: str, mention: str | None
) -> None:
    assert_problem(_post(client, path, body), field, mention)


# Bodies with a placeholder "@" for one number, which becomes a raw token; each is a valid
# request when "@" is the finite number that follows the field.
NON_FINITE_TEMPLATES: dict[str, tuple[str, str, str, str]] = {
    "start": (
        TRAJECTORIES,
        '{"surface": "rosenbrock", "steps": 10, '
        '"runs": [{"optimizer": {"name": "sgd"}, "start": [@, 1.0]}]}',
        "runs.0.start.0",
        "0.5",
    ),
    "learning_rate": (
        TRAJECTORIES,
        '{"surface": "rosenbrock", "steps": 10, '
        '"runs": [{"optimizer": {"name": "sgd", "learning_rate": @}, "start": [0, 0]}]}',
        "runs.0.optimizer.sgd.learning_rate",
        "0.001",
    ),
    "gradient_noise": (
        TRAJECTORIES,
        '{"surface": "rosenbrock", "steps": 10, '
        '"runs": [{"optimizer": {"name": "sgd"}, "start": [0, 0], "gradient_noise": @}]}',
        "runs.0.gradient_noise",
        "0.5",
    ),
    "point": (ANALYZE, '{"surface": "rosenbrock", "point": [0.0, @]}', "point.1", "0.5"),
    "domain": (
        GRID,
        '{"surface": "rosenbrock", "resolution": 8, "domain": {"x": [-1, 1], "y": [@, 1]}}',
        "domain.y.0",
        "0.5",
    ),
    "sweep start": (
        SWEEPS,
        '{"surface": "rosenbrock", "start": [@, 0], "steps": 50, '
        '"optimizers": [{"optimizer": {"name": "sgd"}}], "learning_rates": {"count": 4}}',
        "start.0",
        "0.5",
    ),
    "sweep learning rate": (
        SWEEPS,
        '{"surface": "rosenbrock", "start": [0, 0], "steps": 50, '
        '"optimizers": [{"optimizer": {"name": "sgd"}}], "learning_rates": {"max": @, "count": 4}}',
        "learning_rates.max",
        "0.01",
    ),
    "surface param": (
        GRID,
        '{"surface": {"id": "elongated_quadratic", "params": {"condition": @}}, "resolution": 8}',
        "surface.params.condition",
        "3",
    ),
    "tolerance": (
        ANALYZE,
        '{"surface": "rosenbrock", "point": [0, 0], "eigenvalue_tolerance": @}',
        "eigenvalue_tolerance",
        "0.001",
    ),
    "schedule": (
        TRAJECTORIES,
        '{"surface": "rosenbrock", "steps": 10, "runs": [{"optimizer": {"name": "sgd"}, '
        '"schedule": {"name": "cosine_decay", "alpha": @}, "start": [0, 0]}]}',
        "runs.0.schedule.cosine_decay.alpha",
        "0.5",
    ),
}
NON_FINITE_TOKENS = ("NaN", "Infinity", "-Infinity", "1e400", "-1e400")


@pytest.mark.parametrize("token", NON_FINITE_TOKENS)
@pytest.mark.parametrize("where", NON_FINITE_TEMPLATES)
def test_non_finite_number_is_422(client: TestClient, where: str, token: str) -> None:
    path, template, field, _ = NON_FINITE_TEMPLATES[where]
    raw = template.replace("@", token).encode()
    assert_problem(_post(client, path, raw), field)


def test_non_finite_templates_are_valid_with_a_finite_number(client: TestClient) -> None:
    # The templates are only wrong because of the token: with a finite number they pass.
    for where, (path, template, _, finite) in NON_FINITE_TEMPLATES.items():
        response = _post(client, path, template.replace("@", finite).encode())
        assert response.status_code == 200, (where, response.text)


MALFORMED = {
    "truncated": b'{"surface": "rosenbrock",',
    "unquoted key": b"{surface: 1}",
    "trailing comma": b'{"surface": "rosenbrock",}',
    "single quotes": b"{'surface': 'rosenbrock'}",
    "garbage": b"not json at all",
}


@pytest.mark.parametrize("path", POST_ROUTES)
@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_json_is_422(client: TestClient, path: str, raw: bytes) -> None:
    problem = assert_problem(_post(client, path, raw), None)
    assert "JSON" in problem["detail"]


UNDECODABLE = {
    # RFC 8259 §8.1: JSON text is UTF-8; these bytes are not, so this is malformed JSON.
    "invalid UTF-8": b'{"surface": "rosenbrock\xff\xfe"}',
    # Valid brackets, nested deeper than the JSON parser's recursion limit.
    "deeply nested": b"[" * 5000 + b"]" * 5000,
}


@pytest.mark.parametrize("raw", UNDECODABLE.values(), ids=UNDECODABLE.keys())
def test_undecodable_body_is_422(client: TestClient, raw: bytes) -> None:
    response = _post(client, GRID, raw)
    assert response.status_code < 500
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    # Malformed JSON is a 422 like every other malformed body (FastAPI answers 400 here).
    assert_problem(response, None)


NOT_AN_OBJECT = {
    "array": b'[{"surface": "rosenbrock"}]',
    "empty array": b"[]",
    "string": b'"rosenbrock"',
    "number": b"42",
    "null": b"null",
    "empty body": b"",
}


@pytest.mark.parametrize("path", POST_ROUTES)
@pytest.mark.parametrize("raw", NOT_AN_OBJECT.values(), ids=NOT_AN_OBJECT.keys())
def test_body_that_is_not_an_object_is_422(client: TestClient, path: str, raw: bytes) -> None:
    assert_problem(_post(client, path, raw), "body")


def test_valid_bodies_are_accepted(client: TestClient) -> None:
    # The factories the cases above start from are themselves valid requests.
    for path, body in (
        (TRAJECTORIES, trajectory_request()),
        (GRID, grid_request()),
        (ANALYZE, analyze_request()),
        (SWEEPS, sweep_request()),
        (GRID, grid_request(surface=EQ_PARAMS)),
    ):
        assert _post(client, path, body).status_code == 200, (path, body)


GARBAGE_VALUES: tuple[Any, ...] = (
    None,
    True,
    -1,
    0,
    1,
    3.5,
    -1e308,
    1e308,
    2**70,
    "",
    "x" * 100,
    [],
    {},
    [1, 2, 3],
    {"a": None},
    "NaN",
)
VALID_BODIES = {
    TRAJECTORIES: trajectory_request,
    GRID: grid_request,
    ANALYZE: analyze_request,
    SWEEPS: sweep_request,
}


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a nested body (containers included)."""
    paths = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            paths += _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths += _leaves(item, (*path, index))
    return paths


def _mutate(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    body = copy.deepcopy(body)
    *parents, last = rng.choice(_leaves(body))
    target: Any = body
    for key in parents:
        target = target[key]
    if isinstance(target, dict) and rng.random() < 0.3:
        del target[last]
    else:
        target[last] = rng.choice(GARBAGE_VALUES)
    return body


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(4 if depth < 3 else 2)
    if kind == 0:
        return rng.choice(GARBAGE_VALUES)
    if kind == 1:
        return rng.choice(["surface", "runs", "steps", "point", "rosenbrock"])
    if kind == 2:
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["surface", "runs", "steps", "start", "point", "optimizer", "name", "x"]
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


def _fuzz_cases(count: int, seed: int) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        path = rng.choice(POST_ROUTES)
        kind = rng.randrange(3)
        if kind == 0:
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 48)))
        elif kind == 1:
            raw = json.dumps(_random_json(rng)).encode()
        else:
            raw = json.dumps(_mutate(VALID_BODIES[path](), rng)).encode()
        cases.append((path, raw))
    return cases


@pytest.mark.parametrize(("path", "raw"), _fuzz_cases(30, seed=20240601))
def test_garbage_never_causes_a_server_error(client: TestClient, path: str, raw: bytes) -> None:
    response = _post(client, path, raw)
    assert response.status_code < 500, response.text
    strict_json(response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
