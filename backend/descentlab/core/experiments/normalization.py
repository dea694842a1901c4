"""Normalization changes the landscape (curriculum section 6; the ``normalization`` experiment).

**Feature normalization, on a linear model.** Two centred input features whose spreads
differ by ``feature_scale`` (x₁ small, x₂ large), a linear target y = c·z + noise in the
unit-variance features z, and the model ŷ = w₁x₁ + w₂x₂ with MSE. The data and the target
are centred, so a bias would decouple (its optimum is 0 and it only adds b² to the loss);
the model has none, and its error surface over (w₁, w₂) is an exact quadratic,

    L(w) = L* + ½ (w − w*)ᵀ H (w − w*),   H = (2/n) XᵀX,   w* the least-squares solution,

read off the data in float64 (NumPy): its eigenvalues, condition number and minimum are
exact. The same surface after ``standardize`` is nearly round. The engine's own
trajectory kernel runs the same optimizer with the same η, steps and start on both cases
(the quadratic is a 2-D surface whose six constants travel as traced arrays).

The ratio of the spreads is split evenly around 1 (x₁ at 1/√r, x₂ at √r): then the
standardized features' curvature, 2, sits at the geometric middle of the scaled case's two
(≈ 2/r and 2r), so one η shows both halves of the lesson. The default r = 10 gives a
condition number near 100, the lecture's elongated valley: each case's window is a
square of the same size, so the scaled valley looks 10 times longer than wide (a plot
still reads at that ratio; at r = 100 it would be a line) and the standardized bowl round.
The default η is ``BOUNCE / λ_max`` of the scaled case: just under plain gradient
descent's stability limit 2/λ_max, so the scaled run zig-zags across the valley (factor
1 − ηλ_max ≈ −0.9 a step) and crawls along it (1 − ηλ_min ≈ 0.98), while the
standardized run converges at 1 − 2η ≈ 0.8 a step. (With x₁ at scale 1 instead, the
scaled valley's floor would be exactly as flat as the standardized bowl, and the same η
would crawl in both.)

**Batch normalization, on a small network.** The setup is trained with and without
``batch_norm`` at each of the same learning rates. Each run reports its curves, final
metrics, and its sharpness: the largest Hessian eigenvalue (Lanczos) of the full-batch
training loss at the final weights, with batch norm normalizing by the statistics of the
whole training set, as it does in training: the landscape the optimizer descends (Santurkar
et al. 2018 measure smoothness the same way). Also reported, ``sharpness_eval``: the same
in evaluation mode, with the running averages frozen. Frozen averages break batch norm's
invariance to the scale of the weights feeding it, and that loss is often *sharper* than
the plain network's (measured on the defaults: at η = 0.1 over seeds 0–3, 1.2–2.3 in
training mode vs 4.8–7.9 in evaluation mode, against 3.8–12.7 without batch norm).
Without batch norm both are the same number. A run has *diverged* when its training loss
became non-finite or ended higher than it started.

At one learning rate both networks get a 2-D slice of the training loss (batch norm in
training mode over the whole training set, as for the sharpness) around their final
weights, along random filter-normalized directions (Li et al. 2018): each filter of
each weight matrix moves by the same fraction of its own norm, which is what makes the
two networks comparable at all, since the weights that feed a batch-norm layer can be
rescaled without changing its output. Biases and batch norm's scale γ and shift β get a
zero direction (``random_direction``'s default, as in the reference code): the slice
moves the weight matrices only. Both networks' directions come from the same Gaussian
draw: it is made for the weight-and-bias tree the two share, and the batch-norm leaves
get their zeros afterwards.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Annotated, Any

import jax
import jax.numpy as jnp
import numpy as np
from annotated_types import Ge, Gt, Le, MaxLen, MinLen
from jax import Array
from jax.flatten_util import ravel_pytree
from jax.tree_util import Partial

from descentlab.core.base import Doc, Point, Result
from descentlab.core.experiments.json_safe import finite_or_none
from descentlab.core.experiments.train import (
    MAX_SAMPLE_EPOCHS,
    NetworkSetup,
    check,
    refuse_penalty,
    sample_count,
    train_setup,
)
from descentlab.core.grid import evaluate_grid
from descentlab.core.nets import landscape
from descentlab.core.nets.datasets import XY, Dataset, scaled_features, standardize
from descentlab.core.nets.hessian import top_eigenvalues
from descentlab.core.nets.models import ModelSpec, Weights
from descentlab.core.nets.network_losses import flat_loss, network_loss
from descentlab.core.nets.training import TrainResult
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS, OptimizerName, get_optimizer
from descentlab.core.surfaces import Interval, quadratic_form
from descentlab.core.trajectory import RunConfig, run_trajectories

BOUNCE = 1.9  # the default η times λ_max of the scaled case (2 is where descent diverges)
WINDOW_MARGIN = 1.25  # each window's half-width: the farthest minimum from the start, × this
BN_LEAVES = ("scale", "bias")  # batch norm's γ and β in a layer's dictionary

BatchData = tuple[Array, Array]  # the training inputs and targets


Rate = Annotated[float, Gt(0), Le(100)]
Weight = Annotated[float, Ge(-100), Le(100)]


@dataclass(frozen=True)
class NormalizationParams:
    """Feature scaling on a linear model, and batch norm in an MLP (section 6).

    Both halves of the lesson; the defaults finish in seconds on two cores.

    ``target_weights`` are y's weights on the unit-variance features (so the scaled case's
    minimum is near ``target_weights / feature_scales``). ``learning_rate`` None means
    ``BOUNCE / λ_max`` of the scaled case. The setup's own ``batch_norm`` and
    ``learning_rate`` are ignored: the experiment sets them per run.
    """

    feature_scale: Annotated[
        float, Ge(1e-3), Le(1e3), Doc("ratio of the two features' spreads")
    ] = 10.0
    target_weights: tuple[Weight, Weight] = (1.0, 3.0)
    samples: Annotated[int, Ge(3), Le(4000)] = 200
    noise: Annotated[float, Ge(0), Le(10)] = 0.5
    seed: Annotated[int, Ge(0), Le(2**31 - 1)] = 0
    optimizer: OptimizerName = "sgd"
    learning_rate: Annotated[
        Rate | None, Doc("the linear runs' η; null: 1.9 / λ_max of the scaled problem")
    ] = None
    steps: Annotated[int, Ge(1), Le(5000)] = 100
    start: Point = (0.0, 0.0)
    resolution: Annotated[int, Ge(8), Le(201)] = 61
    setup: NetworkSetup = field(
        default_factory=partial(NetworkSetup, activation="relu", optimizer="sgd")
    )
    # ReLU and plain SGD on moons: at 0.1 batch norm trains faster; at 3.0 the plain network
    # collapses (dead ReLUs, accuracy 0.5, loss above its start) while batch norm trains.
    learning_rates: Annotated[tuple[Rate, ...], MinLen(1), MaxLen(5)] = (0.1, 1.0, 3.0)
    slice_learning_rate: Annotated[Rate | None, Doc("null: the middle rate")] = None
    slice_resolution: Annotated[int, Ge(5), Le(61)] = 21
    span: Annotated[float, Gt(0), Le(10), Doc("the slices' α, β ∈ [−span, span]")] = 1.0
    iterations: Annotated[int, Ge(8), Le(200), Doc("Lanczos steps for the sharpness")] = 30


def check_params(params: NormalizationParams) -> None:
    """Raise ValueError before any work is done (told to the user as a 422)."""
    if not params.feature_scale > 0:
        raise ValueError(f"feature_scale must be positive, got {params.feature_scale}")
    if params.samples < 3:
        raise ValueError(f"samples must be at least 3, got {params.samples}")
    if params.steps < 1 or params.resolution < 2 or params.slice_resolution < 2:
        raise ValueError("steps must be positive and resolutions at least 2")
    if params.learning_rate is not None and not params.learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {params.learning_rate}")
    if not params.learning_rates or not all(rate > 0 for rate in params.learning_rates):
        raise ValueError("learning_rates must be a non-empty list of positive numbers")
    if params.optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {params.optimizer!r}; known: {', '.join(OPTIMIZERS)}")
    check(params.setup)
    refuse_penalty(params.setup, "the curvatures compared are the data's loss alone")
    if params.setup.architecture != "mlp":
        raise ValueError("the normalization experiment compares batch norm in an mlp")
    runs = 2 * (len(params.learning_rates) + 1)  # with and without BN, plus the slice's
    if sample_count(params.setup) * params.setup.epochs * runs > 4 * MAX_SAMPLE_EPOCHS:
        raise ValueError(f"n_samples × epochs × runs exceeds {4 * MAX_SAMPLE_EPOCHS}")


# --- results without NaN ------------------------------------------------------------------


def _finite_values(values: Sequence[float] | np.ndarray) -> np.ndarray | list[Any]:
    """The array itself when all finite, else nested lists with None for the rest."""
    array = np.asarray(values, np.float64)
    if np.all(np.isfinite(array)):
        return array
    cleaned = array.astype(object)
    cleaned[~np.isfinite(array)] = None
    return list(cleaned.tolist())


# --- part 1: a linear model on scaled and standardized features ---------------------------


def feature_scales(feature_scale: float) -> tuple[float, float]:
    """x₁'s and x₂'s spreads: the ratio ``feature_scale`` split evenly around 1."""
    root = float(np.sqrt(feature_scale))
    return 1.0 / root, root


def linear_datasets(params: NormalizationParams) -> tuple[Dataset, Dataset]:
    """The scaled features and the same after ``standardize``, with one centred target.

    Every sample is a training row (the lesson reads the training error surface only),
    so the test split is empty.
    """
    rng = np.random.default_rng(params.seed)
    z = rng.standard_normal((params.samples, 2))
    z -= z.mean(axis=0)
    y = z @ np.asarray(params.target_weights, np.float64)
    y += params.noise * rng.standard_normal(params.samples)
    y -= y.mean()
    empty = np.empty((0, 2), np.float32)
    unit = Dataset(
        "two features",
        z.astype(np.float32),
        y.astype(np.float32),
        empty,
        empty[:, 0],
        "regression",
        0,
        XY,
    )
    scaled = scaled_features(unit, feature_scales(params.feature_scale))
    return scaled, standardize(scaled)


@dataclass(frozen=True)
class Quadratic:
    """A linear model's MSE as L* + ½ (w − w*)ᵀ H (w − w*), in float64."""

    hessian: np.ndarray  # (2, 2): (2/n) XᵀX
    minimum: np.ndarray  # (2,): the least-squares weights
    floor: float  # L*: the MSE at the minimum

    @property
    def eigenvalues(self) -> np.ndarray:
        return np.linalg.eigvalsh(self.hessian)  # ascending

    def constants(self) -> tuple[float, ...]:
        """The surface's traced constants: H₁₁, H₁₂, H₂₂, w₁*, w₂*, L*."""
        (h11, h12), (_, h22) = self.hessian
        return (h11, h12, h22, *self.minimum, self.floor)


