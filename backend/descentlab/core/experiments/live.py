"""Live training, TensorFlow Playground's Play / Pause / Step: a few updates per call.

Each call runs ``updates`` minibatch updates from a state the client sends back, then
looks at the network: the curves' next point, the decision boundary and, for a small
network on the plane, every unit's output as a thumbnail with the weights between them.
The server keeps nothing: the state (weights, batch-norm averages, optimizer state, the
update count) travels with the client as float32 bytes, so any server of a class can
answer the next call, and a closed tab leaves nothing behind.

The updates are ``training.train_epoch``'s, the same program the ``train`` experiment
runs: epoch e shuffles with the same key, and a run of calls reaches exactly the weights
of a training job of as many epochs. Learning rate and weight penalty are traced
arguments, so changing them while it plays takes effect at the next update and compiles
nothing; any other change of the setup starts a new run (the state says which setup it
belongs to).
"""

import base64
import bisect
import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.flatten_util import ravel_pytree

from descentlab.core.experiments.train import (
    NetworkSetup,
    check,
    drawn_data,
    load_dataset,
    mlp_for,
    samples_per_batch,
    setup_penalty,
)
from descentlab.core.nets import kernel_cache
from descentlab.core.nets.datasets import FEATURES, Dataset
from descentlab.core.nets.models import (
    BatchStats,
    MLPSpec,
    Regularization,
    Weights,
    count_params,
    init_batch_stats,
    init_params,
    layer_outputs,
)
from descentlab.core.nets.training import (
    TrainState,
    grid_axes,
    grid_points,
    hyperparameter_values,
    init_optimizer_state,
    observe,
    steps_per_epoch,
    train_epoch,
)
from descentlab.core.optimizers import get_optimizer
from descentlab.core.precision import require_engine_precision

# The state travels in every request: its weights and optimizer state (three floats a
# parameter for Adam) must stay well inside the request body limit (about 80 kB here).
MAX_PARAMETERS = 5_000
MAX_UPDATES = 1_000  # a call's updates
MAX_ROWS = 32_768  # a call's updates × rows per batch: its cost
MAX_TOTAL_UPDATES = 10_000_000  # a run's, so a float32 step count stays exact
# Fields that may change while a run plays; any other starts a new run.
LIVE_FIELDS = frozenset({"learning_rate", "regularization", "regularization_rate", "epochs"})
BOUNDARY_RESOLUTION = 40  # the decision boundary's grid, as the train experiment's
THUMBNAIL_RESOLUTION = 16  # each unit's picture in the network diagram
PICTURE_DECIMALS = 3  # the pictures' values: finer than any colour scale shows
DIAGRAM_MAX_UNITS = 16  # the widest layer the diagram draws unit by unit


@dataclass(frozen=True)
class LiveState:
    """Where a live run is: which setup (``digest``), how many updates so far, and the
    flattened ``TrainState`` (weights, batch-norm averages, optimizer state)."""

    digest: str
    updates: int
    vector: np.ndarray  # float32

    def encode(self) -> dict[str, Any]:
        raw = np.ascontiguousarray(self.vector, dtype="<f4").tobytes()
        return {
            "digest": self.digest,
            "updates": self.updates,
            "vector": base64.b64encode(raw).decode("ascii"),
        }

    @classmethod
    def decode(cls, digest: str, updates: int, vector: str) -> "LiveState":
        try:
            raw = base64.b64decode(vector, validate=True)
        except ValueError:
            raise ValueError(
                "state.vector is not base64: send back the state as received"
            ) from None
        if len(raw) % 4:
            raise ValueError("state.vector is not whole float32 values")
        return cls(digest, updates, np.frombuffer(raw, dtype="<f4").astype(np.float32))


def setup_digest(setup: NetworkSetup) -> str:
    """What identifies a run's setup: every field but those that may change while it plays."""
    fixed = {k: v for k, v in asdict(setup).items() if k not in LIVE_FIELDS}
    return hashlib.sha256(json.dumps(fixed, sort_keys=True).encode()).hexdigest()[:32]


class SetupChangedError(ValueError):
    """The state belongs to another setup (told as a 409: start again from null)."""


