"""Datasets for the network lab: seeded 2-D generators, one real table, and CSV upload.

Everything is generated in-process from a seed (no downloads at run time), split into
train and test, and stored as float32 NumPy arrays: the networks compute in float32 even
though the engine turns on float64 for the 2-D surfaces. Classification labels are int32
class indices 0 … k−1; regression targets are float32 of shape ``(n,)``.

Two real datasets ship inside this package: Fisher's iris (150 flowers, 4 measurements, 3
species; Fisher 1936, in the public domain; ``core/nets/iris.csv``, 4 kB) and the 8 × 8
handwritten digits (1,797 images of 10 digits; Alpaydin & Kaynak 1998, the test set of the
UCI "Optical Recognition of Handwritten Digits" data, CC BY 4.0, as scikit-learn also ships
it; ``core/nets/digits.csv.gz``, 57 kB: 64 pixel counts 0–16 then the digit, per row).
"""

import csv
import gzip
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

import numpy as np

from descentlab.core.nets.models import Task


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test arrays with what a model needs to know about them.

    ``n_classes`` is 0 for regression. Arrays are read-only, so a cached dataset can be
    shared between requests.
    """

    name: str
    x_train: np.ndarray  # (n_train, d) float32
    y_train: np.ndarray  # (n_train,) int32 labels or float32 targets
    x_test: np.ndarray  # (n_test, d) float32
    y_test: np.ndarray  # (n_test,)
    task: Task
    n_classes: int
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] = ()
    # (height, width, channels) when each row is an image stored row-major, channels last:
    # what a convolutional network needs to know to read it. None for plain tables.
    image_shape: tuple[int, int, int] | None = None
    # When the inputs are features of points on the x₁, x₂ plane (``with_features``): the
    # points (train, test), which the lab draws, and the features' names in ``FEATURES``.
    plane: tuple[np.ndarray, np.ndarray] | None = None
    features: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for array in (self.x_train, self.y_train, self.x_test, self.y_test, *(self.plane or ())):
            array.flags.writeable = False

    @property
    def plane_points(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Train and test points on the x₁, x₂ plane, where the data lie on one: what the
        decision boundary and the network diagram are drawn over."""
        if self.plane is not None:
            return self.plane
        if self.input_dim == 2 and self.image_shape is None:
            return self.x_train, self.x_test
        return None

    def inputs_at(self, points: np.ndarray) -> np.ndarray:
        """The network's inputs at points ``(n, 2)`` of the plane: their features, if any."""
        return featurize(points, self.features) if self.features else points

    @property
    def input_dim(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def output_dim(self) -> int:
        """How many outputs a model needs: one logit per class, or one value."""
        return self.n_classes if self.task == "classification" else 1


@dataclass(frozen=True)
class Feature:
    """An input the network may read instead of the raw point: a function of (x₁, x₂)."""

    label: str
    of: Callable[[np.ndarray, np.ndarray], np.ndarray]


# TensorFlow Playground's input features, in its order. With x₁² and x₂² a network without
# hidden layers separates the circles; with sin x₁ and sin x₂ a small one follows spirals.
FEATURES: Mapping[str, Feature] = {
    "x1": Feature("x₁", lambda x1, x2: x1),
    "x2": Feature("x₂", lambda x1, x2: x2),
    "x1_squared": Feature("x₁²", lambda x1, x2: x1 * x1),
    "x2_squared": Feature("x₂²", lambda x1, x2: x2 * x2),
    "x1_x2": Feature("x₁x₂", lambda x1, x2: x1 * x2),
    "sin_x1": Feature("sin(x₁)", lambda x1, x2: np.sin(x1)),
    "sin_x2": Feature("sin(x₂)", lambda x1, x2: np.sin(x2)),
}
PLANE_FEATURES = ("x1", "x2")  # the points themselves: no features computed


def featurize(points: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """The named features of points ``(n, 2)``, one column each, in float32."""
    x1, x2 = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
    return np.stack([FEATURES[name].of(x1, x2) for name in features], axis=1).astype(np.float32)


def with_features(dataset: Dataset, features: Sequence[str]) -> Dataset:
    """The dataset with ``features`` of its plane points as inputs (the points kept for
    drawing); the points themselves for ``PLANE_FEATURES``."""
    features = tuple(features)
    unknown = [name for name in features if name not in FEATURES]
    if unknown:
        raise ValueError(f"unknown features {unknown}; known: {', '.join(FEATURES)}")
    if len(set(features)) != len(features):
        raise ValueError(f"features repeat: {list(features)}")
    if features == PLANE_FEATURES and dataset.plane is None:
        return dataset
    points = dataset.plane_points
    if points is None:
        raise ValueError(
            f"input features are computed from points (x₁, x₂); {dataset.name} has "
            f"{dataset.input_dim} inputs{' (images)' if dataset.image_shape else ''}"
        )
    train, test = points
    names = tuple(FEATURES[name].label for name in features)
    return replace(
        dataset,
        x_train=featurize(train, features),
        x_test=featurize(test, features),
        feature_names=names,
        plane=(train, test),
        features=features,
    )


def _check_split(test_fraction: float) -> None:
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")


def _split(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    task: Task,
    n_classes: int,
    feature_names: Sequence[str],
    test_fraction: float,
    rng: np.random.Generator,
    class_names: Sequence[str] = (),
    image_shape: tuple[int, int, int] | None = None,
) -> Dataset:
    """Shuffle and split; classification splits each class separately (stratified)."""
    _check_split(test_fraction)
    if task == "classification":
        groups = [np.flatnonzero(y == c) for c in range(n_classes)]
    else:
        groups = [np.arange(len(y))]
    train, test = [], []
    for group in groups:
        group = rng.permutation(group)
        n_test = round(len(group) * test_fraction)
        if len(group) >= 2:
            n_test = min(max(n_test, 1), len(group) - 1)
        test.append(group[:n_test])
        train.append(group[n_test:])
    train_index = rng.permutation(np.concatenate(train))
    test_index = rng.permutation(np.concatenate(test))
    if len(train_index) == 0 or len(test_index) == 0:
        raise ValueError(f"{len(y)} rows are too few to split into train and test")
    label_dtype = np.int32 if task == "classification" else np.float32
    x, y = x.astype(np.float32), y.astype(label_dtype)
    return Dataset(
        name,
        x[train_index],
        y[train_index],
        x[test_index],
        y[test_index],
        task,
        n_classes,
        tuple(feature_names),
        tuple(class_names),
        image_shape,
    )


def _per_class(n_samples: int, k: int) -> list[int]:
    """``n_samples`` shared over ``k`` classes as evenly as possible."""
    if n_samples < 2 * k:
        raise ValueError(f"n_samples must be at least {2 * k} for {k} classes, got {n_samples}")
    return [n_samples // k + (1 if c < n_samples % k else 0) for c in range(k)]


def _labels(counts: Sequence[int]) -> np.ndarray:
    return np.repeat(np.arange(len(counts)), counts)


XY = ("x₁", "x₂")
SPIRAL_RADIUS = 3.0  # the spirals' outer radius (see ``spirals``)


def moons(
    n_samples: int = 400, noise: float = 0.1, test_fraction: float = 0.25, seed: int = 0
) -> Dataset:
    """Two interleaving half circles: not linearly separable, one bend each."""
    rng = np.random.default_rng(seed)
    upper, lower = _per_class(n_samples, 2)
    t_upper = rng.uniform(0.0, np.pi, upper)
    t_lower = rng.uniform(0.0, np.pi, lower)
    x = np.concatenate(
        [
            np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1),
            np.stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1),
        ]
    )
    x = x + noise * rng.standard_normal(x.shape)
    return _split("moons", x, _labels([upper, lower]), "classification", 2, XY, test_fraction, rng)


def circles(
    n_samples: int = 400,
    noise: float = 0.05,
    test_fraction: float = 0.25,
    seed: int = 0,
    factor: float = 0.5,
) -> Dataset:
    """A small ring inside a large one: the classes need a closed boundary between them.

    ``factor`` is the inner ring's radius as a fraction of the outer one's (1).
    """
    rng = np.random.default_rng(seed)
    outer, inner = _per_class(n_samples, 2)
    angles = rng.uniform(0.0, 2.0 * np.pi, outer + inner)
    radius = np.concatenate([np.ones(outer), np.full(inner, factor)])
    x = radius[:, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    x = x + noise * rng.standard_normal(x.shape)
    return _split(
        "circles", x, _labels([outer, inner]), "classification", 2, XY, test_fraction, rng
    )


def spirals(
    n_samples: int = 400,
    noise: float = 0.05,
    test_fraction: float = 0.25,
    seed: int = 0,
    arms: int = 2,
) -> Dataset:
    """Two spirals wound into each other, one class each: the hard one, needs depth or width.

    ``arms`` spirals (2 by default) turn 1.5 times each out to radius ``SPIRAL_RADIUS``, so
    along a ray one arm's turns lie 2 apart and two arms 1 apart: the page's default noise
    (0.2) blurs them without hiding them (at radius 1 it merged them into one cloud).
    """
    if arms < 2:
        raise ValueError(f"arms must be at least 2, got {arms}")
    rng = np.random.default_rng(seed)
    counts = _per_class(n_samples, arms)
    labels = _labels(counts)
    radius = np.concatenate([np.sqrt(rng.uniform(0.05, 1.0, n)) for n in counts])
    angle = 2.0 * np.pi * labels / arms + 3.0 * np.pi * radius
    x = SPIRAL_RADIUS * radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = x + noise * rng.standard_normal(x.shape)
    return _split("spirals", x, labels, "classification", arms, XY, test_fraction, rng)


def xor(
    n_samples: int = 400, noise: float = 0.05, test_fraction: float = 0.25, seed: int = 0
) -> Dataset:
    """Four quadrants, opposite ones share a class: the classic non-linear problem."""
    rng = np.random.default_rng(seed)
    quarters = _per_class(n_samples, 4)
    signs = np.repeat(np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]]), quarters, axis=0)
    x = signs * rng.uniform(0.05, 1.0, (n_samples, 2))
    x = x + noise * rng.standard_normal(x.shape)
    labels = _labels([quarters[0] + quarters[1], quarters[2] + quarters[3]])
    return _split("xor", x, labels, "classification", 2, XY, test_fraction, rng)


