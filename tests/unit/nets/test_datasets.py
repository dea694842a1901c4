"""Datasets: shapes and dtypes, seeds, balance, the real iris table, CSV upload errors."""

import numpy as np
import pytest

from descentlab.core.experiments.train import NetworkSetup, load_dataset
from descentlab.core.nets.datasets import (
    DATASETS,
    Dataset,
    blobs,
    digits,
    from_csv,
    iris,
    moons,
    scaled_features,
    spirals,
    standardize,
)

GENERATED = ["moons", "circles", "spirals", "xor", "blobs", "regression"]


def _all(dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.concatenate([dataset.x_train, dataset.x_test]),
        np.concatenate([dataset.y_train, dataset.y_test]),
    )


@pytest.mark.parametrize("name", GENERATED)
def test_generated_shapes_and_dtypes(name: str) -> None:
    data = DATASETS[name](n_samples=200, noise=0.1, test_fraction=0.25, seed=3)
    assert data.x_train.shape == (150, 2) and data.x_test.shape == (50, 2)
    assert data.x_train.dtype == np.float32 and data.x_test.dtype == np.float32
    assert data.y_train.shape == (150,) and data.y_test.shape == (50,)
    if data.task == "classification":
        assert data.y_train.dtype == np.int32
        assert set(np.unique(_all(data)[1])) == set(range(data.n_classes))
        assert data.output_dim == data.n_classes
    else:
        assert data.y_train.dtype == np.float32 and data.n_classes == 0
        assert data.output_dim == 1
    assert data.feature_names == ("x₁", "x₂")
    assert not data.x_train.flags.writeable


