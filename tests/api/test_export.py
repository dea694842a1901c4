"""``GET /api/lessons/{id}/export`` and ``POST /api/export``: one HTML file as an attachment,
whose inlined data are what the API itself answers to the lab's requests."""

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from descentlab.api.app import create_app
from descentlab.api.deps import app_settings
from descentlab.api.settings import Settings
from descentlab.assets import require_frontend
from descentlab.export.data import lab_requests
from descentlab.export.page import page_data
from descentlab.lessons import get_lesson

PROBLEM_JSON = "application/problem+json"


def _surface(client: TestClient, surface_id: str) -> dict[str, Any]:
    (surface,) = [s for s in client.get("/api/surfaces").json() if s["id"] == surface_id]
    return surface


def _free_play_state(**changes: Any) -> dict[str, Any]:
    run = {"optimizer": "adam", "hyper": {"learning_rate": 0.05}, "schedule": None, "noise": 0.0}
    runs = [
        {**run, "seed": 0, "color": 3, "label": None},
        {**run, "seed": 0, "color": 3, "label": None},  # a second Adam: labelled "adam 2"
    ]
    state = {
        "surface": "himmelblau",
        "params": {},
        "view": "contour",
        "logScale": True,
        "start": [-1.0, 1.0],
        "steps": 64,
        "speed": 4,
        "runs": runs,
        "inspect": None,
        "hmap": None,
    }
    return {**state, **changes}


def test_a_lesson_downloads_as_one_html_attachment(client: TestClient) -> None:
    local = {"host": "127.0.0.1:8000"}
    response = client.get("/api/lessons/momentum-saddle/export", headers=local)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="momentum-saddle.html"'
    page = response.text
    assert page.startswith("<!doctype html>")
    # "Open it in the live lab" leads back to the lesson on the server it came from.
    link = '<a id="open-live-lab" href="http://127.0.0.1:8000/?lesson=momentum-saddle">'
    assert link in page


def test_an_exports_link_never_follows_a_host_header_the_client_wrote(
    client: TestClient,
) -> None:
    hostile = {"host": "evil.example"}
    page = client.get("/api/lessons/momentum-saddle/export", headers=hostile).text
    assert "evil.example" not in page
    assert 'id="open-live-lab"' not in page  # no public URL configured: no link at all
    client.app.dependency_overrides[app_settings] = lambda: Settings(  # type: ignore[attr-defined]
        warmup=False, compilation_cache_dir="", public_url="https://lab.example.edu/"
    )
    try:
        page = client.get("/api/lessons/momentum-saddle/export", headers=hostile).text
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert '<a id="open-live-lab" href="https://lab.example.edu/?lesson=momentum-saddle">' in page
    assert "evil.example" not in page


def test_a_public_url_must_be_an_http_address() -> None:
    for bad in ("javascript:alert(1)", "lab.example.edu", 'https://a.edu/"><script>'):
        with pytest.raises(ValidationError, match="not an http"):
            Settings(public_url=bad)


def test_a_lessons_page_holds_what_the_api_answers_the_lab(client: TestClient) -> None:
    lesson = get_lesson("momentum-saddle")
    data = page_data(client.get(f"/api/lessons/{lesson.id}/export").text)
    state = lesson.to_json()["scenario"]["state"]
    assert data["state"] == state
    surface = _surface(client, state["surface"])
    assert data["surface"] == surface
    requests = lab_requests(state, surface)
    assert (
        data["trajectories"]
        == client.post("/api/trajectories", json=requests["trajectories"]).json()
    )
    assert data["grid"] == client.post("/api/grid", json=requests["grid"]).json()
    assert data["optimizers"] == client.get("/api/optimizers").json()
    assert data["schedules"] == client.get("/api/schedules").json()
    assert data["analyses"] == []  # this lesson has no point inspected


