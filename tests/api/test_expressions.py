"""Typed surfaces through the API: every endpoint that takes a surface takes an expression.

A bad expression is a 422 naming ``surface.expression`` with the compiler's message and
column; overflow is a run that reports divergence, in strict JSON.
"""

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from descentlab.api.schemas.analysis import AnalysisPublic
from descentlab.api.schemas.grid import GridPublic
from descentlab.api.schemas.sweeps import SweepPublic
from descentlab.api.schemas.trajectories import TrajectoryPublic
from descentlab.core.expressions import MAX_LENGTH
from tests.api.conftest import (
    PROBLEM_JSON,
    analyze_request,
    grid_request,
    run_request,
    strict_json,
    sweep_request,
    trajectory_request,
)
from tests.compile_counter import count_compiles

ROSENBROCK_TEXT = "(1 - x)^2 + 100*(y - x^2)^2"
HIMMELBLAU_TEXT = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"


def _ok(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    return strict_json(response.text)  # raises on NaN / Infinity tokens


def _himmelblau(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def test_grid_of_a_typed_surface(client: TestClient) -> None:
    domain = {"x": [-4.0, 1.0], "y": [-1.5, 3.5]}
    body = _ok(
        client,
        "/api/grid",
        grid_request(surface={"expression": HIMMELBLAU_TEXT, "domain": domain}, resolution=9),
    )
    GridPublic.model_validate(body)
    x, y = np.array(body["x"]), np.array(body["y"])
    assert (x[0], x[-1], y[0], y[-1]) == (-4.0, 1.0, -1.5, 3.5)
    np.testing.assert_allclose(body["z"], _himmelblau(x[None, :], y[:, None]), rtol=1e-14)


def test_grid_domain_wins_over_the_expressions_and_the_default_is_five_each_way(
    client: TestClient,
) -> None:
    typed = {"expression": "x*y", "domain": {"x": [0, 1], "y": [0, 1]}}
    body = _ok(client, "/api/grid", grid_request(surface=typed, domain={"x": [2, 3], "y": [4, 5]}))
    assert body["x"][0] == 2.0 and body["y"][-1] == 5.0
    body = _ok(client, "/api/grid", grid_request(surface={"expression": "x*y"}))
    assert (body["x"][0], body["x"][-1], body["y"][0], body["y"][-1]) == (-5.0, 5.0, -5.0, 5.0)


def test_analyze_a_typed_surface(client: TestClient) -> None:
    # The lecture's saddle typed in: H = [[0, -2], [-2, 0]] at the origin.
    body = _ok(client, "/api/analyze", analyze_request(surface={"expression": "(1 - x*y)^2"}))
    AnalysisPublic.model_validate(body)
    assert body["kind"] == "saddle"
    assert body["hessian"] == [[0.0, -2.0], [-2.0, 0.0]]
    assert body["eigenvalues"] == [-2.0, 2.0]


def _close(typed: list[Any], built_in: list[Any]) -> None:
    """Equal up to rounding: the typed surface's gradient is the interpreter's forward mode,
    the built-in's JAX's reverse mode (the same values, summed in another order)."""
    np.testing.assert_allclose(
        np.array(typed, dtype=float), np.array(built_in, dtype=float), rtol=1e-12, atol=1e-12
    )


def test_trajectories_on_typed_rosenbrock_equal_the_built_in_surface(client: TestClient) -> None:
    runs = [
        run_request(),
        run_request(optimizer={"name": "adam", "learning_rate": 0.05}, start=[0.5, -0.5]),
    ]
    typed_surface = {"expression": ROSENBROCK_TEXT, "domain": {"x": [-2, 2], "y": [-1, 3]}}
    typed = _ok(client, "/api/trajectories", trajectory_request(surface=typed_surface, runs=runs))
    built_in = _ok(client, "/api/trajectories", trajectory_request(runs=runs))
    TrajectoryPublic.model_validate(typed)
    for a, b in zip(typed["runs"], built_in["runs"], strict=True):
        assert len(a["points"]) == len(b["points"]) == typed["steps"] + 1
        _close(a["points"], b["points"])
        _close(a["loss"], b["loss"])


def test_sweep_on_a_typed_surface(client: TestClient) -> None:
    body = _ok(client, "/api/sweeps", sweep_request(surface={"expression": ROSENBROCK_TEXT}))
    SweepPublic.model_validate(body)
    (result,) = body["results"]
    assert result["best_learning_rate"] in body["learning_rates"]
    built_in = _ok(client, "/api/sweeps", sweep_request())
    typed_losses, built_in_losses = result["final_loss"], built_in["results"][0]["final_loss"]
    assert [v is None for v in typed_losses] == [v is None for v in built_in_losses]
    _close(
        [v for v in typed_losses if v is not None], [v for v in built_in_losses if v is not None]
    )


def test_a_new_structure_compiles_nothing(client: TestClient) -> None:
    _ok(client, "/api/grid", grid_request(surface={"expression": "3*x^2 + 0.5*y^4"}))
    with count_compiles() as log:
        body = _ok(client, "/api/grid", grid_request(surface={"expression": "7*x^2 + 2*y^4"}))
        other = _ok(client, "/api/grid", grid_request(surface={"expression": "sin(x) * cosh(y)"}))
    assert log.compiles == []
    x, y = np.array(body["x"]), np.array(body["y"])
    np.testing.assert_allclose(body["z"], 7 * x[None, :] ** 2 + 2 * y[:, None] ** 4, rtol=1e-14)
    np.testing.assert_allclose(other["z"], np.sin(x[None, :]) * np.cosh(y[:, None]), rtol=1e-14)


BAD = {
    # expression: what the message says (with its column)
    "x + z": "unknown name 'z' at column 5",
    "sin(x, y)": "sin takes 1 argument, got 2 at column 1",
    "__import__('os').system('ls')": "at column 12",
    "x.__class__": "attribute access ('.') not allowed at column 2",
    "2 × x": "at column 3; use *",
    "x" * (MAX_LENGTH + 1): f"expression too long ({MAX_LENGTH + 1} > {MAX_LENGTH} characters)",
    "-" * 60 + "x": "nested too deeply",
    "x +": "ends too early at column 4",
}
ENDPOINTS = {
    "/api/grid": grid_request,
    "/api/analyze": analyze_request,
    "/api/trajectories": trajectory_request,
    "/api/sweeps": sweep_request,
}


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("expression", BAD, ids=[repr(e[:20]) for e in BAD])
def test_a_bad_expression_is_a_422_naming_the_field_and_column(
    client: TestClient, path: str, expression: str
) -> None:
    body = ENDPOINTS[path](surface={"expression": expression})
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = strict_json(response.text)
    (error,) = problem["errors"]
    assert error["field"] == "surface.expression"
    assert BAD[expression] in error["message"]
    assert problem["detail"] == f"surface.expression: {error['message']}"
    assert expression not in problem["detail"] or len(expression) < 4  # the input is not echoed


SHAPES = {
    "not a string": ({"expression": 5}, "surface.expression", "valid string"),
    "with an id": ({"expression": "x", "id": "rosenbrock"}, "surface.id", "Extra inputs"),
    "unknown field": ({"expression": "x", "params": {}}, "surface.params", "Extra inputs"),
    "inverted domain": (
        {"expression": "x", "domain": {"x": [1, 0], "y": [0, 1]}},
        "surface.domain",
        "lo < hi",
    ),
    "domain beyond the limit": (
        {"expression": "x", "domain": {"x": [0, 2e6], "y": [0, 1]}},
        "surface.domain.x.1",
        None,
    ),
}


@pytest.mark.parametrize("case", SHAPES)
def test_a_malformed_typed_surface_is_a_422_on_one_branch(client: TestClient, case: str) -> None:
    surface, field, mention = SHAPES[case]
    response = client.post("/api/grid", json=grid_request(surface=surface))
    assert response.status_code == 422, response.text
    errors = strict_json(response.text)["errors"]
    assert [e["field"] for e in errors] == [field]  # one branch's errors only
    if mention is not None:
        assert mention in errors[0]["message"]


def test_a_selection_error_still_names_surface_id(client: TestClient) -> None:
    response = client.post("/api/grid", json=grid_request(surface={"id": "nope"}))
    assert [e["field"] for e in strict_json(response.text)["errors"]] == ["surface.id"]


def test_overflow_at_the_start_is_divergence_at_step_0(client: TestClient) -> None:
    body = _ok(
        client,
        "/api/trajectories",
        trajectory_request(surface={"expression": "10^400*x"}, runs=[run_request(start=[1, 1])]),
    )
    (run,) = body["runs"]
    assert run["diverged_at"] == 0
    assert run["points"] == [] and run["loss"] == []


def test_overflow_during_a_run_is_divergence_with_finite_points(client: TestClient) -> None:
    body = _ok(
        client,
        "/api/trajectories",
        trajectory_request(
            surface={"expression": "10^150*(x^2 + y^2)"}, runs=[run_request(start=[1, 1])]
        ),
    )
    (run,) = body["runs"]
    assert run["diverged_at"] == 1
    assert len(run["points"]) == 1 and run["loss"] == [2e150]


def test_overflow_on_a_grid_and_at_a_point_is_null(client: TestClient) -> None:
    body = _ok(client, "/api/grid", grid_request(surface={"expression": "1e400*x + y"}))
    z = np.array(body["z"], dtype=object)
    assert all(value is None for value in z[:, 1:].ravel())  # x > 0 there: +inf
    body = _ok(
        client, "/api/analyze", analyze_request(surface={"expression": "9^9^9^9 + x"}, point=[1, 0])
    )
    assert body["value"] is None and body["eigenvalues"] == [None, None]
    assert body["gradient"] == [1.0, 0.0]


def test_openapi_documents_the_grammar(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ExpressionSurface"]
    expression = schema["properties"]["expression"]
    assert expression["maxLength"] == MAX_LENGTH
    for word in ("sin(a)", "arctan2(a, b)", "^", "pi"):
        assert word in expression["description"]
    assert schema["additionalProperties"] is False


def test_a_huge_but_finite_gradient_keeps_its_norm(client: TestClient) -> None:
    """|g| = 1e160·√2 overflows a naive norm (g² = 1e320): it must stay a number."""
    body = _ok(
        client,
        "/api/trajectories",
        trajectory_request(
            surface={"expression": "1e160*(x + y)"},
            steps=1,
            runs=[run_request(start=[0, 0], optimizer={"name": "sgd", "learning_rate": 1e-200})],
        ),
    )
    (run,) = body["runs"]
    assert run["grad_norm"][0] == pytest.approx(1e160 * np.sqrt(2))


def test_a_point_where_value_and_gradient_overflow_is_analyzed_without_error(
    client: TestClient,
) -> None:
    body = _ok(
        client, "/api/analyze", analyze_request(surface={"expression": "1e400*x"}, point=[1, 0])
    )
    assert body["value"] is None
    assert body["gradient"][0] is None


def test_a_typed_surface_is_compiled_once_per_request(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schema compiles the text and everything after it reads that program: a grid, a
    race and a sweep (whose budget check reads its size) each compile it once."""
    from descentlab.api.schemas import surfaces
    from tests.api.conftest import run_request, sweep_request, trajectory_request

    compiled: list[str] = []

    def counting(text: str) -> Any:
        compiled.append(text)
        return real(text)

    real = surfaces.compile_expression
    monkeypatch.setattr(surfaces, "compile_expression", counting)
    for n, (path, body) in enumerate(
        [
            ("/api/grid", {"resolution": 16}),
            ("/api/trajectories", trajectory_request(steps=5, runs=[run_request(start=[1, 1])])),
            ("/api/sweeps", sweep_request(start=[1, 1], steps=5)),
        ]
    ):
        text = f"x^2 + {n + 2}*y^2"  # a new text each time: no cached response
        compiled.clear()
        response = client.post(path, json={**body, "surface": {"expression": text}})
        assert response.status_code == 200, response.text
        assert compiled == [text], path
