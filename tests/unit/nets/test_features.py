"""Input features (TensorFlow Playground's x₁ … sin x₂) and the test split of a setup."""

from dataclasses import replace

import numpy as np
import pytest

from descentlab.core.experiments.train import NetworkSetup, check, load_dataset
from descentlab.core.nets.datasets import (
    FEATURES,
    PLANE_FEATURES,
    circles,
    featurize,
    iris,
    standardize,
    with_features,
)

POINTS = np.array([[0.5, -2.0], [1.0, 3.0], [-0.25, 0.0]], dtype=np.float32)


def test_each_feature_is_its_formula_of_the_point() -> None:
    x1, x2 = POINTS[:, 0].astype(np.float64), POINTS[:, 1].astype(np.float64)
    expected = {
        "x1": x1,
        "x2": x2,
        "x1_squared": x1**2,
        "x2_squared": x2**2,
        "x1_x2": x1 * x2,
        "sin_x1": np.sin(x1),
        "sin_x2": np.sin(x2),
    }
    assert list(FEATURES) == list(expected)  # Playground's order, the UI's order
    out = featurize(POINTS, list(expected))
    assert out.dtype == np.float32 and out.shape == (3, 7)
    for j, values in enumerate(expected.values()):
        np.testing.assert_allclose(out[:, j], values, rtol=1e-7)
    assert [FEATURES[n].label for n in ("x1_squared", "sin_x2")] == ["x₁²", "sin(x₂)"]


def test_with_features_reads_the_features_and_keeps_the_points_for_drawing() -> None:
    data = circles(n_samples=60, seed=1)
    chosen = with_features(data, ("x2_squared", "x1"))
    assert chosen.input_dim == 2 and chosen.features == ("x2_squared", "x1")
    np.testing.assert_allclose(chosen.x_train[:, 0], data.x_train[:, 1] ** 2, rtol=1e-6)
    np.testing.assert_array_equal(chosen.x_train[:, 1], data.x_train[:, 0])
    plane = chosen.plane_points
    assert plane is not None
    np.testing.assert_array_equal(plane[0], data.x_train)
    np.testing.assert_array_equal(plane[1], data.x_test)
    assert chosen.feature_names == ("x₂²", "x₁")
    np.testing.assert_allclose(chosen.inputs_at(POINTS)[:, 0], POINTS[:, 1] ** 2, rtol=1e-6)
    # The plain plane: the same dataset, no copy.
    assert with_features(data, PLANE_FEATURES) is data
    assert data.plane_points is not None and data.inputs_at(POINTS) is POINTS


def test_features_need_points_on_the_plane_and_no_repeats() -> None:
    with pytest.raises(ValueError, match="iris has 4 inputs"):
        with_features(iris(), ("x1",))
    with pytest.raises(ValueError, match="repeat"):
        with_features(circles(n_samples=40), ("x1", "x1"))
    with pytest.raises(ValueError, match="unknown features"):
        with_features(circles(n_samples=40), ("x3",))
    with pytest.raises(ValueError, match=r"digits has 64 inputs \(images\)"):
        check(NetworkSetup(dataset="digits", architecture="cnn", features=("x1",)))
    with pytest.raises(ValueError, match="computed from points"):
        check(NetworkSetup(dataset="iris", features=("x1", "x2")[::-1]))


def test_standardizing_drops_the_plane_its_inputs_no_longer_match() -> None:
    chosen = with_features(circles(n_samples=40), ("x1_squared", "x2_squared"))
    scaled = standardize(chosen)
    assert scaled.plane is None and scaled.features == ()
    assert scaled.plane_points is not None  # two inputs: drawn in their own (scaled) plane
    np.testing.assert_array_equal(scaled.plane_points[0], scaled.x_train)


@pytest.mark.parametrize("dataset", ["moons", "iris"])
def test_the_test_fraction_sets_the_split(dataset: str) -> None:
    setup = NetworkSetup(dataset=dataset, n_samples=200)
    counts = {}
    for fraction in (0.1, 0.5, 0.9):
        data = load_dataset(replace(setup, test_fraction=fraction))
        total = len(data.x_train) + len(data.x_test)
        counts[fraction] = len(data.x_test) / total
        assert counts[fraction] == pytest.approx(fraction, abs=0.02)
    # The same rows, split another way: the data themselves do not change with the split.
    wide, narrow = (load_dataset(replace(setup, test_fraction=f)) for f in (0.1, 0.9))
    rows = {tuple(r) for r in np.concatenate([wide.x_train, wide.x_test]).tolist()}
    assert rows == {tuple(r) for r in np.concatenate([narrow.x_train, narrow.x_test]).tolist()}
