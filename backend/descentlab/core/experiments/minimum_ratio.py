"""Critical points of small networks and their minimum ratio (the ``minimum_ratio`` experiment).

The lecture's study (curriculum section 1): train many networks, push each to a point
where the gradient vanishes, read the whole Hessian spectrum there and plot the
**minimum ratio** (positive eigenvalues / all eigenvalues) against the training loss.
Critical points of real networks are mostly saddles: few reach ratio 1.

Here each architecture in ``widths`` is trained from ``seeds`` initializations, each for
a different number of epochs (0 … ``setup.epochs``, spaced quadratically since the loss
falls fastest early), so the runs stop in different regions and polishing lands at
critical points of different losses. **Polishing** minimizes ½‖∇F(θ)‖², which is zero at
every critical point (minimum, saddle or maximum alike), by Levenberg–Marquardt steps on
the gradient: δ = −(H² + μI)⁻¹Hg = −Q diag(λ/(λ² + μ)) Qᵀg with H = QΛQᵀ, μ raised
after a step that does not lower ‖g‖ and lowered after one that does. Near a
non-degenerate critical point μ → 0 and this is Newton's method on g = 0 (quadratic
convergence), in float64 on the full training set.

**What polishing finds.** Whichever critical point its steps are drawn to, not the
lowest one: ½‖g‖² is as happy at a saddle as at a minimum, so a run stopped on a slope
often polishes to a saddle nearby rather than descending into a minimum. That is the
lecture's method, and part of why so few points reach 1; each network's
``loss_before_polish`` and ``polish_distance`` show how far polishing went.

**The objective.** F(θ) = L(θ) + (α/2)‖θ‖², the training loss plus a small L2 penalty
(``weight_decay`` α). Without it, cross-entropy's critical points often lie at infinity:
a tanh unit sharpening into a step lowers the loss forever, so ‖g‖ only tends to 0 as
‖θ‖ → ∞ and polishing drifts without converging. The penalty makes F coercive, so every
critical point is finite. It also lifts the softmax's exact symmetry: adding one vector
to every class's output weights (and one number to every output bias) leaves L
unchanged, which gives L's Hessian (last width + 1) exact zero eigenvalues that would
keep the ratio below 1 by construction; F curves up along them by α. The spectrum and
the ratio are F's; the reported ``train_loss`` is L alone, the lecture's x axis.

**Not offered.** Batch norm: a BN layer's output does not change when its incoming
weights are scaled, so whole directions are exactly flat (zero eigenvalues by symmetry,
not by the landscape) and its loss depends on the batch. ReLU and ELU: the Hessian jumps
at the kinks, and a Newton-type polish needs it to be continuous.

**Compiled code.** The data loss is ``hessian.flat_loss(spec, loss)`` bound to the data
as a ``Partial``, so all seeds of one architecture (and other datasets of the same
shape) share one polishing kernel; the step budget and α are traced arguments too.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Annotated, Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from annotated_types import Ge, Le, MaxLen, MinLen
from jax import Array
from jax.flatten_util import ravel_pytree
from jax.tree_util import Partial
from numpy.typing import ArrayLike

from descentlab.core.base import Doc, Result
from descentlab.core.experiments.json_safe import finite_or_none
from descentlab.core.experiments.train import (
    NetworkSetup,
    check,
    load_dataset,
    mlp_for,
    refuse_penalty,
    sample_count,
    samples_per_batch,
)
from descentlab.core.nets import hessian, kernel_cache
from descentlab.core.nets.datasets import Dataset
from descentlab.core.nets.models import (
    BatchStats,
    MLPSpec,
    Weights,
    count_params,
    init_batch_stats,
    init_params,
)
from descentlab.core.nets.network_losses import flat_loss
from descentlab.core.nets.training import TrainingRun, train
from descentlab.core.optimizers import get_optimizer
from descentlab.core.precision import require_engine_precision

# A point counts as critical when ‖∇F‖ is below this. Losses and weights here are of
# order 1, and a converged polish reaches ~1e-16 (float64 rounding), so anything that
# stopped above 1e-8 stopped somewhere else: a local minimum of ‖g‖ that is not a
# critical point, or a slow crawl toward one far away.
GRADIENT_TOLERANCE = 1e-8
DEFAULT_WEIGHT_DECAY = 3e-3
# Levenberg–Marquardt damping μ is this factor times max λ² (scale-free). It starts at
# INITIAL_DAMPING, is divided by DAMPING_DOWN after an accepted step (never below
# MIN_DAMPING) and multiplied by DAMPING_UP after a rejected one; once it passes
# MAX_DAMPING the steps are too short to lower ‖g‖ any more and polishing stops.
INITIAL_DAMPING = 1e-3
MIN_DAMPING = 1e-30
MAX_DAMPING = 1e8
# Polishing steps per kernel call: a job notices a cancel between calls. Each step of a
# 500-parameter network costs up to a dense Hessian and its eigendecomposition (tens of
# ms on 2 cores), so a chunk is well under a second.
POLISH_CHUNK = 10
# Eigenvalues below RCOND·max|λ| are rounding noise around exact zeros: the step leaves
# their directions alone instead of dividing by the noise.
RCOND = 1e-14
DAMPING_DOWN = 4.0
DAMPING_UP = 10.0
# Each polishing step forms the dense n×n Hessian and decomposes it: ~n³. 500 parameters
# keep a few hundred steps per network within seconds on 2 CPU cores.
MAX_PARAMETERS = 500
MAX_SAMPLES = 1000
SMOOTH_ACTIVATIONS = ("tanh", "sigmoid", "gelu")


@dataclass(frozen=True)
class MinimumRatioParams:
    """Many small networks polished to critical points, each one's full spectrum (section 1).

    ``setup.widths`` is not used: every architecture in ``widths`` is trained from seeds
    ``setup.seed``, ``setup.seed + 1``, … (``seeds`` of them), the i-th for
    ``epochs_trained(i, seeds, setup.epochs)`` epochs, then polished for at most
    ``polish_steps`` steps on F = L + (``weight_decay``/2)‖θ‖².
    """

    setup: NetworkSetup = field(
        default_factory=lambda: NetworkSetup(
            n_samples=200, widths=(4,), learning_rate=0.03, batch_size=32, epochs=100
        )
    )
    widths: Annotated[
        tuple[Annotated[tuple[Annotated[int, Ge(1), Le(32)], ...], MinLen(1), MaxLen(3)], ...],
        MinLen(1),
        MaxLen(6),
        Doc("architectures (hidden widths)"),
    ] = ((4,), (6,), (4, 4))
    seeds: Annotated[int, Ge(1), Le(16), Doc("networks per architecture")] = 8
    polish_steps: Annotated[int, Ge(0), Le(1000), Doc("Newton-type steps")] = 300
    weight_decay: Annotated[
        float, Ge(0), Le(1), Doc("α in F = L + α/2‖θ‖², the polished objective")
    ] = DEFAULT_WEIGHT_DECAY


@dataclass(frozen=True)
class CriticalPoint:
    """Where polishing stopped, and F's Hessian spectrum there."""

    theta: np.ndarray  # (n,) float64
    gradient_norm: float  # ‖∇F(θ)‖
    loss: float  # the data loss L(θ), without the penalty
    eigenvalues: np.ndarray  # (n,) ascending: the spectrum of F's Hessian at θ
    steps: int  # polishing steps taken (accepted or not)
    converged: bool  # gradient_norm ≤ the tolerance
    start_loss: float  # L where polishing started
    distance: float  # ‖θ − θ_start‖: how far polishing moved


