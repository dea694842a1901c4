"""The API as a generated client sees it: openapi-python-client (from PyPI) turns the
served OpenAPI into a Python package, and the calls go through it: trajectories, analyze,
an upload and an experiment with its typed result and its event stream, a 422 and a 429
parsed as problems (an undeclared status would come back as None)."""

import importlib
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from descentlab.api.app import create_app
from descentlab.api.settings import Settings
from tests.api.conftest import analyze_request, trajectory_request

PACKAGE = "descentlab_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package generated from the app's own OpenAPI, imported."""
    work = tmp_path_factory.mktemp("client")
    app = create_app(Settings(warmup=False, compilation_cache_dir=""))
    (work / "openapi.json").write_bytes(orjson.dumps(app.openapi()))
    out = work / PACKAGE
    # The generator formats its output with ruff, found on PATH: this environment's.
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [
            *(str(GENERATOR), "generate", "--path", str(work / "openapi.json")),
            *("--meta", "none", "--output-path", str(out)),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(work))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(work))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        shutil.rmtree(work, ignore_errors=True)


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def _client(test_client: TestClient) -> Any:
    client = _module("client").Client(base_url=str(test_client.base_url))
    return client.set_httpx_client(test_client)


def test_every_operation_has_its_named_function(generated: ModuleType) -> None:
    for path in (
        "api.trajectories.run_trajectories",
        "api.analyze.analyze_point",
        "api.experiments.submit_experiment",
        "api.experiments.get_experiment",
        "api.experiments.stream_experiment_events",
        "api.datasets.upload_dataset",
    ):
        assert callable(_module(path).sync_detailed), path


def test_a_race_and_an_analysis_through_the_client(
    generated: ModuleType, client: TestClient
) -> None:
    models = _module("models")
    api = _client(client)
    body = models.TrajectoryRequest.from_dict(trajectory_request(steps=20))
    race = _module("api.trajectories.run_trajectories").sync(client=api, body=body)
    assert isinstance(race, models.TrajectoryPublic)
    assert race.steps == 20 and len(race.runs[0].points) == 21
    assert race.runs[0].points[0] == [-1.2, 1.0]

    body = models.AnalyzeRequest.from_dict(analyze_request())
    point = _module("api.analyze.analyze_point").sync(client=api, body=body)
    assert isinstance(point, models.AnalysisPublic)
    assert point.kind == models.AnalysisPublicKind.SADDLE
    assert min(point.eigenvalues) < 0 < max(point.eigenvalues)


def test_a_422_comes_back_as_a_parsed_problem(generated: ModuleType, client: TestClient) -> None:
    models = _module("models")
    body = models.TrajectoryRequest.from_dict(trajectory_request(steps=10**7))
    answer = _module("api.trajectories.run_trajectories").sync_detailed(
        client=_client(client), body=body
    )
    assert answer.status_code == 422
    assert isinstance(answer.parsed, models.ProblemPublic)
    assert "steps" in answer.parsed.detail


def test_a_429_comes_back_as_a_parsed_problem_with_retry_after(generated: ModuleType) -> None:
    models = _module("models")
    settings = Settings(warmup=False, compilation_cache_dir="", rate_limit_per_minute=1)
    with TestClient(create_app(settings)) as limited:
        api = _client(limited)
        run = _module("api.analyze.analyze_point")
        body = models.AnalyzeRequest.from_dict(analyze_request())
        assert run.sync_detailed(client=api, body=body).status_code == 200
        answer = run.sync_detailed(client=api, body=body)
    assert answer.status_code == 429
    assert isinstance(answer.parsed, models.ProblemPublic)
    assert int(answer.headers["retry-after"]) > 0


def test_an_upload_and_an_experiment_with_its_typed_result(
    generated: ModuleType, client: TestClient
) -> None:
    models = _module("models")
    types = _module("types")
    api = _client(client)
    table = "a,b,kind\n" + "".join(f"{i % 5},{i % 7},{'xy'[i % 2]}\n" for i in range(40))
    uploaded = _module("api.datasets.upload_dataset").sync(
        client=api, body=types.File(payload=io.BytesIO(table.encode()), file_name="mine.csv")
    )
    assert isinstance(uploaded, models.DatasetUploadedPublic)
    assert uploaded.class_names == ["x", "y"]

    params = {"dataset": uploaded.name, "n_samples": 40, "epochs": 2, "widths": [4]}
    body = models.TrainRequest.from_dict({"kind": "train", "params": params})
    accepted = _module("api.experiments.submit_experiment").sync(client=api, body=body)
    assert isinstance(accepted, models.ExperimentAccepted)
    get = _module("api.experiments.get_experiment")
    deadline = time.monotonic() + 120
    while (job := get.sync(client=api, job_id=accepted.id)).status.value in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert isinstance(job, models.TrainExperiment)
    assert job.status == models.JobStatus.DONE
    assert isinstance(job.result, models.TrainResult)
    assert job.result.history.epoch == [0, 1, 2]
    assert job.result.setup.dataset == uploaded.name

    stream = _module("api.experiments.stream_experiment_events").sync(
        client=api, job_id=accepted.id
    )
    assert isinstance(stream, str) and "event: done" in stream
