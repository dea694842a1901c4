"""Loss landscapes of a network: slices along filter-normalized directions, interpolation
between two solutions, and PCA directions of a training trajectory (Li et al. 2018,
"Visualizing the Loss Landscape of Neural Nets").

Everything works on any parameter pytree and any loss ``loss(params, data) -> scalar``.

**The jit boundary.** All grid work goes through one module-level jitted function,
``_values_along``: the loss is **static** (so pass a module-level function or another
hashable callable; a fresh ``functools.partial`` per request would recompile), while the
centre, the directions, the data and the grid coefficients are **traced**. The grid is cut
into chunks of a fixed number of points; the chunks run one after another (``lax.map``) and
the points of one chunk together (``vmap``). The number of chunks is padded to a power of
two and chunks outside a traced range are skipped at run time (``lax.cond``), so a grid of
any size costs only the points it has while sharing a handful of compiled shapes, and a
job can take it in timed pieces (``chunks``), noticing a cancel between them.

Batched network work runs on JAX's default device (a GPU when present).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.flatten_util import ravel_pytree

from descentlab.core.base import Pytree
from descentlab.core.buckets import power_of_two_bucket
from descentlab.core.nets import kernel_cache
from descentlab.core.nets.chunks import in_timed_pieces

Data = Any  # whatever the loss takes besides the parameters (a pytree of arrays, or None)
# (a network's weights, the data) -> scalar loss; static under jit: must be hashable
PytreeLoss = Callable[[Pytree, Data], Array]

# Points evaluated together per chunk. On a CPU, batching the points of a chunk turns each
# weight matrix product into a batched product, which XLA's CPU backend runs no faster than
# the same products one after another (measured for a 25,000-parameter MLP on 2,048
# samples on two cores: chunks of 8 within noise of 1, chunks of 32 about 1.5× slower), so
# a CPU takes one point at a time. A GPU needs many points in flight to keep busy: on an
# H200 (bench/gpu.py, docs/BENCHMARKS.md) chunks of 8, 32, 128 and 512 points took 166,
# 131, 114 and 110 ms for a 101² grid on 8,192 samples; 128 is within 4% of 512 at a
# quarter of the activation memory (points × samples × width floats per layer).
CHUNK_POINTS = {"cpu": 1}
ACCELERATOR_CHUNK_POINTS = 128

# The grid's own value at the centre and the loss evaluated directly are computed by
# different kernels (batched or not), so they agree to rounding, not bit for bit.
CENTRE_RTOL = 1e-5


def chunk_points() -> int:
    """Points per chunk on the default backend (decided at call time, not import time)."""
    return CHUNK_POINTS.get(jax.default_backend(), ACCELERATOR_CHUNK_POINTS)


# --- directions ---------------------------------------------------------------------------


def _filter_normalized(noise: Array, weight: Array, include_1d: bool) -> Array:
    """Scale each filter of ``noise`` to the norm of the same filter of ``weight``.

    A filter is a slice along the last axis: for a dense ``(in, out)`` matrix, one output
    neuron's incoming weights; for a convolution kernel ``(..., in, out)``, one output
    channel. A 1-D leaf (bias, batch-norm scale or shift) is one filter when included.
    """
    if weight.ndim <= 1:
        if not include_1d:
            return jnp.zeros_like(weight)
        scale = jnp.linalg.norm(weight) / (jnp.linalg.norm(noise) + 1e-10)
        return noise * scale
    axes = tuple(range(weight.ndim - 1))
    weight_norms = jnp.sqrt(jnp.sum(jnp.square(weight), axis=axes, keepdims=True))
    noise_norms = jnp.sqrt(jnp.sum(jnp.square(noise), axis=axes, keepdims=True))
    return noise * (weight_norms / (noise_norms + 1e-10))


@kernel_cache.jit(static_argnames=("include_1d",))
def _random_direction(params: Pytree, key: Array, include_1d: bool) -> Pytree:
    # One draw for the whole pytree, cut into leaves: one random-bits kernel instead of
    # one per leaf keeps the compile short.
    leaves, treedef = jax.tree.flatten(params)
    sizes = [leaf.size for leaf in leaves]
    noise = jax.random.normal(key, (sum(sizes),), jnp.result_type(*leaves))
    offsets = np.cumsum([0, *sizes])
    direction = [
        _filter_normalized(
            noise[start:stop].reshape(leaf.shape).astype(leaf.dtype), leaf, include_1d
        )
        for start, stop, leaf in zip(offsets[:-1], offsets[1:], leaves, strict=True)
    ]
    return jax.tree.unflatten(treedef, direction)


def random_direction(params: Pytree, key: Array, include_1d: bool = False) -> Pytree:
    """A Gaussian direction in parameter space, filter-normalized (Li et al. 2018, §4).

    Every leaf with two or more axes is a weight: its direction is drawn from N(0, 1) and
    each filter d_f (a slice along the last axis) is rescaled to ``‖d_f‖ = ‖w_f‖``, so that
    a step of α moves every neuron by the same fraction of its own weight norm and the
    slices of networks with different weight scales become comparable.

    1-D leaves (biases, batch-norm scale and shift) get a **zero** direction by default:
    the reference code's default (``--xignore biasbn``), since their scale is not tied to
    the loss the way a filter's is. With ``include_1d=True`` they get a Gaussian direction
    normalized to the whole leaf's norm instead (the reference copies the weight itself
    into the direction when biases are included; a random direction keeps both
    directions of a 2-D slice independent).

    Args:
      params: the centre's parameters (any pytree of float arrays).
      key: a JAX PRNG key.
      include_1d: also move 1-D leaves.

    Returns:
      A pytree shaped like ``params``.
    """
    return _random_direction(params, key, include_1d=include_1d)


# --- the jit boundary ---------------------------------------------------------------------


@kernel_cache.jit(static_argnames=("loss",))
def _values_along(
    loss: PytreeLoss,
    centre: Pytree,
    directions: tuple[Pytree, ...],
    coefficients: Array,
    first: Array,
    stop: Array,
    datasets: tuple[Data, ...],
) -> Array:
    """``loss(centre + Σ_k c_k d_k, data)`` for every coefficient row and every dataset.

    Args:
      coefficients: ``(chunks, points, k)``; only chunks ``first … stop − 1`` (traced) are
        evaluated, the others are skipped (their values are zeros): padding, or pieces
        another call computes.

    Returns:
      ``(chunks, points, len(datasets))``.
    """

    def point(c: Array) -> Array:
        moved = jax.tree.map(
            lambda w, *ds: w + sum(c[k] * d for k, d in enumerate(ds)).astype(w.dtype),
            centre,
            *directions,
        )
        return jnp.stack([loss(moved, data) for data in datasets])

    # A chunk of one point (the CPU's) is that point alone: vmapped, its products became
    # batched products of batch one, which XLA's CPU backend ran 1.6× slower for a CNN.
    chunk_values = jax.vmap(point) if coefficients.shape[1] > 1 else lambda cs: point(cs[0])[None]
    shape = jax.eval_shape(chunk_values, coefficients[0])

    def chunk(args: tuple[Array, Array]) -> Array:
        index, cs = args
        return jax.lax.cond(
            (index >= first) & (index < stop),
            chunk_values,
            lambda _: jnp.zeros(shape.shape, shape.dtype),
            cs,
        )

    indices = jnp.arange(coefficients.shape[0])
    return jax.lax.map(chunk, (indices, coefficients))


@kernel_cache.jit(static_argnames=("loss",))
def _loss_at(loss: PytreeLoss, params: Pytree, data: Data) -> Array:
    return loss(params, data)


def _coefficient_dtype(params: Pytree) -> np.dtype:
    return np.dtype(jnp.result_type(*jax.tree.leaves(params)))


def _evaluate(
    loss: PytreeLoss,
    centre: Pytree,
    directions: tuple[Pytree, ...],
    coefficients: np.ndarray,
    datasets: tuple[Data, ...],
    between: Callable[[], None] | None = None,
) -> np.ndarray:
    """Host side of ``_values_along``: pad into chunks, evaluate the live ones (in timed
    pieces with ``between`` called between them, when given), cut the padding off.

    Returns ``(points, len(datasets))`` as float64.
    """
    points = coefficients.shape[0]
    per_chunk = chunk_points()
    live = -(-points // per_chunk)
    chunks = power_of_two_bucket(live)
    padded = np.zeros((chunks * per_chunk, len(directions)), _coefficient_dtype(centre))
    padded[:points] = coefficients
    grid = jnp.asarray(padded.reshape(chunks, per_chunk, len(directions)))
    values = np.zeros((chunks, per_chunk, len(datasets)), np.float64)

    def piece(first: int, stop: int) -> None:
        computed = _values_along(
            loss, centre, directions, grid, np.int32(first), np.int32(stop), datasets
        )
        values[first:stop] = np.asarray(computed, np.float64)[first:stop]

    in_timed_pieces(live, piece, between)
    return values.reshape(chunks * per_chunk, -1)[:points]


# --- results ------------------------------------------------------------------------------


class CentreCheck(TypedDict):
    """The slice's own value at the centre against ``loss(params)`` evaluated directly."""

    grid: float
    direct: float
    matches: bool