def _penalized(data_loss: Partial, weight_decay: Array, theta: Array) -> Array:
    return data_loss(theta) + 0.5 * weight_decay * jnp.vdot(theta, theta)


def penalized(data_loss: Partial, weight_decay: float) -> Partial:
    """F(θ) = L(θ) + (α/2)‖θ‖² as a ``Partial`` (α traced), for the ``nets.hessian`` tools."""
    return Partial(_penalized, data_loss, jnp.asarray(weight_decay, jnp.float64))


def _spectrum(objective: Callable[[Array], Array], theta: Array) -> tuple[Array, Array, Array]:
    """∇F(θ), and the eigenvalues (ascending) and eigenvectors (columns) of F's Hessian."""
    gradient, tangent_map = jax.linearize(jax.grad(objective), theta)
    basis = jnp.eye(theta.shape[0], dtype=theta.dtype)
    rows = jax.lax.map(tangent_map, basis, batch_size=hessian.DENSE_BATCH)
    values, vectors = jnp.linalg.eigh(0.5 * (rows + rows.T))
    return gradient, values, vectors


class _Polishing(NamedTuple):
    """The polishing loop's carry: θ with F's gradient and Hessian spectrum there."""

    step: Array
    theta: Array
    gradient: Array
    values: Array  # (n,) ascending eigenvalues of F's Hessian at θ
    vectors: Array  # (n, n) its eigenvectors as columns
    damping: Array  # μ / max λ²


