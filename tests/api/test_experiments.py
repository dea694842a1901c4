"""POST/GET/DELETE /api/experiments and the SSE stream."""

import json
import re
import threading
from dataclasses import replace
from typing import Any

import jsonpatch
import pytest
from fastapi.testclient import TestClient

from descentlab.core.experiments.registry import EXPERIMENTS
from tests.api.conftest import strict_json


def _events(client: TestClient, job_id: str) -> list[tuple[str, dict[str, object]]]:
    """(event name, the job as it stands after the event): ``patch`` events are applied
    with the jsonpatch library (an independent RFC 6902 implementation)."""
    events: list[tuple[str, dict[str, object]]] = []
    name, job = "", None
    with client.stream("GET", f"/api/experiments/{job_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
                if name == "patch":
                    assert job is not None, "a patch came before the whole job"
                    job = jsonpatch.apply_patch(job, data)
                else:
                    job = data
                events.append((name, job))
    return events


def test_an_experiment_is_accepted_streams_progress_and_finishes(client: TestClient) -> None:
    response = client.post(
        "/api/experiments", json={"kind": "loss_comparison", "params": {"resolution": 12}}
    )
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] in ("queued", "running", "done")
    events = _events(client, accepted["id"])
    assert events[-1][0] == "done"
    # With its kernels compiled by earlier tests the job may finish before the stream
    # opens: then the stream is the finished job alone (a running job's stream of
    # progress and patches: tests/api/test_event_streams.py, which holds its job open).
    assert events[0][0] == "progress" or len(events) == 1
    assert all(name in ("progress", "patch") for name, _ in events[:-1])
    final = strict_json(client.get(f"/api/experiments/{accepted['id']}").text)
    assert final["status"] == "done"
    assert final["progress"] == 1.0
    losses = final["result"]["losses"]
    assert set(losses) == {"cross_entropy", "mse"}
    assert len(losses["mse"]["grid"]["z"]) == 12
    assert losses["mse"]["run"]["loss"][-1] > 1.9  # stalled on the plateau
    assert losses["cross_entropy"]["run"]["loss"][-1] < 0.1  # descended


def test_identical_requests_share_one_job(client: TestClient) -> None:
    body = {"kind": "loss_comparison", "params": {"resolution": 9, "steps": 50}}
    first = client.post("/api/experiments", json=body).json()["id"]
    assert client.post("/api/experiments", json=body).json()["id"] == first


def test_unknown_kinds_and_out_of_bound_params_are_422(client: TestClient) -> None:
    unknown = client.post("/api/experiments", json={"kind": "telepathy"})
    assert unknown.status_code == 422
    assert "kind" in unknown.json()["detail"]
    bad = client.post(
        "/api/experiments", json={"kind": "loss_comparison", "params": {"resolution": 10_000}}
    )
    assert bad.status_code == 422
    assert "params.resolution" in bad.json()["detail"]
    optimizer = client.post(
        "/api/experiments", json={"kind": "loss_comparison", "params": {"optimizer": "nope"}}
    )
    assert optimizer.status_code == 422


def test_unknown_ids_are_404_and_cancelling_a_finished_job_leaves_it(client: TestClient) -> None:
    assert client.get("/api/experiments/nope").status_code == 404
    assert client.delete("/api/experiments/nope").status_code == 404
    assert client.get("/api/experiments/nope/events").status_code == 404
    job = client.post(
        "/api/experiments", json={"kind": "loss_comparison", "params": {"resolution": 10}}
    ).json()["id"]
    _events(client, job)
    cancelled = client.delete(f"/api/experiments/{job}")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "done"