class Slice1D(TypedDict):
    """``y[i] = L(params + x[i] d)``: Plotly-ready."""

    x: np.ndarray
    y: np.ndarray
    centre: CentreCheck


class Slice2D(TypedDict):
    """``z[j][i] = L(params + x[i] d1 + y[j] d2)``: Plotly's contour/surface layout."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    centre: CentreCheck


class Interpolation(TypedDict):
    """``curves[name][i] = L_name((1 − x[i]) a + x[i] b)``, and the endpoint checks."""

    x: np.ndarray
    curves: dict[str, np.ndarray]
    endpoints: dict[str, tuple[CentreCheck, CentreCheck]]


def _check(grid_value: float, direct: Array) -> CentreCheck:
    direct_value = float(direct)
    matches = bool(
        np.isclose(grid_value, direct_value, rtol=CENTRE_RTOL, atol=CENTRE_RTOL)
        or (np.isnan(grid_value) and np.isnan(direct_value))
    )
    return CentreCheck(grid=grid_value, direct=direct_value, matches=matches)


def _axis(values: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.asarray(values, np.float64).reshape(-1)


# --- slices and interpolation -------------------------------------------------------------


def slice_1d(
    loss: PytreeLoss,
    params: Pytree,
    direction: Pytree,
    alphas: Sequence[float] | np.ndarray,
    data: Data = None,
    *,
    between: Callable[[], None] | None = None,
) -> Slice1D:
    """The loss along one direction: ``L(params + α d)`` for every α in ``alphas``.

    The centre (α = 0) is evaluated too, and checked against ``loss(params, data)``.
    """
    x = _axis(alphas)
    coefficients = np.append(x, 0.0)[:, None]
    values = _evaluate(loss, params, (direction,), coefficients, (data,), between)[:, 0]
    centre = _check(float(values[-1]), _loss_at(loss, params, data))
    return Slice1D(x=x, y=values[:-1], centre=centre)


def slice_2d(
    loss: PytreeLoss,
    params: Pytree,
    d1: Pytree,
    d2: Pytree,
    alphas: Sequence[float] | np.ndarray,
    betas: Sequence[float] | np.ndarray,
    data: Data = None,
    *,
    between: Callable[[], None] | None = None,
) -> Slice2D:
    """The loss on a plane: ``z[j][i] = L(params + x[i] d1 + y[j] d2)``.

    ``x`` are the α (along ``d1``), ``y`` the β (along ``d2``); ``z`` has shape
    ``(len(y), len(x))``, the layout Plotly's contour and surface traces take. The centre
    (0, 0) is evaluated too, and checked against ``loss(params, data)``.
    """
    x, y = _axis(alphas), _axis(betas)
    grid = np.stack(np.meshgrid(x, y), axis=-1).reshape(-1, 2)  # row j·nx + i = (x_i, y_j)
    coefficients = np.concatenate([grid, np.zeros((1, 2))])
    values = _evaluate(loss, params, (d1, d2), coefficients, (data,), between)[:, 0]
    centre = _check(float(values[-1]), _loss_at(loss, params, data))
    return Slice2D(x=x, y=y, z=values[:-1].reshape(y.size, x.size), centre=centre)


def interpolate(
    loss: PytreeLoss,
    params_a: Pytree,
    params_b: Pytree,
    alphas: Sequence[float] | np.ndarray,
    data: Mapping[str, Data],
    *,
    between: Callable[[], None] | None = None,
) -> Interpolation:
    """The loss on the line through two solutions: ``L((1 − α) a + α b)`` (Goodfellow et
    al. 2015; Keskar et al. 2017 for small- vs large-batch minima).

    Every named dataset (say ``{"train": ..., "test": ...}``) is evaluated at the same
    points in the same call. The endpoints α = 0 and α = 1 are evaluated too, and checked
    against ``loss(params_a)`` and ``loss(params_b)``.
    """
    x = _axis(alphas)
    names = tuple(data)
    datasets = tuple(data[name] for name in names)
    difference = jax.tree.map(jnp.subtract, params_b, params_a)
    coefficients = np.append(x, [0.0, 1.0])[:, None]
    values = _evaluate(loss, params_a, (difference,), coefficients, datasets, between)
    curves: dict[str, np.ndarray] = {}
    endpoints: dict[str, tuple[CentreCheck, CentreCheck]] = {}
    for k, name in enumerate(names):
        curves[name] = values[:-2, k]
        endpoints[name] = (
            _check(float(values[-2, k]), _loss_at(loss, params_a, datasets[k])),
            _check(float(values[-1, k]), _loss_at(loss, params_b, datasets[k])),
        )
    return Interpolation(x=x, curves=curves, endpoints=endpoints)


# --- how chaotic a slice is ---------------------------------------------------------------

# A grid point's slice has negative curvature when its smaller principal curvature is below
# −NONCONVEX_RTOL times its larger one's size: rounding in float32 losses moves second
# differences by far less, and a hundredth of the curvature is still visible in a picture.
NONCONVEX_RTOL = 0.01


class SliceShape(TypedDict):
    """Numbers that make "smooth or chaotic" a measurement of a 2-D slice ``z[j][i]``.

    The slice's own 2 × 2 Hessian at each interior grid point (central differences) has
    principal curvatures λ₁ ≥ λ₂. Li et al. (2018, §6) map |λmin/λmax| of the network's
    Hessian to show where a landscape is not convex; on the slice itself the same ratio is
    ``max(0, −λ₂) / max(|λ₁|, |λ₂|)``: 0 where the slice curves up both ways, 1 where it
    curves down as much as up.
    """

    negative_curvature: float  # that ratio's mean over the interior points
    nonconvex_share: float  # share of interior points with λ₂ < −NONCONVEX_RTOL·|λ₁|
    local_minima: int  # interior points strictly below their eight neighbours


def slice_shape(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> SliceShape:
    """Curvature and minima of a slice on an evenly spaced grid (``x`` along columns)."""
    z = np.asarray(z, np.float64)
    if z.shape != (len(y), len(x)) or min(z.shape) < 3:
        raise ValueError(f"z must be len(y) × len(x), at least 3 × 3, got {z.shape}")
    hx, hy = float(x[1] - x[0]), float(y[1] - y[0])
    centre = z[1:-1, 1:-1]
    fxx = (z[1:-1, 2:] - 2 * centre + z[1:-1, :-2]) / hx**2
    fyy = (z[2:, 1:-1] - 2 * centre + z[:-2, 1:-1]) / hy**2
    fxy = (z[2:, 2:] - z[2:, :-2] - z[:-2, 2:] + z[:-2, :-2]) / (4 * hx * hy)
    half_trace = (fxx + fyy) / 2
    radius = np.sqrt(((fxx - fyy) / 2) ** 2 + fxy**2)
    upper, lower = half_trace + radius, half_trace - radius
    size = np.maximum(np.abs(upper), np.abs(lower))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(size > 0, np.maximum(0.0, -lower) / size, 0.0)
    finite = np.isfinite(ratio)
    neighbours = [
        z[1 + di : z.shape[0] - 1 + di, 1 + dj : z.shape[1] - 1 + dj]
        for di in (-1, 0, 1)
        for dj in (-1, 0, 1)
        if (di, dj) != (0, 0)
    ]
    minima = np.all([centre < other for other in neighbours], axis=0)
    return SliceShape(
        negative_curvature=float(np.mean(ratio[finite])) if finite.any() else float("nan"),
        nonconvex_share=float(np.mean((lower < -NONCONVEX_RTOL * np.abs(upper))[finite]))
        if finite.any()
        else float("nan"),
        local_minima=int(np.sum(minima)),
    )


# --- PCA of a trajectory ------------------------------------------------------------------


@dataclass(frozen=True)
class PCADirections:
    """The plane that best captures a training path, seen from the final weights.

    Attributes:
      directions: ``(2, n)``, orthonormal rows.
      explained_variance_ratio: ``(2,)``, each direction's share of ``Σ‖w_t − w_final‖²``.
      path: ``(T, 2)``, each snapshot's coordinates in the plane (the path to draw on the
        contour of ``slice_2d`` along the same directions).
      captured: ``1 − Σ‖r_t‖² / Σ‖w_t − w_final‖²`` where ``r_t`` is what the plane misses
        of snapshot t: the share of the path's squared distance the plane keeps.
      worst_residual: ``max_t ‖r_t‖ / ‖w_t − w_final‖``: how far off the plane the worst
        snapshot lies, relative to its distance from the final weights.
    """

    directions: np.ndarray
    explained_variance_ratio: np.ndarray
    path: np.ndarray
    captured: float
    worst_residual: float


# The path's differences are read in column slabs of this many bytes (float64): the whole
# of them, with an SVD's workspace, took 4 GB and 50 s at 501 snapshots of 199k parameters.
PCA_CHUNK_BYTES = 16 * 2**20


def pca_directions(snapshots: np.ndarray, final: np.ndarray) -> PCADirections:
    """Top-2 principal directions of ``snapshots − final`` (Li et al. 2018, §7): the right
    singular vectors of the uncentred differences, read from their Gram matrix slab by slab.

    The differences are **not** centred on their mean: the landscape is drawn around the
    final weights, so the plane wanted is the best one *through the final weights*, which
    is what the uncentred SVD gives. (The reference code uses scikit-learn's PCA, which
    centres, so its plane passes through the path's mean instead and need not contain the
    final weights.) Each direction's sign is fixed so that its largest component is
    positive, so the result does not depend on the SVD routine.

    Args:
      snapshots: ``(T, n)`` flattened parameters along training (see ``flatten``).
      final: ``(n,)`` the final parameters.
    """
    snapshots, final = np.asarray(snapshots), np.asarray(final)
    count, n = snapshots.shape
    columns = max(1, PCA_CHUNK_BYTES // (8 * count))

    def differences(start: int) -> np.ndarray:  # (T, chunk) float64: one slab at a time
        stop = min(start + columns, n)
        return snapshots[:, start:stop].astype(np.float64) - final[start:stop].astype(np.float64)

    starts = range(0, n, columns)
    # The T × T Gram matrix D Dᵀ has D's squared singular values and left vectors; the right
    # ones follow as Dᵀu / s. Never the whole float64 D (T × n) nor an SVD's workspace.
    gram = np.zeros((count, count))
    for start in starts:
        slab = differences(start)
        gram += slab @ slab.T
    squares, left = np.linalg.eigh(gram)
    order = np.argsort(squares)[::-1][:2]
    singular = np.sqrt(np.clip(squares[order], 0.0, None))
    directions = np.zeros((2, n))
    # The Gram matrix squares the singular values, so its rounding floor is on the squares.
    kept = squares[order] > squares.max(initial=0.0) * count * np.finfo(np.float64).eps
    for start in starts:
        slab = differences(start)
        directions[: len(order), start : start + slab.shape[1]] = np.where(
            kept[:, None], left[:, order].T @ slab / np.where(kept, singular, 1.0)[:, None], 0.0
        )
    flip = np.sign(directions[np.arange(2), np.argmax(np.abs(directions), axis=1)])
    directions *= np.where(flip == 0, 1.0, flip)[:, None]
    total = float(np.trace(gram))
    ratios = np.append(squares[order], [0.0] * (2 - len(order)))[:2]
    ratios = np.clip(ratios, 0.0, None) / total if total > 0 else np.zeros(2)
    path = np.zeros((count, 2))
    for start in starts:
        slab = differences(start)
        path += slab @ directions[:, start : start + slab.shape[1]].T
    residual_squares = np.zeros(count)
    for start in starts:
        slab = differences(start)
        residual_squares += np.sum(
            np.square(slab - path @ directions[:, start : start + slab.shape[1]]), axis=1
        )
    residuals = np.sqrt(residual_squares)
    distances = np.sqrt(np.clip(np.diag(gram), 0.0, None))
    moved = distances > 0
    worst = float(np.max(residuals[moved] / distances[moved])) if moved.any() else 0.0
    captured = 1.0 - float(np.sum(residual_squares)) / total if total > 0 else 1.0
    return PCADirections(
        directions=directions,
        explained_variance_ratio=ratios,
        path=path,
        captured=captured,
        worst_residual=worst,
    )


def flatten(params: Pytree) -> np.ndarray:
    """The parameters as one flat host vector (the order ``ravel_pytree`` uses)."""
    flat, _ = ravel_pytree(params)
    return np.asarray(flat)


def unflatten(like: Pytree, vector: np.ndarray | Array) -> Pytree:
    """A flat vector back as a pytree shaped (and typed) like ``like``."""
    flat, unravel = ravel_pytree(like)
    return unravel(jnp.asarray(vector, flat.dtype))


def pca_direction_trees(like: Pytree, pca: PCADirections) -> tuple[Pytree, Pytree]:
    """The two PCA directions as pytrees, ready for ``slice_2d``."""
    return unflatten(like, pca.directions[0]), unflatten(like, pca.directions[1])