def _objective(data_loss: Partial, weight_decay: Array) -> Callable[[Array], Array]:
    return partial(_penalized, data_loss, weight_decay)


@kernel_cache.jit()
def _polish_start(data_loss: Partial, weight_decay: Array, theta: Array) -> _Polishing:
    """The loop's first carry: θ with F's gradient and Hessian spectrum there."""
    objective = _objective(data_loss, weight_decay)
    return _Polishing(
        jnp.zeros((), jnp.int32),
        theta,
        *_spectrum(objective, theta),
        jnp.asarray(INITIAL_DAMPING, theta.dtype),
    )


@kernel_cache.jit()
def _polish_kernel(
    data_loss: Partial, weight_decay: Array, state: _Polishing, until: Array
) -> _Polishing:
    """Levenberg–Marquardt on ½‖∇F‖², from ``state`` until step ``until`` (traced).

    A step is accepted only when it lowers ‖∇F‖; the spectrum in the carry is always θ's,
    recomputed only after an accepted step (a rejected one costs a gradient, not a
    Hessian). The loop stops early once the damping passes ``MAX_DAMPING``. Run in
    chunks of ``POLISH_CHUNK`` steps, each resuming from the last one's carry (the same
    numbers as one call), so that the job can notice a cancel between them.
    """
    objective = _objective(data_loss, weight_decay)
    gradient_of = jax.grad(objective)

    def go_on(state: _Polishing) -> Array:
        return (state.step < until) & (state.damping <= MAX_DAMPING)

    def polish_step(state: _Polishing) -> _Polishing:
        values, vectors = state.values, state.vectors
        squares = jnp.square(values)
        mu = state.damping * jnp.max(squares)
        kept = jnp.abs(values) > RCOND * jnp.max(jnp.abs(values))
        shrink = jnp.where(kept, values / jnp.where(kept, squares + mu, 1.0), 0.0)
        candidate = state.theta - vectors @ (shrink * (vectors.T @ state.gradient))
        better = jnp.linalg.norm(gradient_of(candidate)) < jnp.linalg.norm(state.gradient)
        gradient, values, vectors = jax.lax.cond(
            better,
            lambda: _spectrum(objective, candidate),
            lambda: (state.gradient, values, vectors),
        )
        damping = jnp.where(
            better,
            jnp.maximum(state.damping / DAMPING_DOWN, MIN_DAMPING),
            state.damping * DAMPING_UP,
        )
        theta = jnp.where(better, candidate, state.theta)
        return _Polishing(state.step + 1, theta, gradient, values, vectors, damping)

    return jax.lax.while_loop(go_on, polish_step, state)