def test_only_the_submitting_client_cancels_and_lists_its_experiments(
    client: TestClient,
) -> None:
    body = {"kind": "loss_comparison", "params": {"resolution": 11, "steps": 40}}
    mine, theirs = {"X-Client-Id": "tab-mine"}, {"X-Client-Id": "tab-theirs"}
    job = client.post("/api/experiments", json=body, headers=mine).json()["id"]
    refused = client.delete(f"/api/experiments/{job}", headers=theirs)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "did not submit" in refused.json()["detail"]
    listed = client.get("/api/experiments?mine", headers=mine)
    assert listed.status_code == 200
    assert [entry["id"] for entry in listed.json()] == [job]
    assert set(listed.json()[0]) == {"id", "kind", "status", "progress", "submitted"}
    assert client.get("/api/experiments?mine", headers=theirs).json() == []
    assert client.get("/api/experiments", headers=mine).status_code == 400
    assert client.get("/api/experiments?mine=false", headers=mine).status_code == 400
    # A client without an id (a script) is its address: the test client's, every time.
    scripted = client.post("/api/experiments", json={**body, "params": {"resolution": 13}})
    assert client.get("/api/experiments?mine").json()[-1]["id"] == scripted.json()["id"]
    assert client.delete(f"/api/experiments/{scripted.json()['id']}").status_code == 200


def test_a_training_run_reports_curves_and_the_decision_boundary(client: TestClient) -> None:
    body = {"kind": "train", "params": {"epochs": 6, "widths": [8], "n_samples": 200}}
    job = client.post("/api/experiments", json=body)
    assert job.status_code == 202
    events = _events(client, job.json()["id"])
    assert events[-1][0] == "done"
    progress = [float(str(snapshot["progress"])) for name, snapshot in events[:-1]]
    assert progress == sorted(progress)
    result = strict_json(client.get(f"/api/experiments/{job.json()['id']}").text)["result"]
    assert result["parameters"] == (2 + 1) * 8 + (8 + 1) * 2
    history = result["history"]
    assert len(history["train_loss"]) == 7  # before training, then every epoch
    assert history["train_loss"][-1] < history["train_loss"][0]
    boundary = result["boundary"]
    assert len(boundary["z"]) == len(boundary["epochs"])
    assert len(boundary["z"][0]) == len(boundary["y"])
    assert len(result["data"]["x_train"][0]) == 2
    # live previews (when the stream caught the run in progress) are prefixes of the result
    for _, snapshot in events[:-1]:
        partial = snapshot.get("partial")
        if isinstance(partial, dict):
            so_far = partial["history"]["train_loss"]
            assert so_far == history["train_loss"][: len(so_far)]
    assert events[-1][1]["partial"] is None


def test_training_setups_that_do_not_fit_together_are_422(client: TestClient) -> None:
    cases = [
        ({"dataset": "regression"}, "does not fit"),
        ({"dataset": "nope"}, "unknown dataset"),
        ({"loss": "mse"}, "does not fit"),
        ({"widths": [0]}, "train.params.widths.0"),
        ({"epochs": 500, "n_samples": 4000}, "samples (4000) × epochs (500) exceeds 200000"),
        ({"optimizer": "sgdx"}, "unknown optimizer"),
    ]
    for params, message in cases:
        response = client.post("/api/experiments", json={"kind": "train", "params": params})
        assert response.status_code == 422, params
        assert message in response.json()["detail"], (params, response.json()["detail"])


def test_the_hessian_experiment_reports_its_spectrum(client: TestClient) -> None:
    small = {"widths": [3], "n_samples": 40, "epochs": 2}
    body = {"kind": "hessian", "params": {"setup": small, "top_k": 2, "iterations": 12}}
    job = client.post("/api/experiments", json=body)
    assert job.status_code == 202
    assert _events(client, job.json()["id"])[-1][0] == "done"
    result = strict_json(client.get(f"/api/experiments/{job.json()['id']}").text)["result"]
    assert len(result["top_eigenvalues"]) == 2
    assert result["top_eigenvalues"][0] >= result["top_eigenvalues"][1]
    assert len(result["spectrum"]) == result["parameters"] == (2 + 1) * 3 + (3 + 1) * 2
    bad = client.post("/api/experiments", json={"kind": "hessian", "params": {"top_k": 0}})
    assert bad.status_code == 422
    assert "params.top_k" in bad.json()["detail"]