def test_a_lesson_with_a_map_carries_what_the_api_answers_the_lab_for_it(
    client: TestClient,
) -> None:
    lesson = get_lesson("momentum-stability")
    data = page_data(client.get(f"/api/lessons/{lesson.id}/export").text)
    state = lesson.to_json()["scenario"]["state"]
    request = lab_requests(state, _surface(client, state["surface"]))["map"]
    # the lab's map request: the run's settings but the two on the axes
    assert request["optimizer"] == {"name": "momentum"} and request["metric"] == "final_loss"
    assert data["hyper_map"] == client.post("/api/maps", json=request).json()
    assert len(data["hyper_map"]["z"]) == 64 and len(data["hyper_map"]["z"][0]) == 64
    assert page_data(client.get("/api/lessons/momentum-saddle/export").text)["hyper_map"] is None


def test_a_scenario_whose_map_names_no_run_is_a_422(client: TestClient) -> None:
    state = get_lesson("momentum-stability").to_json()["scenario"]["state"]
    for run in (3, -1):  # the lesson has three runs
        broken = {**state, "hmap": {**state["hmap"], "run": run}}
        response = client.post("/api/export", json={"state": broken})
        assert response.status_code == 422, response.text
        assert "run" in response.text


def test_unknown_and_malformed_lesson_ids(client: TestClient) -> None:
    missing = client.get("/api/lessons/no-such-lesson/export")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM_JSON
    assert "no lesson 'no-such-lesson'" in missing.json()["detail"]
    assert "content-disposition" not in missing.headers
    assert client.get("/api/lessons/Not_A_Slug/export").status_code == 422


def test_a_network_lesson_shares_the_experiments_job(client: TestClient) -> None:
    lesson = get_lesson("loss-comparison")
    experiment = lesson.to_json()["scenario"]["experiment"]
    response = client.get(f"/api/lessons/{lesson.id}/export")
    assert response.status_code == 200
    data = page_data(response.text)
    assert data["experiment"] == experiment
    # The lesson's Run button now finds the very job the download ran: done already.
    accepted = client.post("/api/experiments", json=experiment)
    assert accepted.status_code == 202
    assert accepted.json()["status"] == "done"
    job = client.get(f"/api/experiments/{accepted.json()['id']}").json()
    assert job["result"] == data["result"]
    # The features' labels, as the API gives them, for the setup table.
    offered = client.get("/api/features").json()
    assert data["feature_labels"] == {f["name"]: f["label"] for f in offered}


def test_the_labs_scenario_downloads_as_html(client: TestClient) -> None:
    state = _free_play_state()
    link = "http://testserver/?s=himmelblau"
    response = client.post("/api/export", json={"state": state, "link": link})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="descentlab-himmelblau.html"'
    )
    data = page_data(response.text)
    assert data["lesson"] is None and data["labLink"] == link
    requests = lab_requests(state, _surface(client, "himmelblau"))
    assert [run["label"] for run in requests["trajectories"]["runs"]] == ["adam", "adam 2"]
    assert (
        data["trajectories"]
        == client.post("/api/trajectories", json=requests["trajectories"]).json()
    )
    assert f'<a id="open-live-lab" href="{link}">' in response.text


def test_an_inspected_scenario_carries_the_analyses(client: TestClient) -> None:
    state = _free_play_state(surface="w1w2_saddle", inspect=[0.0, 0.0], start=None)
    data = page_data(client.post("/api/export", json={"state": state}).text)
    inspected = client.post("/api/analyze", json={"surface": "w1w2_saddle", "point": [0, 0]})
    assert data["analyses"][0] == inspected.json()
    assert len(data["analyses"]) == 2  # and the escape step's point


def test_a_scenario_the_api_would_refuse_is_a_422(client: TestClient) -> None:
    bad_rate = _free_play_state()
    bad_rate["runs"][0]["hyper"] = {"learning_rate": -1.0}
    cases = [
        bad_rate,
        _free_play_state(surface="no_such_surface"),
        _free_play_state(steps=10**6),
        _free_play_state(speed=0),
        _free_play_state(params={"condition": 5.0}),  # himmelblau has no such constant
    ]
    for state in cases:
        response = client.post("/api/export", json={"state": state})
        assert response.status_code == 422, state
        assert response.headers["content-type"] == PROBLEM_JSON
    not_a_link = client.post(
        "/api/export", json={"state": _free_play_state(), "link": "javascript:alert(1)"}
    )
    assert not_a_link.status_code == 422