def check_live(setup: NetworkSetup, updates: int) -> None:
    """Raise ValueError for what live training does not take (told as a 422)."""
    check(setup)
    if setup.architecture != "mlp":
        raise ValueError("live training takes an mlp; train a cnn as a job (POST /api/experiments)")
    if not 0 <= updates <= MAX_UPDATES:
        raise ValueError(f"updates must be 0 to {MAX_UPDATES}, got {updates}")
    dataset = load_dataset(setup)
    spec = mlp_for(setup, dataset)
    parameters = count_params(spec)
    if parameters > MAX_PARAMETERS:
        raise ValueError(
            f"live training takes networks of up to {MAX_PARAMETERS} parameters; this one has "
            f"{parameters} (train it as a job: POST /api/experiments)"
        )
    rows = updates * samples_per_batch(setup.batch_size, len(dataset.x_train))
    if rows > MAX_ROWS:
        raise ValueError(
            f"updates × batch rows is {rows}, over {MAX_ROWS} a call: ask for fewer updates"
        )


def _initial_state(spec: MLPSpec, setup: NetworkSetup, eta: float, hyper: Any) -> TrainState:
    params = init_params(spec, jax.random.key(setup.seed))
    rate = jnp.asarray(eta, dtype=jnp.float32)
    optimizer = get_optimizer(setup.optimizer)
    return TrainState(
        params, init_batch_stats(spec), init_optimizer_state(optimizer, params, rate, hyper)
    )


@kernel_cache.jit(static_argnames="spec")
def unit_pictures(
    spec: MLPSpec, params: Weights, batch_stats: BatchStats, points: Array, softmax: bool
) -> list[Array]:
    """Every layer's output at the thumbnail grid's inputs; the last as class probabilities
    when ``softmax`` (a classifier's outputs are what its boundary shows)."""
    outputs = layer_outputs(spec, params, batch_stats, points)
    last = jax.nn.softmax(outputs[-1], axis=-1)
    return [*outputs[:-1], jnp.where(softmax, last, outputs[-1])]


def _picture(values: np.ndarray, resolution: int) -> list[list[float]]:
    grid = np.round(values.reshape(resolution, resolution).astype(np.float64), PICTURE_DECIMALS)
    return grid.tolist()


def _diagram(
    spec: MLPSpec, dataset: Dataset, state: TrainState, classification: bool
) -> dict[str, Any] | None:
    """The network drawn: each unit's output over the plane, and the weights between them."""
    plane = dataset.plane_points
    if plane is None or any(width > DIAGRAM_MAX_UNITS for width in spec.widths):
        return None
    axes = grid_axes(plane, THUMBNAIL_RESOLUTION)
    inputs = dataset.inputs_at(grid_points(axes))
    outputs = unit_pictures(
        spec, state.params, state.batch_stats, jnp.asarray(inputs), classification
    )
    labels = [FEATURES[name].label for name in dataset.features] or ["x₁", "x₂"]
    layers: list[dict[str, Any]] = [
        {
            "name": "features",
            "units": [
                {"label": label, "z": _picture(inputs[:, j], THUMBNAIL_RESOLUTION)}
                for j, label in enumerate(labels)
            ],
        }
    ]
    last = len(spec.widths)
    for i, (values, layer) in enumerate(zip(outputs, state.params["layers"], strict=True)):
        values = np.asarray(values)
        if i == last:
            names = [f"class {c}" for c in range(values.shape[1])] if classification else ["ŷ"]
        else:
            names = [f"unit {j + 1}" for j in range(values.shape[1])]
        layers.append(
            {
                "name": "output" if i == last else f"hidden {i + 1}",
                "units": [
                    {"label": names[j], "z": _picture(values[:, j], THUMBNAIL_RESOLUTION)}
                    for j in range(values.shape[1])
                ],
                "weights": np.asarray(layer["w"]),
                "biases": np.asarray(layer["b"]),
            }
        )
    return {"x": axes[0], "y": axes[1], "layers": layers}