def test_the_landscape_experiment_returns_a_plotly_ready_slice(client: TestClient) -> None:
    small = {"widths": [4], "n_samples": 40, "epochs": 3}
    body = {"kind": "landscape", "params": {"setup": small, "resolution": 7}}
    job = client.post("/api/experiments", json=body)
    assert job.status_code == 202
    assert _events(client, job.json()["id"])[-1][0] == "done"
    result = strict_json(client.get(f"/api/experiments/{job.json()['id']}").text)["result"]
    assert len(result["z"]) == len(result["y"]) == 7
    assert len(result["z"][0]) == len(result["x"]) == 7
    assert result["centre"]["matches"] is True
    assert len(result["path"]) == len(result["path_epochs"])


def _finished(client: TestClient, body: dict[str, object]) -> dict[str, Any]:
    job = client.post("/api/experiments", json=body)
    assert job.status_code == 202, job.text
    events = _events(client, job.json()["id"])
    assert events[-1][0] == "done", events[-1]
    final: dict[str, Any] = strict_json(client.get(f"/api/experiments/{job.json()['id']}").text)
    return final["result"]


def test_the_batch_size_experiment_rebuilds_the_lecture_table(client: TestClient) -> None:
    params = {
        "setup": {"n_samples": 60, "epochs": 3, "widths": [4]},
        "batch_sizes": [1, "full"],
        "timing_repeats": 1,
        "resolution": 9,
    }
    result = _finished(client, {"kind": "batch_size", "params": params})
    assert result["batch_sizes"] == [1, result["n_train"]]
    small, large = result["runs"]
    assert small["steps_per_epoch"] == result["n_train"] and large["steps_per_epoch"] == 1
    assert large["gradient_noise"] == 0.0 < small["gradient_noise"]
    orders = result["comparison"]["orders"]
    assert {"seconds_per_update", "seconds_per_epoch", "sharpness"} <= set(orders)
    assert orders["gradient_noise"] == 1  # batch 1's gradient is the noisier
    assert len(result["interpolation"]["train"]) == len(result["interpolation"]["x"])


def test_batch_size_params_out_of_the_menu_are_422(client: TestClient) -> None:
    for params in (
        {"batch_sizes": [3, "full"]},  # not on the menu
        {"batch_sizes": [1, 0]},  # 0 is no size: "full" is the API's one word for the whole set
        {"setup": {"batch_size": 0}},
        {"batch_sizes": [8]},  # nothing to compare
        {"setup": {"batch_norm": True}},  # refused: no line joins two BN solutions
        {"batch_sizes": [1, "full"], "setup": {"n_samples": 4000, "epochs": 500}},  # too much work
        # 16 training samples: 64 and the full batch are one size (refused before it runs)
        {"batch_sizes": [64, "full"], "setup": {"n_samples": 20}},
    ):
        response = client.post("/api/experiments", json={"kind": "batch_size", "params": params})
        assert response.status_code == 422, (params, response.text)
    assert "all one size on 16 training samples" in response.text


def test_a_hessian_job_with_one_probe_is_422_not_a_failed_job(client: TestClient) -> None:
    body = {"kind": "hessian", "params": {"probes": 1}}
    response = client.post("/api/experiments", json=body)
    assert response.status_code == 422, response.text
    assert "probes" in response.text


def test_the_normalization_experiment_compares_scaled_and_standardized(
    client: TestClient,
) -> None:
    params = {
        "steps": 20,
        "resolution": 9,
        "setup": {"n_samples": 60, "epochs": 2, "widths": [4]},
        "learning_rates": [0.1],
        "slice_resolution": 5,
    }
    result = _finished(client, {"kind": "normalization", "params": params})
    scaled, standardized = result["linear"]["cases"]
    assert (scaled["name"], standardized["name"]) == ("scaled", "standardized")
    assert scaled["condition_number"] > 10 * standardized["condition_number"]
    assert len(scaled["path"]) == 21
    runs = result["batch_norm"]["runs"]
    assert sorted(run["batch_norm"] for run in runs) == [False, True]
    assert all(len(piece["z"]) == 5 for piece in result["batch_norm"]["slices"])