def quadratic_error(data: Dataset) -> Quadratic:
    """The exact error surface of ŷ = w·x with MSE on the training rows."""
    x = np.asarray(data.x_train, np.float64)
    y = np.asarray(data.y_train, np.float64)
    minimum = np.linalg.solve(x.T @ x, x.T @ y)
    floor = float(np.mean(np.square(y - x @ minimum)))
    return Quadratic(2.0 * x.T @ x / len(y), minimum, floor)


def _window(centre: np.ndarray, half_width: float) -> tuple[Interval, Interval]:
    (c1, c2) = (float(c) for c in centre)
    return (c1 - half_width, c1 + half_width), (c2 - half_width, c2 + half_width)


def _linear(params: NormalizationParams) -> dict[str, Any]:
    scaled, standardized = linear_datasets(params)
    cases = {"scaled": quadratic_error(scaled), "standardized": quadratic_error(standardized)}
    eta = params.learning_rate
    if eta is None:
        eta = BOUNCE / float(cases["scaled"].eigenvalues[-1])
    start = np.asarray(params.start, np.float64)
    # One window size for both, each around its own minimum: equal distances look equal.
    reach = max(float(np.max(np.abs(q.minimum - start))) for q in cases.values())
    half_width = WINDOW_MARGIN * reach if reach > 0 else 1.0
    config = RunConfig(get_optimizer(params.optimizer), params.start, {"learning_rate": eta})
    out = []
    for name, quadratic in cases.items():
        domain = _window(quadratic.minimum, half_width)
        objective = Objective.from_function(quadratic_form, quadratic.constants(), domain)
        grid = evaluate_grid(objective, params.resolution)
        (run,) = run_trajectories(objective, params.steps, [config])
        low, high = quadratic.eigenvalues
        out.append(
            {
                "name": name,
                "eigenvalues": [float(low), float(high)],
                "condition_number": finite_or_none(high / low) if low > 0 else None,
                "minimum": quadratic.minimum,
                "minimum_loss": quadratic.floor,
                "surface": {"x": grid.x, "y": grid.y, "z": _finite_values(grid.z)},
                "path": _finite_values(run.points),
                "loss": _finite_values(run.loss),
                "diverged_at": run.diverged_at,
                "final_loss": None if run.diverged_at is not None else finite_or_none(run.loss[-1]),
            }
        )
    return {
        "feature_scales": list(feature_scales(params.feature_scale)),
        "learning_rate": float(eta),
        "optimizer": params.optimizer,
        "steps": params.steps,
        "start": [float(v) for v in params.start],
        "cases": out,
    }