def blobs(
    n_samples: int = 400,
    noise: float = 0.5,
    test_fraction: float = 0.25,
    seed: int = 0,
    centres: int = 3,
) -> Dataset:
    """Three round clouds of points around a circle, one class each: the easy one.

    ``centres`` clouds (3 by default) on a circle of radius 2, each Gaussian with standard
    deviation ``noise``.
    """
    if centres < 2:
        raise ValueError(f"centres must be at least 2, got {centres}")
    rng = np.random.default_rng(seed)
    counts = _per_class(n_samples, centres)
    labels = _labels(counts)
    angle = 2.0 * np.pi * np.arange(centres) / centres
    centre = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = centre[labels] + noise * rng.standard_normal((n_samples, 2))
    return _split("blobs", x, labels, "classification", centres, XY, test_fraction, rng)


def regression(
    n_samples: int = 400, noise: float = 0.1, test_fraction: float = 0.25, seed: int = 0
) -> Dataset:
    """A smooth surface, y = sin(3x₁)·cos(2x₂) on [−1, 1]², measured with some scatter.

    Fit it with MSE; ``noise`` is the standard deviation of the Gaussian scatter on y.
    """
    if n_samples < 2:
        raise ValueError(f"n_samples must be at least 2, got {n_samples}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n_samples, 2))
    y = np.sin(3.0 * x[:, 0]) * np.cos(2.0 * x[:, 1]) + noise * rng.standard_normal(n_samples)
    return _split("regression", x, y, "regression", 0, XY, test_fraction, rng)


def _iris_rows() -> list[list[str]]:
    text = (resources.files("descentlab.core.nets") / "iris.csv").read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))


