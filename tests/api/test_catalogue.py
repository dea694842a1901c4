"""The catalogue: GET /api/surfaces, /api/optimizers, /api/schedules, and /openapi.json."""

import inspect
import math
from typing import Any

import jax.numpy as jnp
import pytest
from fastapi.testclient import TestClient

from descentlab.core.surfaces import SURFACES
from tests.api.conftest import strict_json
from tests.reference.optax_functions import OPTAX_FUNCTIONS

REQUIRED_SURFACES = (
    "rosenbrock",
    "beale",
    "himmelblau",
    "rastrigin",
    "ackley",
    "booth",
    "goldstein_price",
    "six_hump_camel",
    "styblinski_tang",
    "matyas",
    "saddle",
    "monkey_saddle",
    "elongated_quadratic",
    "w1w2_saddle",
    "sharp_flat",
)


EXPECTED_HYPERPARAMETERS = {
    "sgd": {"learning_rate"},
    "momentum": {"learning_rate", "momentum"},
    "nesterov": {"learning_rate", "momentum"},
    "adagrad": {"learning_rate", "initial_accumulator_value", "eps"},
    "adagrad_rms": {"learning_rate", "eps"},
    "rmsprop": {"learning_rate", "decay", "eps", "initial_scale", "momentum"},
    "adam": {"learning_rate", "b1", "b2", "eps", "eps_root"},
    "adamw": {"learning_rate", "b1", "b2", "eps", "eps_root", "weight_decay"},
    "radam": {"learning_rate", "b1", "b2", "eps", "eps_root", "threshold"},
}

REQUIRED_SCHEDULES = (
    "constant",
    "exponential_decay",
    "step",
    "cosine_decay",
    "inverse_sqrt",
    "transformer",
    "warmup",
)


@pytest.fixture(scope="module")
def surfaces(client: TestClient) -> dict[str, dict[str, Any]]:
    response = client.get("/api/surfaces")
    assert response.status_code == 200
    listing = strict_json(response.text)
    return {surface["id"]: surface for surface in listing}


@pytest.fixture(scope="module")
def optimizers(client: TestClient) -> dict[str, dict[str, Any]]:
    response = client.get("/api/optimizers")
    assert response.status_code == 200
    return {optimizer["name"]: optimizer for optimizer in strict_json(response.text)}


@pytest.fixture(scope="module")
def schedules(client: TestClient) -> dict[str, dict[str, Any]]:
    response = client.get("/api/schedules")
    assert response.status_code == 200
    return {schedule["name"]: schedule for schedule in strict_json(response.text)}