# --- part 2: a small network with and without batch norm ----------------------------------


def _diverged(history: dict[str, list[float]]) -> bool:
    """The training loss became non-finite, or training ended above where it started."""
    losses = np.asarray(history["train_loss"] + history["batch_loss"], np.float64)
    first, last = history["train_loss"][0], history["train_loss"][-1]
    return bool(not np.all(np.isfinite(losses)) or last > first)


def _last(history: dict[str, list[float]], name: str) -> float | None:
    return finite_or_none(history[name][-1]) if name in history else None


def _sharpness(
    spec: ModelSpec,
    loss_name: str,
    trained: TrainResult,
    data: BatchData,
    key: Array,
    steps: int,
    batch_statistics: bool = True,
    between: Callable[[], None] | None = None,
) -> float | None:
    """The top Hessian eigenvalue of the full-batch training loss (None if not finite)."""
    theta, _ = ravel_pytree(trained.params)
    if not np.all(np.isfinite(np.asarray(theta))):
        return None
    loss = flat_loss(spec, loss_name, batch_statistics and spec.batch_norm)
    bound = Partial(loss, trained.batch_stats, *data)
    return finite_or_none(top_eigenvalues(bound, theta, 1, steps, key, between=between).values[0])


def _directions(params: Weights, key: Array) -> tuple[Weights, Weights]:
    """Two filter-normalized directions drawn for the weights and biases alone.

    The draw is laid out over the tree without batch norm's γ and β, so a network with
    batch norm and one without get the same Gaussian numbers; γ and β get zeros (as the
    biases do: ``random_direction`` moves only the weight matrices).
    """
    layers = params["layers"]
    shared = {"layers": [{k: v for k, v in ls.items() if k not in BN_LEAVES} for ls in layers]}

    def draw(index: int) -> Weights:
        direction = landscape.random_direction(shared, jax.random.fold_in(key, index))
        return {
            "layers": [
                {**moved, **{k: jnp.zeros_like(layer[k]) for k in BN_LEAVES if k in layer}}
                for moved, layer in zip(direction["layers"], layers, strict=True)
            ]
        }

    return draw(1), draw(2)


