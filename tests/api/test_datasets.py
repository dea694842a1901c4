"""GET /api/datasets and /api/datasets/{name}: the data a training run would use."""

import inspect
import re

import numpy as np
import pytest
from fastapi.testclient import TestClient

from descentlab.core.nets import datasets
from tests.api.conftest import PROBLEM_JSON, strict_json


def test_the_menu_lists_every_dataset_with_its_shape(client: TestClient) -> None:
    response = client.get("/api/datasets")
    assert response.status_code == 200
    menu = {entry["name"]: entry for entry in strict_json(response.text)}
    assert list(menu) == list(datasets.DATASETS)
    assert menu["moons"] | {"description": ""} == {
        "name": "moons",
        "label": "moons",
        "description": "",
        "task": "classification",
        "input_dim": 2,
        "n_classes": 2,
        "fixed_size": False,
        "feature_names": ["x₁", "x₂"],
        "class_names": [],
        "image_shape": None,
    }
    assert menu["moons"]["description"].startswith("Two interleaving half circles")
    assert menu["blobs"]["description"].startswith("Three round clouds of points")
    assert (menu["blobs"]["n_classes"], menu["spirals"]["n_classes"]) == (3, 2)
    assert (menu["regression"]["task"], menu["regression"]["n_classes"]) == ("regression", 0)
    iris = menu["iris"]
    assert iris["fixed_size"] is True
    assert (iris["input_dim"], iris["n_classes"]) == (4, 3)
    assert iris["class_names"] == ["setosa", "versicolor", "virginica"]
    digits = menu["digits"]
    assert (digits["input_dim"], digits["n_classes"], digits["image_shape"]) == (64, 10, [8, 8, 1])
    assert {name for name, entry in menu.items() if entry["fixed_size"]} == {"iris", "digits"}
    assert {name for name, entry in menu.items() if entry["image_shape"]} == {"digits"}


def test_a_dataset_is_the_generators_own_split(client: TestClient) -> None:
    response = client.get("/api/datasets/moons", params={"n_samples": 100, "noise": 0.3, "seed": 5})
    assert response.status_code == 200
    body = strict_json(response.text)
    expected = datasets.moons(n_samples=100, noise=0.3, seed=5)
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_allclose(np.array(body[key]), getattr(expected, key), rtol=1e-6)
    assert len(body["x_train"]) + len(body["x_test"]) == 100
    assert {len(row) for row in body["x_train"] + body["x_test"]} == {2}
    assert set(body["y_train"]) == {0, 1}
    assert (body["name"], body["task"], body["n_classes"]) == ("moons", "classification", 2)


def test_the_defaults_match_a_training_setups_defaults(client: TestClient) -> None:
    body = client.get("/api/datasets/circles").json()
    expected = datasets.circles(n_samples=400, noise=0.2, seed=0)
    np.testing.assert_allclose(np.array(body["x_test"]), expected.x_test, rtol=1e-6)


def test_the_seed_and_noise_change_the_points(client: TestClient) -> None:
    def points(**query: float) -> np.ndarray:
        return np.array(client.get("/api/datasets/xor", params=query).json()["x_train"])

    first = points(n_samples=60, noise=0.1, seed=1)
    np.testing.assert_array_equal(points(n_samples=60, noise=0.1, seed=1), first)
    assert not np.allclose(points(n_samples=60, noise=0.1, seed=2), first)
    assert not np.allclose(points(n_samples=60, noise=0.5, seed=1), first)


def test_regression_targets_are_numbers_and_iris_has_a_fixed_size(client: TestClient) -> None:
    regression = client.get("/api/datasets/regression", params={"n_samples": 40, "noise": 0}).json()
    x, y = np.array(regression["x_train"]), np.array(regression["y_train"])
    np.testing.assert_allclose(y, np.sin(3 * x[:, 0]) * np.cos(2 * x[:, 1]), atol=1e-5)
    assert regression["n_classes"] == 0
    iris = client.get("/api/datasets/iris", params={"n_samples": 20, "noise": 1}).json()
    assert len(iris["x_train"]) + len(iris["x_test"]) == 150
    assert iris["feature_names"][:2] == ["sepal_length", "sepal_width"]
    assert set(iris["y_test"]) == {0, 1, 2}


def test_an_unknown_dataset_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/datasets/mnist")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "'mnist'" in response.json()["detail"]
    assert "moons" in response.json()["detail"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n_samples", "19"),
        ("n_samples", "4001"),
        ("n_samples", "many"),
        ("noise", "-0.1"),
        ("noise", "2.5"),
        ("noise", "nan"),
        ("noise", "inf"),
        ("seed", "-1"),
        ("seed", str(2**31)),
    ],
)
def test_out_of_bound_queries_are_422(client: TestClient, field: str, value: str) -> None:
    response = client.get("/api/datasets/moons", params={field: value})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"].startswith(f"{field}:")


def test_descriptions_are_plain_words_without_parameter_names(client: TestClient) -> None:
    # A learner reads these beside the dataset menu: "arms interleaved spirals" or
    # "(radius ratio factor)" name a generator's arguments, which the page never shows.
    for entry in client.get("/api/datasets").json():
        words = set(re.findall(r"[a-z_]+", entry["description"].lower()))
        parameters = set(inspect.signature(datasets.DATASETS[entry["name"]]).parameters)
        assert not words & parameters, (entry["name"], entry["description"])
        assert "`" not in entry["description"]