def test_an_app_with_its_own_front_end_folder_exports_from_that_folder(tmp_path: Path) -> None:
    """The exports read the settings the app was built with, not the environment's."""
    frontend = tmp_path / "frontend"
    shutil.copytree(require_frontend(""), frontend)
    with (frontend / "css" / "lab.css").open("a") as css:
        css.write("\n/* this-folder-not-the-default */\n")
    settings = Settings(warmup=False, compilation_cache_dir="", frontend_dir=str(frontend))
    with TestClient(create_app(settings)) as own:
        page = own.get("/api/lessons/momentum-saddle/export").text
    assert "this-folder-not-the-default" in page


def test_a_live_run_downloads_as_html_replayed_exactly(client: TestClient) -> None:
    """POST /api/export/network replays a recording (two learning rates, then L2) into the
    network page: the same frames as playing it through POST /api/live/steps, to the digit."""
    setup = {"n_samples": 100, "widths": [4], "features": ["x1", "x2", "sin_x1"]}
    segments = [
        {"updates": 7, "learning_rate": 0.05},
        {"updates": 5, "learning_rate": 0.2, "regularization": "l2", "regularization_rate": 0.1},
    ]
    link = "http://testserver/networks.html?w=4"
    response = client.post(
        "/api/export/network", json={"setup": setup, "segments": segments, "link": link}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        'attachment; filename="descentlab-live-moons.html"'
    )
    data = page_data(response.text)
    assert data["kind"] == "network" and data["labLink"] == link
    assert data["state"]["inputFeatures"] == ["x1", "x2", "sin_x1"]
    assert data["feature_labels"]["sin_x1"] == "sin(x₁)"
    live = data["live"]
    # Played the way the page plays it: the same setup, the rates as they changed.
    frame = client.post("/api/live/steps", json={"setup": setup, "updates": 0}).json()
    for segment in segments:
        rates = {k: v for k, v in segment.items() if k != "updates"}
        body = {"setup": {**setup, **rates}, "state": frame["state"], "updates": segment["updates"]}
        frame = client.post("/api/live/steps", json=body).json()
    assert live["history"]["epoch"][-1] == frame["epoch"] == 12 / 3
    assert live["history"]["train_loss"][-1] == frame["metrics"]["train_loss"]
    assert live["history"]["penalty"][-1] == frame["metrics"]["penalty"] > 0
    assert live["frames"][-1]["network"] == frame["network"]
    assert live["frames"][-1]["boundary"] == frame["boundary"]
    # Every update count is a point of the curves (12 ≤ 300), each a frame (≤ 60).
    assert len(live["history"]["epoch"]) == len(live["frames"]) == 13
    assert live["diverged_at"] is None
    assert live["data"]["x_train"] == frame_data(client, setup)


def frame_data(client: TestClient, setup: dict[str, Any]) -> Any:
    return client.post("/api/live/steps", json={"setup": setup}).json()["data"]["x_train"]


def test_a_recording_over_the_bounds_is_a_422(client: TestClient) -> None:
    too_long = [{"updates": 20_000, "learning_rate": 0.01}, {"updates": 1, "learning_rate": 0.1}]
    for body, words in (
        ({"segments": too_long}, "at most 20000 updates"),
        ({"segments": []}, "at least 1 item"),
        ({"setup": {"architecture": "cnn", "dataset": "digits"}, "segments": too_long[1:]}, "mlp"),
        ({"segments": [{"updates": 1, "learning_rate": 0}]}, "greater than 0"),
    ):
        response = client.post("/api/export/network", json=body)
        assert response.status_code == 422, body
        assert words in response.text, (words, response.text)