def _slice(
    params: NormalizationParams,
    spec: ModelSpec,
    trained: TrainResult,
    data: BatchData,
    key: Array,
    between: Callable[[], None] | None = None,
) -> dict[str, Any]:
    d1, d2 = _directions(trained.params, key)
    axis = np.linspace(-params.span, params.span, params.slice_resolution)
    loss = network_loss(spec, params.setup.loss, spec.batch_norm)
    grid = landscape.slice_2d(
        loss, trained.params, d1, d2, axis, axis, (trained.batch_stats, *data), between=between
    )
    centre = grid["centre"]
    return {
        "x": grid["x"],
        "y": grid["y"],
        "z": _finite_values(grid["z"]),
        "centre": {
            "grid": finite_or_none(centre["grid"]),
            "direct": finite_or_none(centre["direct"]),
            "matches": centre["matches"],
        },
    }


def _batch_norm(params: NormalizationParams, progress: Callable[[float], None]) -> dict[str, Any]:
    rates = list(params.learning_rates)
    slice_rate = params.slice_learning_rate
    if slice_rate is None:
        slice_rate = rates[len(rates) // 2]
    extra = [] if slice_rate in rates else [slice_rate]  # trained for its slice only
    plan = [(bn, rate) for bn in (False, True) for rate in [*rates, *extra]]
    key = jax.random.key(params.setup.seed)
    runs, slices = [], []
    for done, (bn, rate) in enumerate(plan):
        setup = replace(params.setup, batch_norm=bn, learning_rate=rate)

        def report(fraction: float, done: int = done) -> None:
            progress((done + 0.8 * fraction) / len(plan))

        dataset, spec, trained = train_setup(setup, report)
        check = partial(report, 1.0)  # between pieces of the long computations below
        data = (jnp.asarray(dataset.x_train), jnp.asarray(dataset.y_train))
        history = trained.history
        if rate in rates:
            runs.append(
                {
                    "batch_norm": bn,
                    "learning_rate": rate,
                    "history": {
                        k: v if k == "epoch" else _finite_values(v) for k, v in history.items()
                    },
                    "train_loss": _last(history, "train_loss"),
                    "test_loss": _last(history, "test_loss"),
                    "train_accuracy": _last(history, "train_accuracy"),
                    "test_accuracy": _last(history, "test_accuracy"),
                    "sharpness": _sharpness(
                        spec, setup.loss, trained, data, key, params.iterations, True, check
                    ),
                    "sharpness_eval": _sharpness(
                        spec, setup.loss, trained, data, key, params.iterations, False, check
                    )
                    if bn
                    else None,
                    "diverged": _diverged(history),
                }
            )
        if rate == slice_rate:
            slices.append(
                {"batch_norm": bn, "learning_rate": rate}
                | _slice(params, spec, trained, data, key, check)
            )
        progress((done + 1) / len(plan))
    return {
        "optimizer": params.setup.optimizer,
        "learning_rates": rates,
        "slice_learning_rate": slice_rate,
        "runs": runs,
        "slices": slices,
    }


def run(params: NormalizationParams, progress: Callable[[float], None]) -> Result:
    """The linear model's two error surfaces and runs, then the network with and without BN."""
    check_params(params)
    linear = _linear(params)
    progress(0.1)
    batch_norm = _batch_norm(params, lambda fraction: progress(0.1 + 0.9 * fraction))
    progress(1.0)
    return {"linear": linear, "batch_norm": batch_norm}
