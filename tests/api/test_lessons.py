"""GET /api/lessons and /api/lessons/{id}: the curriculum's lessons, and their OpenAPI."""

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from descentlab.api.schemas.trajectories import TrajectoryRequest
from descentlab.lessons import LESSONS, get_lesson
from descentlab.lessons.engine import run_scenario
from descentlab.lessons.format import SurfaceScenario
from tests.api.conftest import PROBLEM_JSON, strict_json

SUMMARY_KEYS = {"id", "title", "section", "section_title", "summary", "url"}


def trajectory_body(state: dict[str, Any], default_start: list[float]) -> dict[str, Any]:
    """The POST /api/trajectories body the lab builds from a state (``requests.js``)."""
    surface = {"id": state["surface"], "params": state["params"]} if state["params"] else None
    start = state["start"] or default_start
    return {
        "surface": surface or state["surface"],
        "steps": state["steps"],
        "runs": [
            {
                "optimizer": {"name": run["optimizer"], **run["hyper"]},
                **({"schedule": run["schedule"]} if run["schedule"] else {}),
                "start": start,
                "gradient_noise": run["noise"],
                "seed": run["seed"],
                "label": run["label"] or run["optimizer"],
            }
            for run in state["runs"]
        ],
    }


@pytest.fixture(scope="module")
def listing(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/api/lessons")
    assert response.status_code == 200
    body: list[dict[str, Any]] = strict_json(response.text)
    return body


def test_the_index_lists_every_lesson_in_curriculum_order(listing: list[dict[str, Any]]) -> None:
    assert [entry["id"] for entry in listing] == [lesson.id for lesson in LESSONS]
    places = [tuple(map(int, entry["section"].split("."))) for entry in listing]
    assert places == sorted(places)
    for entry in listing:
        assert set(entry) == SUMMARY_KEYS
        lesson = get_lesson(entry["id"])
        assert entry == lesson.summary_json()
        page = "/" if isinstance(lesson.scenario, SurfaceScenario) else "/networks.html"
        assert entry["url"] == f"{page}?lesson={lesson.id}"


def test_each_lesson_is_served_whole(client: TestClient, listing: list[dict[str, Any]]) -> None:
    for entry in listing:
        response = client.get(f"/api/lessons/{entry['id']}")
        assert response.status_code == 200
        body = strict_json(response.text)
        assert body == get_lesson(entry["id"]).to_json()  # nothing lost or renamed
        assert {k: body[k] for k in SUMMARY_KEYS} == entry
        assert len(body["explanation"]) > len(body["summary"])


def test_every_2d_lesson_is_a_race_the_trajectories_endpoint_accepts(client: TestClient) -> None:
    surfaces = {s["id"]: s for s in client.get("/api/surfaces").json()}
    for lesson in LESSONS:
        body = client.get(f"/api/lessons/{lesson.id}").json()
        if body["scenario"]["kind"] != "surface":
            continue
        state = body["scenario"]["state"]
        request = trajectory_body(state, surfaces[state["surface"]]["default_start"])
        TrajectoryRequest.model_validate(request)  # raises when the API would answer 422


def test_a_lesson_raced_through_the_api_matches_the_engine(client: TestClient) -> None:
    lesson = get_lesson("momentum-saddle")
    assert isinstance(lesson.scenario, SurfaceScenario)
    state = client.get(f"/api/lessons/{lesson.id}").json()["scenario"]["state"]
    response = client.post("/api/trajectories", json=trajectory_body(state, [0.0, 0.0]))
    assert response.status_code == 200
    raced = response.json()["runs"]
    for run, expected in zip(raced, run_scenario(lesson.scenario), strict=True):
        np.testing.assert_allclose(run["points"], expected.points, rtol=1e-12, atol=1e-15)
        assert run["diverged_at"] == expected.diverged_at


def test_a_network_lesson_opens_its_experiment_with_the_setup_shown(client: TestClient) -> None:
    body = client.get("/api/lessons/small-vs-large-batch").json()
    scenario = body["scenario"]
    assert body["url"] == "/networks.html?lesson=small-vs-large-batch"
    assert scenario["kind"] == "network"
    experiment, state = scenario["experiment"], scenario["state"]
    assert experiment["kind"] == "batch_size"
    setup = experiment["params"]["setup"]
    # The page's fields (camelCase) say what the experiment trains (the API's names).
    assert state["nSamples"] == setup["n_samples"] == 400
    assert state["learningRate"] == setup["learning_rate"] == 0.1
    assert state["optimizer"] == setup["optimizer"] == "sgd"
    assert state["widths"] == setup["widths"] == [16, 16]


def test_an_unknown_lesson_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/lessons/no-such-lesson")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["status"] == 404 and "no-such-lesson" in problem["detail"]


@pytest.mark.parametrize("bad", ["Momentum-Saddle", "a--b", "-a", "a_b", "x" * 65])
def test_an_id_that_is_not_a_slug_is_a_422_problem(client: TestClient, bad: str) -> None:
    response = client.get(f"/api/lessons/{bad}")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"][0]["field"] == "lesson_id"


def test_openapi_documents_both_endpoints_and_the_scenario_kinds(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    listed = paths["/api/lessons"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listed["schema"]["items"]["$ref"].endswith("/LessonSummaryPublic")
    one = paths["/api/lessons/{lesson_id}"]["get"]
    assert one["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/LessonPublic"
    )
    assert "404" in one["responses"]
    (parameter,) = one["parameters"]
    assert parameter["schema"]["pattern"] == "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    components = schema["components"]["schemas"]
    scenario = components["LessonPublic"]["properties"]["scenario"]
    assert set(scenario["discriminator"]["mapping"]) == {"surface", "network"}
    assert "logScale" in components["LabStatePublic"]["properties"]  # the front end's names
    assert "nSamples" in components["NetworksStatePublic"]["properties"]