@pytest.mark.parametrize("name", GENERATED)
def test_seeds_are_reproducible(name: str) -> None:
    a, b, c = (DATASETS[name](n_samples=100, seed=s) for s in (7, 7, 8))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize(
    ("dataset", "k"),
    [
        (DATASETS["moons"](n_samples=400), 2),
        (DATASETS["circles"](n_samples=400), 2),
        (DATASETS["xor"](n_samples=400), 2),
        (spirals(n_samples=300, arms=3), 3),
        (blobs(n_samples=400, centres=4), 4),
    ],
)
def test_classes_are_balanced_in_both_splits(dataset: Dataset, k: int) -> None:
    assert dataset.n_classes == k
    _, labels = _all(dataset)
    assert np.all(np.bincount(labels) == len(labels) // k)
    train_counts = np.bincount(dataset.y_train, minlength=k)
    assert train_counts.max() - train_counts.min() <= 1  # stratified split


def test_noise_moves_points() -> None:
    clean, noisy = moons(n_samples=100, noise=0.0), moons(n_samples=100, noise=0.3)
    radius = np.linalg.norm(_all(clean)[0][_all(clean)[1] == 0], axis=1)
    np.testing.assert_allclose(radius, 1.0, atol=1e-6)  # the upper moon is a unit half circle
    assert not np.allclose(np.linalg.norm(_all(noisy)[0][_all(noisy)[1] == 0], axis=1), 1.0)


def test_iris_is_the_real_table() -> None:
    data = iris()
    x, y = _all(data)
    assert x.shape == (150, 4) and data.n_classes == 3
    assert np.all(np.bincount(y) == 50)
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert data.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert x.min() > 0 and x.max() < 8  # centimetres
    np.testing.assert_allclose(x.mean(axis=0), [5.843, 3.054, 3.759, 1.199], atol=2e-3)


def test_digits_are_the_real_images() -> None:
    data = digits()
    x, y = _all(data)
    assert x.shape == (1797, 64) and data.n_classes == 10 and data.image_shape == (8, 8, 1)
    # The class sizes of the UCI optdigits test set (its documentation, per digit 0 … 9).
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert data.class_names == tuple(str(d) for d in range(10))
    # Pixels count on-pixels of 4 × 4 blocks, 0 … 16, scaled to [0, 1]: multiples of 1/16.
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(np.round(x * 16), x * 16)
    # The first image of the table is a 0: a ring, dark in the middle column of its centre.
    first = digits(seed=0)
    zeros = np.concatenate([first.x_train[first.y_train == 0], first.x_test[first.y_test == 0]])
    mean_zero = zeros.mean(axis=0).reshape(8, 8)
    assert mean_zero[3:5, 3:5].mean() < 0.25 < mean_zero[3:5, 1].mean()
    # The split is stratified: every digit in both parts, about a quarter of each in test.
    assert np.all(np.bincount(data.y_test, minlength=10) >= 40)


def test_bad_generator_arguments() -> None:
    with pytest.raises(ValueError, match="test_fraction"):
        moons(test_fraction=1.0)
    with pytest.raises(ValueError, match="n_samples"):
        blobs(n_samples=5, centres=3)
    with pytest.raises(ValueError, match="arms"):
        spirals(arms=1)


CSV = "height,weight,kind\n1.0,2.0,cat\n1.5,2.5,dog\n\n2.0,1.0,cat\n3.0,0.5,dog\n2.5,2.5,cat\n"


def test_csv_with_header_and_text_classes() -> None:
    data = from_csv(CSV)
    assert data.task == "classification" and data.n_classes == 2
    assert data.class_names == ("cat", "dog")
    assert data.feature_names == ("height", "weight")
    x, y = _all(data)
    assert x.shape == (5, 2) and x.dtype == np.float32 and y.dtype == np.int32
    assert sorted(map(tuple, x.tolist())) == [(1, 2), (1.5, 2.5), (2, 1), (2.5, 2.5), (3, 0.5)]


def test_csv_without_header_and_named_target() -> None:
    text = "\n".join(f"{i},{i * 0.37:.3f},{(i * 7) % 5}" for i in range(40))
    data = from_csv(text)
    assert data.feature_names == ("x1", "x2") and data.task == "classification"
    assert data.n_classes == 5
    regression = from_csv("a,b,c\n" + text, target_column="b")
    assert regression.task == "regression" and regression.feature_names == ("a", "c")
    forced = from_csv(text, task="regression")
    assert forced.task == "regression" and forced.y_train.dtype == np.float32


def _rows(n: int, width: int = 3) -> str:
    return "\n".join(",".join(str((i + j) % 2) for j in range(width)) for i in range(n))


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("", {}, "empty"),
        ("\n  \n", {}, "empty"),
        ("a,b\n1,2\n3\n4,5\n6,7\n8,9", {}, r"row 3 has 1 columns; row 1 has 2"),
        ("a,b,c\n1,2,0\n3,4,1\n5,x,0\n7,8,1", {}, r"row 4, column 2 \('b'\): 'x' is not a number"),
        (
            "a,b,c\n1,2,0\n3,nan,1\n5,6,0\n7,8,1",
            {},
            r"row 3, column 2 \('b'\): 'nan' is not finite",
        ),
        (
            "a,b,c\n1,2,0\n3,4,inf\n5,6,0\n7,8,1",
            {},
            r"row 3, column 3 \('c'\): 'inf' is not finite",
        ),
        ("a,b,c\n1,2,0\n3,4,\n5,6,0\n7,8,1", {}, r"row 3, column 3 \('c'\): the target is empty"),
        ("a,b,c\n1,2,0\n3,4,0\n5,6,0\n7,8,0", {}, "has 1 class; at least 2"),
        (_rows(11), {"max_rows": 10}, "11 data rows; at most 10"),
        (_rows(5, width=5), {"max_columns": 4}, "5 columns; at most 4"),
        ("1,2,0\n3,4,1", {}, "at least 4 are needed"),
        ("a\n1\n2\n3\n4", {}, "at least two columns"),
        ("a,b,c\n1,2,0\n3,4,1\n5,6,0\n7,8,1", {"target_column": "d"}, "no column named 'd'"),
        (
            "a,b,c\n1,2,x\n3,4,y\n5,6,x\n7,8,y",
            {"task": "regression"},
            r"row 2, column 3 \('c'\): 'x' is not a number",
        ),
        ('a,b,c\n1,2,"0\n', {}, "row|parse"),
        # Finite in float64, inf in the networks' float32.
        (
            "a,b,c\n1,2,0\n3,1e308,1\n5,6,0\n7,8,1",
            {},
            r"row 3, column 2 \('b'\): '1e308' is too large; .* float32",
        ),
        (
            "a,b,c\n1,2,0\n3,-3.5e38,1\n5,6,0\n7,8,1",
            {},
            r"row 3, column 2 \('b'\): '-3.5e38' is too large",
        ),
        (
            "a,b,c\n1,2,0.5\n3,4,3.5e38\n5,6,0.25\n7,8,1.5",
            {"task": "regression"},
            r"row 3, column 3 \('c'\): '3.5e38' is too large",
        ),
        # A NUL would make a class (or a column name) of its own.
        (
            "a,b,c\n1,2,cat\n3,4,cat\x00\n5,6,dog\n7,8,dog",
            {},
            r"row 3, column 3: 'cat\\x00' holds a control character \(U\+0000\)",
        ),
        (
            "a,b\x00,c\n1,2,0\n3,4,1\n5,6,0\n7,8,1",
            {},
            r"row 1, column 2: 'b\\x00' holds a control character",
        ),
        (
            'a,"b\x1b[31m",c\n1,2,0\n3,4,1\n5,6,0\n7,8,1',
            {},
            r"row 1, column 2: .* \(U\+001B\)",
        ),
        ('a,"b\nc",d\n1,2,0\n3,4,1\n5,6,0\n7,8,1', {}, r"row 1, column 2: .* \(U\+000A\)"),
        ("a\tb\tc\n1\t2\t0\n3\t4\t1\n5\t6\t0\n7\t8\t1", {}, "tab-separated"),
    ],
)
def test_csv_errors_are_clear(text: str, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_csv(text, **kwargs)  # type: ignore[arg-type]


def test_csv_keeps_the_largest_float32_numbers_and_windows_line_breaks() -> None:
    data = from_csv("a,b,c\r\n1,2,0\r\n3,3.4e38,1\r\n5,-3.4e38,0\r\n7,8,1\r\n")
    x, _ = _all(data)
    assert np.isfinite(x).all() and np.abs(x).max() == np.float32(3.4e38)


def test_standardize_uses_train_statistics() -> None:
    data = scaled_features(moons(n_samples=200), (1e-3, 1e3))
    assert data.x_train[:, 1].std() > 1e5 * data.x_train[:, 0].std()
    standard = standardize(data)
    np.testing.assert_allclose(standard.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(standard.x_train.std(axis=0), 1.0, atol=1e-5)
    mean, std = data.x_train.mean(axis=0), data.x_train.std(axis=0)
    np.testing.assert_allclose(standard.x_test, (data.x_test - mean) / std, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(standard.y_train, data.y_train)
    assert standard.x_train.dtype == np.float32


def test_scaled_features_needs_one_scale_per_feature() -> None:
    with pytest.raises(ValueError, match="need 2 scales"):
        scaled_features(moons(n_samples=20), (1.0, 2.0, 3.0))


def _nearest_neighbour_accuracy(x: np.ndarray, y: np.ndarray) -> float:
    """Leave-one-out accuracy of labelling each point by its nearest other point."""
    distance = np.sum(np.square(x[:, None] - x[None]), axis=-1)
    np.fill_diagonal(distance, np.inf)
    return float(np.mean(y[np.argmin(distance, axis=1)] == y))


def _linear_accuracy(x: np.ndarray, y: np.ndarray) -> float:
    """Training accuracy of the least-squares line through the data (labels ±1)."""
    design = np.column_stack([x, np.ones(len(x))])
    w, *_ = np.linalg.lstsq(design, 2.0 * y - 1.0, rcond=None)
    return float(np.mean((design @ w > 0) == (y == 1)))


@pytest.mark.parametrize("data_seed", [0, 1, 2])
def test_the_default_spirals_are_spirals(data_seed: int) -> None:
    # The page's default setup with the dataset switched to spirals: each point's nearest
    # neighbour is on its own arm (at radius 1 and noise 0.2 this was 0.6: one cloud), and
    # no straight line separates the two arms (they wind into each other).
    setup = NetworkSetup(dataset="spirals", data_seed=data_seed)
    x, y = _all(load_dataset(setup))
    assert _nearest_neighbour_accuracy(x, y) >= 0.95
    assert _linear_accuracy(x, y) <= 0.7