def find_critical_point(
    data_loss: Partial,
    theta: ArrayLike,
    weight_decay: float = DEFAULT_WEIGHT_DECAY,
    steps: int = 300,
    tolerance: float = GRADIENT_TOLERANCE,
    between_chunks: Callable[[], None] | None = None,
) -> CriticalPoint:
    """Polish ``theta`` toward a critical point of F = L + (α/2)‖θ‖² (any kind), in float64.

    ``data_loss`` is L(θ) as a ``Partial`` (e.g. ``flat_loss(spec, loss)`` bound to the
    batch stats and data); it must compute in θ's dtype. ``between_chunks`` is called
    after every ``POLISH_CHUNK`` steps (a job's progress report, which raises on a cancel).
    """
    if steps < 0:
        raise ValueError(f"steps must be non-negative, got {steps}")
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be non-negative, got {weight_decay}")
    start = jnp.asarray(theta, jnp.float64)
    decay = jnp.asarray(weight_decay, jnp.float64)
    state = _polish_start(data_loss, decay, start)
    done = 0
    while done < steps:
        until = min(done + POLISH_CHUNK, steps)
        state = _polish_kernel(data_loss, decay, state, jnp.asarray(until, jnp.int32))
        done = int(state.step)
        if done < until:  # stopped early: the damping ran away
            break
        if between_chunks is not None and done < steps:
            between_chunks()
    found, gradient, values = jax.device_get((state.theta, state.gradient, state.values))
    gradient_norm = float(np.linalg.norm(gradient))
    return CriticalPoint(
        theta=np.asarray(found),
        gradient_norm=gradient_norm,
        loss=float(data_loss(state.theta)),
        eigenvalues=np.asarray(values),
        steps=done,
        converged=bool(gradient_norm <= tolerance),
        start_loss=float(data_loss(start)),
        distance=float(np.linalg.norm(found - np.asarray(start))),
    )


def epochs_trained(index: int, seeds: int, epochs: int) -> int:
    """Epochs for the ``index``-th seed: 0 … ``epochs``, quadratically spaced."""
    if seeds == 1:
        return epochs
    return round(epochs * (index / (seeds - 1)) ** 2)


def check_params(params: MinimumRatioParams) -> None:
    """Raise ValueError when the request cannot run (told to the user as a 422)."""
    setup = params.setup
    check(setup)
    refuse_penalty(setup, "the minima compared are the data's loss alone")
    if setup.architecture != "mlp":
        raise ValueError("the minimum ratio experiment varies an mlp's widths")
    if sample_count(setup) > MAX_SAMPLES:
        raise ValueError(f"n_samples must be at most {MAX_SAMPLES} here (dense Hessians)")
    if setup.batch_norm:
        raise ValueError(
            "batch norm makes whole directions exactly flat (scale invariance): "
            "the minimum ratio experiment runs without it"
        )
    if setup.activation not in SMOOTH_ACTIVATIONS:
        raise ValueError(
            f"activation {setup.activation!r} has kinks where the Hessian jumps; "
            f"use one of {', '.join(SMOOTH_ACTIVATIONS)}"
        )
    if not params.widths or any(not w or min(w) < 1 for w in params.widths):
        raise ValueError("widths must list at least one architecture of positive widths")
    if params.seeds < 1 or params.polish_steps < 0:
        raise ValueError("seeds must be positive and polish_steps non-negative")
    if not params.weight_decay >= 0:
        raise ValueError(f"weight_decay must be non-negative, got {params.weight_decay}")
    dataset = load_dataset(setup)  # its input and output sizes fix the parameter counts
    for widths in params.widths:
        count = count_params(mlp_for(replace(setup, widths=widths), dataset))
        if count > MAX_PARAMETERS:
            raise ValueError(
                f"widths {widths} give {count} parameters; at most {MAX_PARAMETERS} per network"
            )


def _label(widths: tuple[int, ...], seed: int, converged: bool) -> str:
    text = f"widths {'-'.join(map(str, widths))}, seed {seed}"
    return text if converged else f"{text} (not converged)"


