"""Every experiment kind's real result (and training's partial results) validated against
the typed models the OpenAPI declares for it: unknown keys, missing keys and wrong types
fail, so the document and the core's output cannot drift apart."""

import json
from typing import Any

import jsonpatch
import pytest
from fastapi.testclient import TestClient

from descentlab.api.app import create_app
from descentlab.api.responses import encode
from descentlab.api.schemas.experiments import PARAMS_MODELS, to_core
from descentlab.api.schemas.results import JOB_MODELS, RESULTS, ExperimentPublic, TrainPartial
from descentlab.api.settings import Settings
from descentlab.core.experiments.registry import EXPERIMENTS

SMALL_SETUP = {"n_samples": 40, "epochs": 3, "widths": [4]}
# One small run of every kind (and the variants whose results have other keys).
CASES = {
    "train": {"n_samples": 40, "epochs": 3, "widths": [4]},
    "train-regression": {"dataset": "regression", "loss": "mse", "n_samples": 40, "epochs": 3},
    "train-iris": {"dataset": "iris", "epochs": 3, "widths": [4]},
    "loss_comparison": {"steps": 20, "resolution": 11},
    "hessian": {"setup": SMALL_SETUP, "iterations": 8, "probes": 2},
    "landscape": {"setup": SMALL_SETUP, "resolution": 9},
    "landscape-random": {"setup": SMALL_SETUP, "resolution": 9, "directions": "random"},
    "batch_size": {"setup": SMALL_SETUP, "batch_sizes": [4, "full"], "resolution": 9},
    "normalization": {"setup": {"epochs": 3, "n_samples": 40}, "steps": 20, "resolution": 11},
    "minimum_ratio": {"seeds": 1, "widths": [[3]], "polish_steps": 10},
    "skip_connections": {
        "setup": {"depth": 4, "channels": 2, "epochs": 1},
        "resolution": 5,
        "slice_samples": 32,
        "iterations": 8,
    },
}


@pytest.fixture(scope="module")
def client() -> Any:
    settings = Settings(
        warmup=False,
        compilation_cache_dir="",
        experiment_time_limit_s=3600,
        experiment_memory_limit_mb=100_000,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_every_kind_has_a_typed_result() -> None:
    assert set(RESULTS) == set(EXPERIMENTS) == set(JOB_MODELS)
    assert {case.split("-")[0] for case in CASES} == set(EXPERIMENTS)


def _jobs_as_streamed(client: TestClient, job_id: str) -> list[dict[str, Any]]:
    """The job after each event of its stream (patches applied, as the page applies them)."""
    jobs, name, job = [], "", None
    with client.stream("GET", f"/api/experiments/{job_id}/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
                job = jsonpatch.apply_patch(job, data) if name == "patch" else data
                jobs.append(job)
    return jobs


@pytest.mark.parametrize("case", CASES)
def test_a_real_result_matches_its_declared_model(client: TestClient, case: str) -> None:
    kind = case.split("-")[0]
    accepted = client.post("/api/experiments", json={"kind": kind, "params": CASES[case]})
    assert accepted.status_code == 202, accepted.text
    jobs = _jobs_as_streamed(client, accepted.json()["id"])
    assert jobs[-1]["status"] == "done", jobs[-1]["error"]
    for job in jobs:  # every state the stream showed, partial results included
        ExperimentPublic.model_validate_json(json.dumps(job))
    final = JOB_MODELS[kind].model_validate_json(json.dumps(jobs[-1]))
    assert final.result is not None  # type: ignore[attr-defined]


def test_trainings_partial_results_match_their_model() -> None:
    """What a training run shows while it runs, taken from the run itself (a stream opened
    after a short run has finished sees only its end)."""
    shown: list[Any] = []
    params = to_core(PARAMS_MODELS["train"](**CASES["train"]), EXPERIMENTS["train"].params)
    EXPERIMENTS["train"].run(params, lambda fraction, partial=None: shown.append(partial))
    partials = [partial for partial in shown if partial]
    assert partials, "training showed nothing while it ran"
    for partial in partials:
        TrainPartial.model_validate_json(encode(partial))


def test_a_result_with_an_unknown_or_missing_key_fails_its_model(client: TestClient) -> None:
    accepted = client.post("/api/experiments", json={"kind": "hessian", "params": CASES["hessian"]})
    job = _jobs_as_streamed(client, accepted.json()["id"])[-1]
    extra = json.loads(json.dumps(job))
    extra["result"]["surprise"] = 1
    missing = json.loads(json.dumps(job))
    del missing["result"]["trace"]
    for broken in (extra, missing):
        with pytest.raises(ValueError):
            ExperimentPublic.model_validate_json(json.dumps(broken))


def test_the_openapi_declares_each_kinds_job_with_its_result(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    union = schemas["ExperimentPublic"]
    assert union["discriminator"]["propertyName"] == "kind"
    assert len(union["oneOf"]) == len(EXPERIMENTS)
    train = schemas["TrainExperiment"]["properties"]
    assert "TrainResult" in json.dumps(train["result"])
    assert "TrainPartial" in json.dumps(train["partial"])
    assert "HessianResult" in json.dumps(schemas["HessianExperiment"]["properties"]["result"])