def test_normalization_params_out_of_bounds_are_422(client: TestClient) -> None:
    for params in (
        {"feature_scale": 0},
        {"learning_rates": []},
        {"learning_rate": -1},
        {"setup": {"dataset": "regression"}},  # cross-entropy does not fit regression
    ):
        response = client.post("/api/experiments", json={"kind": "normalization", "params": params})
        assert response.status_code == 422, (params, response.text)


def test_the_minimum_ratio_experiment_scatters_ratio_against_loss(client: TestClient) -> None:
    params = {"setup": {"n_samples": 40, "epochs": 4}, "widths": [[2]], "seeds": 3}
    result = _finished(client, {"kind": "minimum_ratio", "params": params})
    networks = result["networks"]
    assert len(networks) == 3
    assert result["scatter"]["y"] == [n["minimum_ratio"] for n in networks]
    for n in networks:
        assert n["positive"] + n["negative"] + n["near_zero"] == n["parameters"] == 2 * 3 + 3 * 2


def test_minimum_ratio_params_out_of_bounds_are_422(client: TestClient) -> None:
    for params in (
        {"setup": {"activation": "relu"}},  # kinks: no Hessian there
        {"setup": {"batch_norm": True}},
        {"widths": [[32, 32, 32]]},  # beyond the parameter cap
        {"seeds": 100},
        {"widths": []},
    ):
        response = client.post("/api/experiments", json={"kind": "minimum_ratio", "params": params})
        assert response.status_code == 422, (params, response.text)