def _trained(
    spec: MLPSpec, setup: NetworkSetup, dataset: Dataset, seed: int, epochs: int
) -> tuple[Weights, BatchStats]:
    """The weights after ``epochs`` epochs from seed ``seed`` (0 epochs: the initial ones)."""
    if epochs == 0:
        return init_params(spec, jax.random.key(seed)), init_batch_stats(spec)
    run = TrainingRun(
        spec,
        setup.loss,
        get_optimizer(setup.optimizer),
        {"learning_rate": setup.learning_rate},
        samples_per_batch(setup.batch_size, len(dataset.x_train)),
        epochs,
        seed,
        boundary_resolution=None,
    )
    trained = train(run, dataset)
    return trained.params, trained.batch_stats


def run(params: MinimumRatioParams, progress: Callable[[float], None]) -> Result:
    """Train, polish and read the spectrum of ``len(widths) × seeds`` networks."""
    require_engine_precision()
    check_params(params)
    setup = params.setup
    dataset = load_dataset(setup)
    specs = [mlp_for(replace(setup, widths=w), dataset) for w in params.widths]
    x, y = jnp.asarray(dataset.x_train), jnp.asarray(dataset.y_train)
    total = len(specs) * params.seeds
    networks: list[dict[str, Any]] = []
    for spec in specs:
        for index in range(params.seeds):
            seed = setup.seed + index
            epochs = epochs_trained(index, params.seeds, setup.epochs)
            weights, batch_stats = _trained(spec, setup, dataset, seed, epochs)
            theta, _ = ravel_pytree(weights)
            data_loss = Partial(flat_loss(spec, setup.loss), batch_stats, x, y)
            point = find_critical_point(
                data_loss,
                theta,
                params.weight_decay,
                params.polish_steps,
                # the same fraction again: no news, but where a cancel is noticed
                between_chunks=partial(progress, len(networks) / total),
            )
            networks.append(_describe(spec.widths, seed, epochs, point))
            progress(len(networks) / total)
    return {
        "networks": networks,
        "scatter": {
            "x": [n["train_loss"] for n in networks],
            "y": [n["minimum_ratio"] for n in networks],
            "text": [_label(tuple(n["widths"]), n["seed"], n["converged"]) for n in networks],
            "converged": [n["converged"] for n in networks],
        },
        "summary": _summary(networks),
        "setup": asdict(setup),
    }


def _describe(
    widths: tuple[int, ...], seed: int, epochs: int, point: CriticalPoint
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "seed": seed,
        "widths": list(widths),
        "parameters": int(point.theta.size),
        "epochs_trained": epochs,
        "train_loss": finite_or_none(point.loss),
        "gradient_norm": finite_or_none(point.gradient_norm),
        "converged": point.converged,
        "loss_before_polish": finite_or_none(point.start_loss),
        "polish_distance": finite_or_none(point.distance),
        "polish_steps": point.steps,
    }
    if not np.all(np.isfinite(point.eigenvalues)):
        return record | {"minimum_ratio": None, "positive": 0, "negative": 0, "near_zero": 0}
    ratio = hessian.minimum_ratio(point.eigenvalues)
    return record | {
        "minimum_ratio": ratio.ratio,
        "positive": ratio.positive,
        "negative": ratio.negative,
        "near_zero": ratio.near_zero,
    }


def _summary(networks: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts over all networks; ratio statistics over the converged ones (critical points)."""
    ratios = [
        n["minimum_ratio"] for n in networks if n["converged"] and n["minimum_ratio"] is not None
    ]
    return {
        "networks": len(networks),
        "converged": sum(n["converged"] for n in networks),
        "mean_ratio": float(np.mean(ratios)) if ratios else None,
        "median_ratio": float(np.median(ratios)) if ratios else None,
        "reached_one": sum(r == 1.0 for r in ratios),
    }