def live_step(setup: NetworkSetup, state: LiveState | None, updates: int) -> dict[str, Any]:
    """Run ``updates`` updates from ``state`` (None: the initial weights) and look.

    Raises ``SetupChangedError`` when the state is another setup's, ValueError for a state
    that cannot be this setup's (its size) or a request over the bounds.
    """
    require_engine_precision()
    check_live(setup, updates)
    dataset = load_dataset(setup)
    spec = mlp_for(setup, dataset)
    classification = dataset.task == "classification"
    optimizer = get_optimizer(setup.optimizer)
    eta, hyper = hyperparameter_values(optimizer, {"learning_rate": setup.learning_rate})
    digest = setup_digest(setup)

    fresh = _initial_state(spec, setup, eta, hyper)
    flat, unflatten = ravel_pytree(fresh)
    if state is None:
        train_state, done = fresh, 0
    else:
        if state.digest != digest:
            changeable = ", ".join(sorted(LIVE_FIELDS))
            raise SetupChangedError(
                f"the state belongs to another setup (only {changeable} change while a run "
                "plays): start again with state null"
            )
        if state.vector.size != flat.size:
            raise ValueError(
                f"state.vector holds {state.vector.size} values; this setup's {flat.size}"
            )
        if not np.isfinite(state.vector).all():
            raise ValueError("state.vector is not finite: start again with state null")
        if not 0 <= state.updates <= MAX_TOTAL_UPDATES - updates:
            raise ValueError(f"a live run stops at {MAX_TOTAL_UPDATES} updates")
        train_state, done = unflatten(jnp.asarray(state.vector)), state.updates

    label_dtype = jnp.int32 if classification else jnp.float32
    x = jnp.asarray(dataset.x_train, dtype=jnp.float32)
    y = jnp.asarray(dataset.y_train, dtype=label_dtype)
    test = (
        jnp.asarray(dataset.x_test, dtype=jnp.float32),
        jnp.asarray(dataset.y_test, dtype=label_dtype),
    )
    batch = samples_per_batch(setup.batch_size, len(dataset.x_train))
    steps = steps_per_epoch(len(dataset.x_train), batch)
    rates = np.full(steps, eta, dtype=np.float32)
    penalty = np.asarray(setup_penalty(setup), dtype=np.float32)
    shuffle_key = jax.random.fold_in(jax.random.key(setup.seed), 1)
    losses: list[np.ndarray] = []
    target = done + updates
    while done < target:  # one call per epoch touched: at most a few
        epoch, first = divmod(done, steps)
        stop = min(steps, first + target - done)
        train_state, batch_losses = train_epoch(
            spec,
            setup.loss,
            batch,
            optimizer,
            train_state,
            x,
            y,
            jax.random.fold_in(shuffle_key, epoch),
            rates,
            hyper,
            penalty,
            np.array([first, stop], dtype=np.int32),
        )
        losses.append(np.asarray(batch_losses)[first:stop])
        done += stop - first

    plane = dataset.plane_points
    boundary_grid = None
    axes = None
    if plane is not None:
        axes = grid_axes(plane, BOUNDARY_RESOLUTION)
        boundary_grid = jnp.asarray(dataset.inputs_at(grid_points(axes)), dtype=jnp.float32)
    seen = observe(
        spec,
        setup.loss,
        train_state.params,
        train_state.batch_stats,
        (x, y),
        test,
        boundary_grid,
        penalty,
    )
    vector = np.asarray(ravel_pytree(train_state)[0], dtype=np.float32)
    metrics = np.asarray(seen.metrics, dtype=np.float64)
    diverged = not (np.isfinite(vector).all() and np.isfinite(metrics).all())
    train_loss, train_accuracy, test_loss, test_accuracy, penalty_now = metrics.tolist()
    out: dict[str, Any] = {
        "state": None if diverged else LiveState(digest, done, vector).encode(),
        "diverged": diverged,
        "updates": done,
        "epoch": done / steps,
        "steps_per_epoch": steps,
        "batch_size": batch,
        "parameters": count_params(spec),
        "metrics": _metrics(
            train_loss,
            test_loss,
            train_accuracy,
            test_accuracy,
            penalty_now,
            losses,
            classification,
        ),
        "network": None,
    }
    if not diverged:
        if axes is not None and seen.grid_outputs is not None:
            # Rounded as the pictures are: a third of the bytes, and gzip's time with them.
            z = np.round(np.asarray(seen.grid_outputs, dtype=np.float64), PICTURE_DECIMALS)
            z = z.reshape(axes[1].size, axes[0].size, -1)
            out["boundary"] = {"x": axes[0], "y": axes[1], "z": z if classification else z[..., 0]}
        out["network"] = _diagram(spec, dataset, train_state, classification)
    if state is None:
        out["data"] = drawn_data(dataset)
    return out


def _metrics(
    train_loss: float,
    test_loss: float,
    train_accuracy: float,
    test_accuracy: float,
    penalty: float,
    losses: list[np.ndarray],
    classification: bool,
) -> Mapping[str, float | None]:
    """The curves' next point: the data's loss on both splits (without the penalty, which
    comes on its own), accuracies for a classifier, and this call's mean minibatch
    objective (None without updates)."""
    ran = np.concatenate(losses) if losses else np.zeros(0)
    out: dict[str, float | None] = {
        "train_loss": train_loss,
        "test_loss": test_loss,
        "penalty": penalty,
        "batch_loss": float(ran.mean()) if ran.size else None,
    }
    if classification:
        out |= {"train_accuracy": train_accuracy, "test_accuracy": test_accuracy}
    return out