def test_a_client_past_its_share_of_the_queue_gets_429(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def wait(params: Any, progress: Any) -> dict[str, bool]:
        while not release.wait(0.01):
            progress(0.5)
        return {"released": True}

    entry = replace(EXPERIMENTS["loss_comparison"], run=wait)
    monkeypatch.setitem(EXPERIMENTS, "loss_comparison", entry)
    try:
        for seed in (1, 2):  # two distinct jobs: this client's share (the default)
            body = {"kind": "loss_comparison", "params": {"steps": seed}}
            assert client.post("/api/experiments", json=body).status_code == 202
        third = {"kind": "loss_comparison", "params": {"steps": 3}}
        response = client.post("/api/experiments", json=third)
        assert response.status_code == 429, response.text
        assert "at most 2 at once" in response.json()["detail"]
        assert response.headers["Retry-After"]
    finally:
        release.set()


def test_an_experiment_past_the_budget_is_refused_before_it_is_queued(client: TestClient) -> None:
    body = {
        "kind": "hessian",
        "params": {
            "setup": {"n_samples": 4000, "widths": [256] * 4},
            "iterations": 200,
            "probes": 64,
            "samples": 4000,  # the Hessian over every training row
        },
    }
    refused = client.post("/api/experiments", json=body)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "limit 5 min" in detail and "probes" in detail.split("lower", 1)[1]
    assert refused.headers["content-type"].startswith("application/problem+json")
    fine = client.post("/api/experiments", json={"kind": "hessian", "params": {"iterations": 16}})
    assert fine.status_code == 202


def test_the_budget_is_a_setting() -> None:
    from descentlab.api.app import create_app
    from descentlab.api.settings import Settings

    app = create_app(
        Settings(warmup=False, compilation_cache_dir="", experiment_memory_limit_mb=100)
    )
    with TestClient(app) as small:
        refused = small.post("/api/experiments", json={"kind": "train"})
    assert refused.status_code == 422
    assert "MB of memory (limit 100 MB)" in refused.json()["detail"]


def test_more_eigenvalues_than_lanczos_steps_is_refused_up_front(client: TestClient) -> None:
    for kind in ("hessian", "batch_size"):
        body = {"kind": kind, "params": {"top_k": 9, "iterations": 8}}
        refused = client.post("/api/experiments", json=body)
        assert refused.status_code == 422, kind
        assert "top_k (9) must not exceed iterations (8)" in refused.text
    # A network with no hidden layer (2 inputs → 2 classes) has 6 parameters: 6 steps at most.
    body = {"kind": "hessian", "params": {"top_k": 7, "iterations": 8, "setup": {"widths": []}}}
    refused = client.post("/api/experiments", json=body)
    assert refused.status_code == 422
    assert "must not exceed the network's 6 parameters" in refused.text


def _set(params: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """``params`` with ``value`` at the dotted ``path`` (``setup.epochs``)."""
    *parents, last = path.split(".")
    node = params
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return params


def names(location: str, path: str) -> bool:
    """Whether an error's field (``batch_size.params.setup.epochs``, or for a number that
    may also be a name ``….batch_size.int``) is the setting at ``path``."""
    return re.search(rf"(^|\.)params\.{re.escape(path)}($|\.)", location) is not None


def test_the_kinds_the_lab_reads_say_what_the_api_enforces(client: TestClient) -> None:
    """Every kind is listed with every setting; each numeric bound listed is the one a
    request meets: one step past it is a 422 that names the field, the bound itself is
    not refused for that field (cross-field checks may still refuse the whole)."""
    kinds = client.get("/api/experiments/kinds").json()
    assert [k["kind"] for k in kinds] == list(EXPERIMENTS)
    minimum_ratio = next(k for k in kinds if k["kind"] == "minimum_ratio")
    for kind in kinds:  # what an experiment sets per run are fields of its own setup
        settings = {f["name"] for f in kind["fields"]}
        assert all(f"setup.{key}" in settings for key in kind["per_run"]), kind["kind"]
    # The core's defaults, not a mirror's: the setup's widths are (4,) (issue 13 drift).
    assert next(f for f in minimum_ratio["fields"] if f["name"] == "setup.widths")["default"] == [4]
    checked = 0
    for kind in kinds:
        for field in kind["fields"]:
            if field["type"] not in ("integer", "number") or field["maximum"] is None:
                continue
            step = 1 if field["type"] == "integer" else field["maximum"] * 1e-6 + 1e-9
            past = {
                "kind": kind["kind"],
                "params": _set({}, field["name"], field["maximum"] + step),
            }
            refused = client.post("/api/experiments", json=past)
            assert refused.status_code == 422, (kind["kind"], field["name"])
            where = [error["field"] for error in refused.json()["errors"]]
            assert any(names(w, field["name"]) for w in where), (kind, where)
            at = {"kind": kind["kind"], "params": _set({}, field["name"], field["maximum"])}
            answer = client.post("/api/experiments", json=at)
            if answer.status_code == 422 and "errors" not in answer.json():
                # The whole request over the job budget (the cost estimate), not the bound.
                assert "would take" in answer.json()["detail"], answer.text
            elif answer.status_code == 422:
                where = [error["field"] for error in answer.json()["errors"]]
                assert not any(names(w, field["name"]) for w in where), where
            elif answer.status_code == 202:
                client.delete(f"/api/experiments/{answer.json()['id']}")
            else:  # valid, and waiting for a place in the queue
                assert answer.status_code in (429, 503), answer.text
            checked += 1
    assert checked > 40


def test_the_js_tests_read_the_kinds_the_api_serves(client: TestClient) -> None:
    """tests/js/experiment_kinds.json is the answer the Networks page gets at start-up; the
    node tests load it, so it must be today's (regenerate it from this endpoint)."""
    from pathlib import Path

    stored = json.loads((Path(__file__).parents[1] / "js" / "experiment_kinds.json").read_text())
    assert stored == client.get("/api/experiments/kinds").json()