def iris(test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """Fisher's iris flowers: four measurements in cm of 150 flowers of three species.

    Read from the copy of the table that ships inside this package.
    """
    header, *rows = _iris_rows()
    features = header[:4]
    x = np.array([[float(v) for v in row[:4]] for row in rows])
    species = sorted({row[4] for row in rows}, key=[row[4] for row in rows].index)
    y = np.array([species.index(row[4]) for row in rows])
    rng = np.random.default_rng(seed)
    return _split(
        "iris", x, y, "classification", len(species), features, test_fraction, rng, species
    )


@lru_cache(maxsize=1)  # one table, read once per process
def _digits_table() -> np.ndarray:
    """The packed table, read once per process (every check of a setup loads its data)."""
    packed = (resources.files("descentlab.core.nets") / "digits.csv.gz").read_bytes()
    table = np.loadtxt(io.StringIO(gzip.decompress(packed).decode("ascii")), delimiter=",")
    table.flags.writeable = False
    return table


DIGITS_SIDE = 8
DIGITS_LEVELS = 16  # a pixel counts the on-pixels of a 4 × 4 block: 0 … 16


def digits(test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """Handwritten digits 0–9 as 8 × 8 images (1,797), for convolutional networks.

    Read from the copy that ships inside this package; pixels scaled to [0, 1].
    """
    table = _digits_table()
    x, y = table[:, :-1] / DIGITS_LEVELS, table[:, -1].astype(np.int64)
    side = DIGITS_SIDE
    pixels = [f"pixel ({r + 1}, {c + 1})" for r in range(side) for c in range(side)]
    rng = np.random.default_rng(seed)
    names = [str(d) for d in range(10)]
    return _split(
        "digits", x, y, "classification", 10, pixels, test_fraction, rng, names, (side, side, 1)
    )


# Every generator takes ``test_fraction`` and ``seed``; the 2-D ones and ``regression`` also
# ``n_samples`` and ``noise``, ``spirals`` ``arms``, ``blobs`` ``centres``, ``circles``
# ``factor``. ``iris`` and ``digits`` are fixed data, so they take only the split's two.
DATASETS: Mapping[str, Callable[..., Dataset]] = {
    "moons": moons,
    "circles": circles,
    "spirals": spirals,
    "xor": xor,
    "blobs": blobs,
    "regression": regression,
    "iris": iris,
    "digits": digits,
}

# Real data: its size and noise are what they are (it takes only the split's settings).
FIXED_SIZE = frozenset({"iris", "digits"})
# Rows that are images (``Dataset.image_shape``): what a convolutional network can read.
IMAGE_DATASETS = frozenset({"digits"})

MAX_CLASSES = 20  # an integer target with more distinct values than this is regression


# The networks compute in float32: a larger magnitude passes a float64 check, then is inf.
FLOAT32_MAX = float(np.finfo(np.float32).max)
# Unicode category Cc. Row breaks never reach a cell; one quoted inside a cell is refused
# too, with NUL and the rest: a name must show on one line, as typed.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _check_number(value: float, cell: str, place: str) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{place}: {cell!r} is not finite")
    if abs(value) > FLOAT32_MAX:
        raise ValueError(
            f"{place}: {cell!r} is too large; the networks compute in float32, "
            f"whose numbers stop at ±{FLOAT32_MAX:.2g}"
        )


def _check_text(parsed: Sequence[Sequence[str]]) -> None:
    """Refuse control characters (a NUL would otherwise make a class or a column name)."""
    for number, row in enumerate(parsed, start=1):
        for j, cell in enumerate(row):
            found = CONTROL_CHARACTER.search(cell)
            if found:
                code = f"U+{ord(found.group()):04X}"
                hint = (
                    " (is the file tab-separated? save it as CSV)" if found.group() == "\t" else ""
                )
                raise ValueError(
                    f"row {number}, column {j + 1}: {cell!r} holds a control character "
                    f"({code}); cells must be plain text{hint}"
                )


Rows = list[tuple[int, list[str]]]  # (row number in the file, counted from 1; cells)


def _read_rows(text: str, max_rows: int, max_columns: int) -> tuple[list[str], Rows]:
    """Header and data rows, each with its own row number for error messages.

    Blank lines are skipped but still counted, so numbers match the learner's editor.
    """
    try:
        parsed = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise ValueError(f"the CSV cannot be parsed: {error}") from None
    _check_text(parsed)
    rows = [
        (number, [cell.strip() for cell in row])
        for number, row in enumerate(parsed, start=1)
        if any(cell.strip() for cell in row)
    ]
    if not rows:
        raise ValueError("the CSV is empty")
    width = len(rows[0][1])
    if width > max_columns:
        raise ValueError(f"the CSV has {width} columns; at most {max_columns} are allowed")
    if width < 2:
        raise ValueError("the CSV needs at least two columns: one feature and the target")
    for number, row in rows:
        if len(row) != width:
            raise ValueError(f"row {number} has {len(row)} columns; row {rows[0][0]} has {width}")
    first = rows[0][1]
    has_header = all(_number(cell) is None for cell in first)
    header = first if has_header else [*(f"x{j + 1}" for j in range(width - 1)), "y"]
    data = rows[1:] if has_header else rows
    if len(data) > max_rows:
        raise ValueError(f"the CSV has {len(data)} data rows; at most {max_rows} are allowed")
    if len(data) < 4:
        raise ValueError(f"the CSV has {len(data)} data rows; at least 4 are needed")
    return header, data


def _target_index(header: Sequence[str], target_column: str | None) -> int:
    if target_column is None:
        return len(header) - 1
    if target_column not in header:
        raise ValueError(f"no column named {target_column!r}; columns: {', '.join(header)}")
    return list(header).index(target_column)


def from_csv(
    text: str,
    target_column: str | None = None,
    task: Task | None = None,
    max_rows: int = 5000,
    max_columns: int = 32,
    *,
    test_fraction: float = 0.25,
    seed: int = 0,
    name: str = "csv",
) -> Dataset:
    """A learner's own table: numeric features, the last (or the named) column the target.

    A first row with no numeric cell is a header. The target may be text (class
    names); a numeric target is a class label when it has only integers and at most
    ``MAX_CLASSES`` distinct values, unless ``task`` says otherwise. Every number must fit
    float32 and no cell may hold a control character. Every malformed input raises
    ``ValueError`` naming the row and column (both counted from 1, as a spreadsheet does,
    header included).
    """
    _check_split(test_fraction)
    header, data = _read_rows(text, max_rows, max_columns)
    target = _target_index(header, target_column)
    features = [j for j in range(len(header)) if j != target]

    def where(number: int, j: int) -> str:
        return f"row {number}, column {j + 1} ({header[j]!r})"

    x = np.empty((len(data), len(features)))
    for i, (number, row) in enumerate(data):
        for k, j in enumerate(features):
            value = _number(row[j])
            if value is None:
                raise ValueError(f"{where(number, j)}: {row[j]!r} is not a number")
            _check_number(value, row[j], where(number, j))
            x[i, k] = value
    raw = [row[target] for _, row in data]
    numbers = [_number(cell) for cell in raw]
    for (number, _), cell, value in zip(data, raw, numbers, strict=True):
        if not cell:
            raise ValueError(f"{where(number, target)}: the target is empty")
        if value is not None:
            _check_number(value, cell, where(number, target))
    numeric = all(v is not None for v in numbers)
    if task is None:
        integral = numeric and all(float(v).is_integer() for v in numbers if v is not None)
        task = (
            "classification"
            if not numeric or (integral and len(set(numbers)) <= MAX_CLASSES)
            else "regression"
        )
    feature_names = [header[j] for j in features]
    rng = np.random.default_rng(seed)
    if task == "regression":
        if not numeric:
            i = next(i for i, v in enumerate(numbers) if v is None)
            raise ValueError(
                f"{where(data[i][0], target)}: {raw[i]!r} is not a number, "
                "and a regression target must be numeric"
            )
        y = np.array(numbers, dtype=np.float64)
        return _split(name, x, y, "regression", 0, feature_names, test_fraction, rng)
    if task != "classification":
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
    keys: list[str | float] = [v if v is not None else c for v, c in zip(numbers, raw, strict=True)]
    classes = sorted(set(keys), key=lambda k: (isinstance(k, str), k))
    if len(classes) < 2:
        raise ValueError(
            f"the target column {header[target]!r} has {len(classes)} class; at least 2 are needed"
        )
    if len(classes) > 2 * MAX_CLASSES:
        raise ValueError(
            f"the target column {header[target]!r} has {len(classes)} classes; "
            f"at most {2 * MAX_CLASSES} are allowed"
        )
    index = {k: c for c, k in enumerate(classes)}
    y = np.array([index[k] for k in keys])
    class_names = [k if isinstance(k, str) else f"{k:g}" for k in classes]
    return _split(
        name,
        x,
        y,
        "classification",
        len(classes),
        feature_names,
        test_fraction,
        rng,
        class_names,
    )


def standardize(dataset: Dataset) -> Dataset:
    """z-score every feature with the *training* mean and std (test uses the same numbers).

    A constant feature keeps std 1, so it stays constant instead of becoming NaN.
    """
    mean = dataset.x_train.mean(axis=0)
    std = dataset.x_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)

    def scale(x: np.ndarray) -> np.ndarray:
        return ((x - mean) / std).astype(np.float32)

    return replace(
        dataset,
        name=f"{dataset.name} (standardized)",
        x_train=scale(dataset.x_train),
        x_test=scale(dataset.x_test),
        # The inputs are no longer features of the points as they were computed.
        plane=None,
        features=(),
    )


def scaled_features(dataset: Dataset, scales: Sequence[float]) -> Dataset:
    """Multiply feature j by ``scales[j]``: the normalization lesson's badly scaled inputs."""
    factors = np.asarray(scales, dtype=np.float64)
    if factors.shape != (dataset.input_dim,):
        raise ValueError(f"need {dataset.input_dim} scales, one per feature, got {len(factors)}")
    return replace(
        dataset,
        name=f"{dataset.name} (scaled {', '.join(f'{s:g}' for s in factors)})",
        x_train=(dataset.x_train * factors).astype(np.float32),
        x_test=(dataset.x_test * factors).astype(np.float32),
        # The inputs are no longer features of the points as they were computed.
        plane=None,
        features=(),
    )