@pytest.fixture(scope="module")
def openapi(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_surface_ids_are_unique(client: TestClient) -> None:
    ids = [surface["id"] for surface in client.get("/api/surfaces").json()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("surface_id", REQUIRED_SURFACES)
def test_surface_is_listed_with_its_description(
    surfaces: dict[str, dict[str, Any]], surface_id: str
) -> None:
    surface = surfaces[surface_id]
    for key in ("name", "latex", "description"):
        assert isinstance(surface[key], str)
        assert surface[key].strip()
    (x_lo, x_hi), (y_lo, y_hi) = surface["domain"]["x"], surface["domain"]["y"]
    assert set(surface["domain"]) == {"x", "y"}
    assert x_lo < x_hi
    assert y_lo < y_hi
    start = surface["default_start"]
    assert len(start) == 2
    assert x_lo <= start[0] <= x_hi
    assert y_lo <= start[1] <= y_hi
    assert isinstance(surface["minima"], list)
    for minimum in surface["minima"]:
        assert set(minimum) == {"x", "y", "value"}
        assert all(math.isfinite(minimum[key]) for key in ("x", "y", "value"))


@pytest.mark.parametrize("surface_id", REQUIRED_SURFACES)
def test_listed_minima_are_where_the_surface_says(
    surfaces: dict[str, dict[str, Any]], surface_id: str
) -> None:
    spec = SURFACES[surface_id]
    params = jnp.asarray(spec.default_params(), dtype=jnp.float64)
    for minimum in surfaces[surface_id]["minima"]:
        point = jnp.array([minimum["x"], minimum["y"]], dtype=jnp.float64)
        assert float(spec.fn(point, params)) == pytest.approx(minimum["value"], abs=1e-9)


def test_surfaces_with_minima_have_them(surfaces: dict[str, dict[str, Any]]) -> None:
    assert surfaces["rosenbrock"]["minima"] == [{"x": 1.0, "y": 1.0, "value": 0.0}]
    assert len(surfaces["himmelblau"]["minima"]) == 4
    assert surfaces["saddle"]["minima"] == []


def test_elongated_quadratic_exposes_its_condition_parameter(
    surfaces: dict[str, dict[str, Any]],
) -> None:
    (condition,) = surfaces["elongated_quadratic"]["parameters"]
    assert condition["name"] == "condition"
    assert condition["lower"] <= condition["default"] <= condition["upper"]
    assert surfaces["rosenbrock"]["parameters"] == []


@pytest.mark.parametrize("name", sorted(EXPECTED_HYPERPARAMETERS))
def test_optimizer_hyperparameters_use_optax_keywords(
    optimizers: dict[str, dict[str, Any]], name: str
) -> None:
    optimizer = optimizers[name]
    hyper = {h["name"]: h for h in optimizer["hyperparameters"]}
    assert set(hyper) == EXPECTED_HYPERPARAMETERS[name]
    keywords = inspect.signature(OPTAX_FUNCTIONS[name]).parameters
    for h_name, h in hyper.items():
        assert h_name in keywords, f"{name}.{h_name} is not a keyword of optax"
        assert h["lower"] <= h["default"] <= h["upper"]
        assert h["description"].strip()
        optax_default = keywords[h_name].default
        if isinstance(optax_default, float):  # optax's own defaults, where it has a number
            assert h["default"] == pytest.approx(optax_default)
    assert optimizer["title"].strip()
    assert optimizer["reference"].strip()
    assert isinstance(optimizer["state"], list)


def test_optimizer_state_views(optimizers: dict[str, dict[str, Any]]) -> None:
    assert optimizers["sgd"]["state"] == []
    assert optimizers["momentum"]["state"] == ["momentum"]
    assert optimizers["adagrad"]["state"] == ["sigma"]
    assert optimizers["adagrad_rms"]["state"] == ["sigma"]
    assert set(optimizers["adam"]["state"]) == {"momentum", "sigma"}


@pytest.mark.parametrize("name", REQUIRED_SCHEDULES)
def test_schedule_is_listed(schedules: dict[str, dict[str, Any]], name: str) -> None:
    schedule = schedules[name]
    assert schedule["title"].strip()
    assert schedule["formula"].strip()
    for parameter in schedule["parameters"]:
        assert parameter["lower"] <= parameter["default"] <= parameter["upper"]
        assert parameter["description"].strip()


def test_schedule_parameters(schedules: dict[str, dict[str, Any]]) -> None:
    assert schedules["constant"]["parameters"] == []
    warmup = {p["name"]: p for p in schedules["warmup"]["parameters"]}
    assert set(warmup) == {"warmup_steps", "init_value"}
    assert warmup["warmup_steps"]["integer"] is True
    assert warmup["init_value"]["integer"] is False


def _schema(openapi: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith("#/components/schemas/")
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[1]]


def _union_by_name(openapi: dict[str, Any], field: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The schemas of a discriminated union on ``name``, by tag."""
    if "anyOf" in field:  # Optional[...]: the union is the non-null branch
        (field,) = [branch for branch in field["anyOf"] if branch.get("type") != "null"]
    mapping = field["discriminator"]["mapping"]
    assert field["discriminator"]["propertyName"] == "name"
    return {tag: _schema(openapi, ref) for tag, ref in mapping.items()}


def test_openapi_documents_every_optimizer_hyperparameter(
    openapi: dict[str, Any], optimizers: dict[str, dict[str, Any]]
) -> None:
    run = openapi["components"]["schemas"]["RunRequest"]
    documented = _union_by_name(openapi, run["properties"]["optimizer"])
    assert set(documented) == set(optimizers)
    for name, optimizer in optimizers.items():
        properties = documented[name]["properties"]
        assert properties["name"]["const"] == name
        for h in optimizer["hyperparameters"]:
            prop = properties[h["name"]]
            assert prop["default"] == pytest.approx(h["default"])
            assert prop["description"] == h["description"]
            assert prop["minimum"] == pytest.approx(h["lower"])
            assert prop["maximum"] == pytest.approx(h["upper"])
        assert set(properties) == {"name"} | {h["name"] for h in optimizer["hyperparameters"]}


def test_openapi_documents_every_schedule(
    openapi: dict[str, Any], schedules: dict[str, dict[str, Any]]
) -> None:
    run = openapi["components"]["schemas"]["RunRequest"]
    documented = _union_by_name(openapi, run["properties"]["schedule"])
    assert set(documented) == set(REQUIRED_SCHEDULES)
    assert set(documented) == set(schedules)
    for name, schedule in schedules.items():
        properties = documented[name]["properties"]
        for parameter in schedule["parameters"]:
            prop = properties[parameter["name"]]
            assert prop["default"] == pytest.approx(parameter["default"])
            assert prop["description"] == parameter["description"]
    # A warm-up is followed by any plain schedule.
    then = _union_by_name(openapi, documented["warmup"]["properties"]["then"])
    assert set(then) == set(REQUIRED_SCHEDULES) - {"warmup"}


def test_openapi_lists_every_route(openapi: dict[str, Any]) -> None:
    paths = openapi["paths"]
    for path in ("/api/health", "/api/surfaces", "/api/optimizers", "/api/schedules"):
        assert "get" in paths[path]
    for path in ("/api/grid", "/api/analyze", "/api/trajectories", "/api/sweeps"):
        assert "post" in paths[path]