# A recorded run replayed for a standalone page: its updates and rows bound the work.
MAX_RECORDED_UPDATES = 20_000
MAX_RECORDED_ROWS = 2_000_000
MAX_SEGMENTS = 1_000
RECORDED_FRAMES = 60  # the pictures a page replays
RECORDED_POINTS = 300  # the curves' points


@dataclass(frozen=True)
class LiveSegment:
    """Updates run with one learning rate and penalty (a run's calls between two changes)."""

    updates: int
    learning_rate: float
    regularization: Regularization
    regularization_rate: float


def check_recording(setup: NetworkSetup, segments: Sequence[LiveSegment]) -> None:
    """Raise ValueError for a recording this server would not replay (told as a 422)."""
    check_live(setup, 0)
    if not 1 <= len(segments) <= MAX_SEGMENTS:
        raise ValueError(f"a recording has 1 to {MAX_SEGMENTS} segments, got {len(segments)}")
    total = sum(segment.updates for segment in segments)
    rows = total * samples_per_batch(setup.batch_size, len(load_dataset(setup).x_train))
    if total > MAX_RECORDED_UPDATES or rows > MAX_RECORDED_ROWS:
        raise ValueError(
            f"a recording replays at most {MAX_RECORDED_UPDATES} updates and "
            f"{MAX_RECORDED_ROWS} rows; this one has {total} updates, {rows} rows"
        )
    for segment in segments:
        check_live(_with(setup, segment), 0)


def _with(setup: NetworkSetup, segment: LiveSegment) -> NetworkSetup:
    return replace(
        setup,
        learning_rate=segment.learning_rate,
        regularization=segment.regularization,
        regularization_rate=segment.regularization_rate,
    )


def _spread(values: Sequence[int], count: int) -> list[int]:
    """At most ``count`` of ``values``, evenly spread, the first and the last kept."""
    if len(values) <= count:
        return list(values)
    return [values[round(i * (len(values) - 1) / (count - 1))] for i in range(count)]


def replay(setup: NetworkSetup, segments: Sequence[LiveSegment]) -> dict[str, Any]:
    """A recorded live run computed again, exactly (the same programs, the same shuffles):
    its curves at up to ``RECORDED_POINTS`` update counts (every change of rate or penalty
    among them), its pictures at up to ``RECORDED_FRAMES`` of those, and its data.

    ``{setup, data, history: {epoch, train_loss, …}, frames: [{epoch, boundary, network}],
    diverged_at}``: what a standalone page replays (``diverged_at``: the update count
    where the weights stopped being finite, else None; the run ends there).
    """
    check_recording(setup, segments)
    ends = list(itertools.accumulate(segment.updates for segment in segments))
    total = ends[-1]
    even = {round(i * total / RECORDED_POINTS) for i in range(RECORDED_POINTS + 1)}
    points = sorted(even | set(ends) | {0})
    pictured = set(_spread(points, RECORDED_FRAMES))
    first = live_step(setup, None, 0)
    history: dict[str, list[Any]] = {"epoch": []}
    frames: list[dict[str, Any]] = []
    state, done, diverged_at = first["state"], 0, None

    def keep(frame: dict[str, Any], at: int) -> None:
        history["epoch"].append(frame["epoch"])
        for name, value in frame["metrics"].items():
            if name != "batch_loss":
                history.setdefault(name, []).append(value)
        if at in pictured:
            frames.append(
                {
                    "epoch": frame["epoch"],
                    "boundary": frame.get("boundary"),
                    "network": frame["network"],
                }
            )

    keep(first, 0)
    for point in points[1:]:
        segment = segments[bisect.bisect_left(ends, point)]  # the one (done, point] lies in
        while done < point:
            frame = live_step(
                _with(setup, segment),
                LiveState.decode(**state),
                min(MAX_UPDATES, point - done),
            )
            done, state = frame["updates"], frame["state"]
            if frame["diverged"]:
                diverged_at = done
                break
        keep(frame, point)
        if diverged_at is not None:
            break
    return {
        "setup": asdict(setup),
        "data": first["data"],
        "history": history,
        "frames": frames,
        "diverged_at": diverged_at,
    }


def warm_live() -> None:
    """Compile the default setup's live programs: the Networks page's first Play and Step
    (other learning rates, penalties and update counts are data for the same programs)."""
    setup = NetworkSetup()
    first = live_step(setup, None, 0)
    live_step(setup, LiveState.decode(**first["state"]), 1)
