"""The Hessian of a network's loss: products, extreme eigenvalues, trace, density, spectrum.

Everything here works on a scalar loss of one flat parameter vector, ``loss(θ) -> scalar``
with θ of shape ``(n,)``. A network's pytree of parameters becomes one by
``theta, unravel = jax.flatten_util.ravel_pytree(params)``, and the loss closes over
``unravel`` and the data: ``loss = lambda theta: cross_entropy(model(unravel(theta), x), y)``.
Nothing here knows about models or datasets.

**The jit boundary.** Each computation is one module-level jitted kernel. The loss's
*function* is part of the cache key (hashable, compared by identity), every array is
traced: θ, probe keys, and the loss's data when the loss is a ``jax.tree_util.Partial``.
So build the loss once per (model, data) and reuse it: a fresh lambda per request
recompiles. For data that change (a new dataset or seed of the same shape), prefer
``Partial(loss_of, x, y)`` with ``loss_of(x, y, theta)`` defined once at module level:
``x`` and ``y`` are then traced leaves of the argument and a new dataset reuses the
compiled code (a ``functools.partial`` would not: it hashes by identity). Every argument
of a ``Partial`` is traced, so static structure (layer sizes, an ``unravel``) belongs in
the function: one function object per architecture, built once and cached. Shapes,
iteration and probe counts are static (they set array shapes): a new count compiles once.
``lanczos``, ``top_eigenvalues`` (any k) and ``most_negative_eigenvalue`` share one
compiled kernel per (loss function, n, dtype, iterations): Tₖ is decomposed on the host.

Random starts and probes come from ``key``; ``None`` means ``jax.random.key(0)``, so
results are reproducible unless a caller asks otherwise. Public functions return NumPy
results in small frozen dataclasses, ready for JSON; only ``hvp`` (the building block of
everything else) and ``gradient`` return JAX arrays.

**The methods.**

* ``hvp``: Hv = ∂/∂ε ∇L(θ + εv) at ε = 0, forward-over-reverse (``jax.jvp`` of
  ``jax.grad``): one gradient's cost, never forming H (Pearlmutter 1994).
* ``lanczos``: k steps of the Lanczos iteration (Lanczos 1950) build an orthonormal basis
  Vₖ of the Krylov space span{v, Hv, …, Hᵏ⁻¹v} in which H is tridiagonal,
  Tₖ = VₖᵀHVₖ. Full reorthogonalization (twice per step, "twice is enough") keeps Vₖ
  orthonormal in floating point, which is affordable for k ≲ 100. The eigenvalues of Tₖ
  (Ritz values) converge first at *both* ends of the spectrum, so one run yields the top
  eigenvalues and the most negative one; ‖Hy − θy‖ = βₖ|sₖ| bounds each Ritz pair's
  error (Parlett, *The Symmetric Eigenvalue Problem*, 1998).
* ``hutchinson_trace``: tr H = E[zᵀHz] for Rademacher z (Hutchinson 1989), averaged over
  probes, with the sample standard error.
* ``spectral_density``: stochastic Lanczos quadrature (Golub & Meurant 1994; Ubaru, Chen
  & Saad 2017; PyHessian, Yao et al. 2020). For a unit probe v, Lanczos from v gives the
  Gauss quadrature vᵀf(H)v ≈ Σⱼ τⱼ f(θⱼ) with nodes θⱼ (Ritz values) and weights
  τⱼ = (first component of Tₖ's j-th eigenvector)². Averaging over probes and broadening
  each node by a Gaussian estimates the eigenvalue density φ(t) = (1/n) Σᵢ δ(t − λᵢ).
* ``full_spectrum``: the dense Hessian (n ≤ ``FULL_SPECTRUM_LIMIT``) and all eigenvalues,
  in float64.
* ``minimum_ratio``: the curriculum's share of positive eigenvalues (section 1).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.tree_util import Partial
from numpy.typing import ArrayLike

from descentlab.core.base import FlatLoss
from descentlab.core.nets import chunks, kernel_cache

# Called between pieces of long work (a job's progress report: raises on a cancel).
Between = Callable[[], None] | None

FULL_SPECTRUM_LIMIT = 3000
# Tangents per batch when the dense Hessian is built from HVPs of one linearization.
# Measured on a 747-parameter MLP on 200-1,000 samples (2 CPU cores): batches of 16-32 ran
# 3-8x faster than ``jax.hessian`` (which vmaps all n tangents at once: n copies of the
# activations, out of cache, and its memory grows as n·samples·width).
DENSE_BATCH = 16
DEFAULT_ITERATIONS = 64
DEFAULT_PROBES = 8
DEFAULT_TRACE_SAMPLES = 64
TRACE_BATCH = 16
DENSITY_POINTS = 1001
# Stochastic Lanczos quadrature keeps each probe's basis (steps × n) while it runs: the
# probes run in batches whose bases fit this budget (all at once, they took 16 GB at the
# hessian experiment's maximums: 64 probes × 200 steps × 199k parameters × 4 bytes).
QUADRATURE_BASIS_BYTES = 128 * 2**20
# A vmapped Hessian-vector product holds this many copies of the activations per tangent
# (forward-over-reverse: values, tangents, cotangents and their products).
HVP_ACTIVATION_COPIES = 10
# Probes vmapped at once hold their activations together: a convolutional network's are
# large (a depth-8 CNN over 1,348 digits: 220 MB a probe), so its probes run fewer at once.
HVP_BATCH_BYTES = 512 * 2**20
# Default Gaussian broadening of the spectral density, relative to the nodes' span.
DENSITY_SIGMA_RELATIVE = 0.01
# An eigenvalue within this fraction of the spectrum's scale (max |λ|) of zero counts as
# zero: a float64 Hessian is exact to about 1e-15 of its scale, a trained network has many
# eigenvalues of order 1e-10 that are zero in exact arithmetic (symmetries, dead units),
# and real curvature a million times below the top is invisible to any optimizer.
MINIMUM_RATIO_RTOL = 1e-6
# A Lanczos residual this many machine epsilons below the spectrum's scale means the
# Krylov space is invariant (exhausted): continue from a fresh random vector instead.
BREAKDOWN_EPS = 100.0


# ----------------------------------------------------------------------------- kernels


def _as_partial(loss: FlatLoss) -> Partial:
    """The loss as a pytree: its function static, its bound data (if any) traced."""
    return loss if isinstance(loss, Partial) else Partial(loss)


def _hvp(loss: FlatLoss, theta: Array, v: Array) -> Array:
    return jax.jvp(jax.grad(loss), (theta,), (v,))[1]


_hvp_kernel = kernel_cache.jit()(_hvp)


def _gradient(loss: FlatLoss, theta: Array) -> Array:
    return jax.grad(loss)(theta)


_gradient_kernel = kernel_cache.jit()(_gradient)


def _unit(v: Array) -> Array:
    norm = jnp.linalg.norm(v)
    return v / jnp.where(norm > 0, norm, 1.0)


def _orthogonalize(w: Array, basis: Array) -> Array:
    """w minus its projection on the rows of ``basis`` (unfilled rows are zero), twice."""
    w = w - basis.T @ (basis @ w)
    return w - basis.T @ (basis @ w)


class _LanczosState(NamedTuple):
    """Side-by-side Lanczos runs (one per row) part way through: resumable between calls."""

    basis: Array  # (runs, k, n) Lanczos vectors as rows (unfilled rows zero)
    v: Array  # (runs, n) the next vector
    v_prev: Array  # (runs, n)
    beta_prev: Array  # (runs,)
    scale: Array  # (runs,) running bound on ‖H‖, for the breakdown test
    alphas: Array  # (runs, k)
    betas: Array  # (runs, k)


def _lanczos_start(starts: Array, iterations: int) -> _LanczosState:
    runs, n = starts.shape
    dtype = starts.dtype
    zeros = jnp.zeros((runs,), dtype)
    return _LanczosState(
        jnp.zeros((runs, iterations, n), dtype),
        jax.vmap(_unit)(starts),
        jnp.zeros((runs, n), dtype),
        zeros,
        zeros,
        jnp.zeros((runs, iterations), dtype),
        jnp.zeros((runs, iterations), dtype),
    )


def _lanczos_steps(
    matvec: Callable[[Array], Array],
    state: _LanczosState,
    restart_keys: Array,
    first: Array,
    stop: Array,
) -> _LanczosState:
    """Steps ``first … stop − 1`` (traced) of every run, with full reorthogonalization.

    ``alphas`` is Tₖ's diagonal; ``betas``' first k−1 are its off-diagonal and the last is
    the final residual norm. On breakdown (β ≈ 0: the Krylov space is invariant) the next
    vector is a fresh random one orthogonal to the basis and β is recorded as 0, so Tₖ
    stays equal to VₖᵀHVₖ and splits into blocks. ``restart_keys`` is (runs, k).
    """
    n = state.v.shape[-1]
    dtype = state.v.dtype
    eps = jnp.finfo(dtype).eps

    def one_run(
        basis: Array, v: Array, v_prev: Array, beta_prev: Array, scale: Array, key: Array, w: Array
    ) -> tuple[Array, ...]:
        alpha = jnp.vdot(v, w)
        w = _orthogonalize(w - alpha * v - beta_prev * v_prev, basis)
        beta = jnp.linalg.norm(w)
        scale = jnp.maximum(scale, jnp.abs(alpha) + beta_prev + beta)
        breakdown = beta <= BREAKDOWN_EPS * eps * scale
        fresh = _unit(_orthogonalize(jax.random.normal(key, (n,), dtype), basis))
        v_next = jnp.where(breakdown, fresh, w / jnp.where(breakdown, 1.0, beta))
        beta = jnp.where(breakdown, jnp.zeros((), dtype), beta)
        return v_next, beta, scale, alpha

    def step(index: Array, state: _LanczosState) -> _LanczosState:
        basis = state.basis.at[:, index].set(state.v)
        w = jax.vmap(matvec)(state.v)
        v_next, beta, scale, alpha = jax.vmap(one_run)(
            basis, state.v, state.v_prev, state.beta_prev, state.scale, restart_keys[:, index], w
        )
        return _LanczosState(
            basis,
            v_next,
            state.v,
            beta,
            scale,
            state.alphas.at[:, index].set(alpha),
            state.betas.at[:, index].set(beta),
        )

    return jax.lax.fori_loop(first, stop, step, state)


def _tridiagonal(alphas: np.ndarray, off_diagonal: np.ndarray) -> np.ndarray:
    """Tₖ (..., k, k) in float64 from its diagonal (..., k) and off-diagonal (..., k−1)."""
    k = alphas.shape[-1]
    tridiagonal = np.zeros((*alphas.shape, k), np.float64)
    diagonal = np.arange(k)
    tridiagonal[..., diagonal, diagonal] = alphas
    tridiagonal[..., diagonal[:-1], diagonal[1:]] = off_diagonal
    tridiagonal[..., diagonal[1:], diagonal[:-1]] = off_diagonal
    return tridiagonal


def _steps(iterations: int, n: int) -> int:
    """Lanczos steps actually taken: at most n (the whole space)."""
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1, got {iterations}")
    return min(iterations, n)


def _one_run(
    loss: Partial, theta: ArrayLike, key: Array, steps: int, between: Between
) -> _LanczosState:
    """One Lanczos run from a Gaussian start drawn from ``key``."""
    start_key, run_key = jax.random.split(key)
    start = jax.random.normal(start_key, (1, _size(theta)), jnp.result_type(theta))
    return _run_lanczos(loss, theta, start, run_key[None], steps, between)


@kernel_cache.jit(static_argnames=("iterations",))
def _lanczos_begin(starts: Array, run_keys: Array, iterations: int) -> tuple[_LanczosState, Array]:
    """Fresh runs from ``starts``, and every run's restart key for every step."""
    restart_keys = jax.vmap(lambda key: jax.random.split(key, iterations))(run_keys)
    return _lanczos_start(starts, iterations), restart_keys


# The runs' state is updated in place: a piece would otherwise hold two copies of the bases.
@kernel_cache.jit(donate_argnames=("state",))
def _lanczos_kernel(
    loss: Partial,
    theta: Array,
    state: _LanczosState,
    restart_keys: Array,
    first: Array,
    stop: Array,
) -> _LanczosState:
    """Steps ``first … stop − 1`` of the runs in ``state`` on H(θ) (a piece of the runs:
    the range is traced, so any piece size runs this one program)."""
    # Linearize once per piece: each step then costs one tangent pass, not a gradient too.
    _, tangent_map = jax.linearize(jax.grad(loss), theta)
    return _lanczos_steps(tangent_map, state, restart_keys, first, stop)


def _run_lanczos(
    loss: Partial,
    theta: ArrayLike,
    starts: Array,
    run_keys: Array,
    iterations: int,
    between: Between,
) -> _LanczosState:
    """Lanczos runs from ``starts`` (runs, n), ``iterations`` steps each, in timed pieces."""
    state, restart_keys = _lanczos_begin(starts, run_keys, iterations=iterations)

    def piece(first: int, stop: int) -> None:
        nonlocal state
        state = _lanczos_kernel(loss, theta, state, restart_keys, np.int32(first), np.int32(stop))
        state.alphas.block_until_ready()

    chunks.in_timed_pieces(iterations, piece, between)
    return state


@kernel_cache.jit(static_argnames=("batch",))
def _hutchinson_kernel(loss: Partial, theta: Array, keys: Array, batch: int) -> Array:
    """zᵀHz for ``batch`` Rademacher probes from each key, ``batch`` HVPs at a time."""
    _, tangent_map = jax.linearize(jax.grad(loss), theta)

    def quadratic_forms(batch_key: Array) -> Array:
        probes = jax.random.rademacher(batch_key, (batch, theta.shape[0]), theta.dtype)
        return jnp.sum(probes * jax.vmap(tangent_map)(probes), axis=1)

    return jax.lax.map(quadratic_forms, keys).reshape(-1)


def hvp_bytes(rows: int, activations: int) -> int:
    """The working memory of one Hessian-vector product over ``rows`` samples of a network
    with ``activations`` values per sample (float32)."""
    return rows * activations * 4 * HVP_ACTIVATION_COPIES


def hvp_batch(most: int, rows: int, activations: int) -> int:
    """How many HVPs to vmap at once, at most ``most``: as many as ``HVP_BATCH_BYTES`` holds."""
    return max(1, min(most, HVP_BATCH_BYTES // max(hvp_bytes(rows, activations), 1)))


def quadrature_batch(probes: int, steps: int, n: int, itemsize: int = 4) -> int:
    """Probes run side by side: as many as fit ``QUADRATURE_BASIS_BYTES`` of bases."""
    return max(1, min(probes, QUADRATURE_BASIS_BYTES // (steps * n * itemsize)))


@kernel_cache.jit(static_argnames=("batch",))
def _dense_hessian_kernel(loss: Partial, theta: Array, batch: int) -> Array:
    """H in float64, one row per basis vector, ``batch`` HVPs at a time, symmetrized."""
    theta = theta.astype(jnp.float64)
    _, tangent_map = jax.linearize(jax.grad(loss), theta)
    rows = jax.lax.map(tangent_map, jnp.eye(theta.shape[0], dtype=jnp.float64), batch_size=batch)
    return 0.5 * (rows + rows.T)


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class LanczosResult:
    """Tₖ = VₖᵀHVₖ as its diagonal and off-diagonal, and the basis Vₖ."""

    alphas: np.ndarray  # (k,) diagonal of Tₖ
    betas: np.ndarray  # (k−1,) off-diagonal of Tₖ (0 where the iteration restarted)
    residual: float  # βₖ, the norm of the part of HVₖ outside span Vₖ
    basis: np.ndarray  # (k, n) orthonormal Lanczos vectors as rows

    def tridiagonal(self) -> np.ndarray:
        """Tₖ as a dense (k, k) float64 matrix."""
        return _tridiagonal(self.alphas, self.betas)


@dataclass(frozen=True)
class RitzPairs:
    """Approximate eigenpairs of H from one Lanczos run.

    ``residuals[i]`` = ‖Hyᵢ − θᵢyᵢ‖ = βₖ|sₖᵢ| (sₖᵢ: last component of Tₖ's eigenvector),
    floored at machine ε·max|θ| of θ's dtype, which is as small as rounding lets it be: some
    eigenvalue of H lies within it of ``values[i]`` (closer once converged: residual²/gap).
    """

    values: np.ndarray  # (k,) float64
    vectors: np.ndarray | None  # (k, n) float64 unit vectors as rows, when asked for
    residuals: np.ndarray  # (k,)
    iterations: int  # Lanczos steps taken


@dataclass(frozen=True)
class TraceEstimate:
    """Hutchinson's estimate of tr H with its standard error."""

    trace: float
    standard_error: float
    samples: int


@dataclass(frozen=True)
class SpectralDensity:
    """An estimate of the eigenvalue density φ(t) = (1/n) Σᵢ δ(t − λᵢ), broadened by σ."""

    grid: np.ndarray  # (points,) eigenvalues t
    density: np.ndarray  # (points,) φ(t), integrating to 1 over the grid (trapezoids)
    nodes: np.ndarray  # (probes, iterations) quadrature nodes (Ritz values)
    weights: np.ndarray  # (probes, iterations) quadrature weights, each row summing to 1
    sigma: float  # the Gaussian broadening's standard deviation


@dataclass(frozen=True)
class Spectrum:
    """All eigenvalues of H (ascending) and, when asked for, its eigenvectors."""

    eigenvalues: np.ndarray  # (n,) ascending, float64
    eigenvectors: np.ndarray | None  # (n, n) unit eigenvectors as rows, when asked for


@dataclass(frozen=True)
class MinimumRatio:
    """The curriculum's minimum ratio: positive eigenvalues / all eigenvalues."""

    ratio: float
    positive: int  # λ > tolerance
    negative: int  # λ < −tolerance
    near_zero: int  # |λ| ≤ tolerance: counted in the total, never as positive
    total: int
    tolerance: float


# ----------------------------------------------------------------------------- public API


def _size(theta: ArrayLike) -> int:
    """n, checking that θ is one flat vector."""
    shape = np.shape(theta)
    if len(shape) != 1 or shape[0] < 1:
        raise ValueError(f"theta must be a non-empty flat vector (ravel_pytree), got {shape}")
    return int(shape[0])


def _key(key: Array | None) -> Array:
    return jax.random.key(0) if key is None else key


def hvp(loss: FlatLoss, theta: ArrayLike, v: ArrayLike) -> Array:
    """The Hessian-vector product H(θ)v, forward-over-reverse (Pearlmutter 1994)."""
    return _hvp_kernel(_as_partial(loss), theta, v)


def gradient(loss: FlatLoss, theta: ArrayLike) -> Array:
    """∇L(θ) in one compiled call: taken op by op, a network's gradient would compile a
    small program per operation and shape, which JAX keeps beyond ``kernel_cache``'s reach."""
    return _gradient_kernel(_as_partial(loss), theta)


def lanczos(
    loss: FlatLoss,
    theta: ArrayLike,
    k_iterations: int,
    key: Array | None = None,
    *,
    between: Between = None,
) -> LanczosResult:
    """``k_iterations`` Lanczos steps on H(θ) from a Gaussian start drawn from ``key``.

    Full reorthogonalization keeps the basis orthonormal; at most n steps are taken.
    ``between`` is called between pieces of the run (see ``chunks``).
    """
    steps = _steps(k_iterations, _size(theta))
    state = _one_run(_as_partial(loss), theta, _key(key), steps, between)
    alphas, betas, basis = jax.device_get((state.alphas[0], state.betas[0], state.basis[0]))
    return LanczosResult(alphas, betas[:-1], float(betas[-1]), basis)


def _canonical_sign(rows: np.ndarray) -> np.ndarray:
    """Flip each vector so its largest component is positive: a reproducible orientation."""
    signs = np.sign(rows[np.arange(len(rows)), np.argmax(np.abs(rows), axis=1)])
    return rows * np.where(signs == 0, 1.0, signs)[:, None]


def _ritz_pairs(
    loss: FlatLoss,
    theta: ArrayLike,
    count: int,
    iterations: int,
    key: Array | None,
    vectors: bool,
    between: Between,
) -> tuple[RitzPairs, RitzPairs]:
    """The ``count`` largest (descending) and smallest (ascending) Ritz pairs of one run.

    Tₖ is decomposed on the host in float64 (k ≤ ~100: microseconds), so every ``count``
    shares one compiled Lanczos kernel and the basis leaves the device only for vectors.
    """
    steps = _steps(iterations, _size(theta))
    if not 1 <= count <= steps:
        raise ValueError(f"need 1 ≤ k ≤ Lanczos steps ({steps}), got {count}")
    state = _one_run(_as_partial(loss), theta, _key(key), steps, between)
    alphas, betas = jax.device_get((state.alphas[0], state.betas[0]))
    basis = state.basis[0] if vectors else None
    del state
    values, eigenvectors = np.linalg.eigh(_tridiagonal(alphas, betas[:-1]))  # ascending
    # ‖Hy − θy‖ = βₖ|sₖ| in exact arithmetic; in floating point it bottoms out near ε‖H‖.
    floor = float(np.finfo(alphas.dtype).eps) * float(np.max(np.abs(values)))
    residuals = np.maximum(np.abs(float(betas[-1]) * eigenvectors[-1]), floor)
    rows = np.asarray(basis, np.float64) if basis is not None else None

    def pairs(order: np.ndarray) -> RitzPairs:
        chosen = None if rows is None else _canonical_sign(eigenvectors[:, order].T @ rows)
        return RitzPairs(values[order], chosen, residuals[order], steps)

    return pairs(np.arange(steps - 1, steps - count - 1, -1)), pairs(np.arange(count))


def top_eigenvalues(
    loss: FlatLoss,
    theta: ArrayLike,
    k: int = 1,
    iterations: int = DEFAULT_ITERATIONS,
    key: Array | None = None,
    *,
    vectors: bool = False,
    between: Between = None,
) -> RitzPairs:
    """The k largest Ritz values of H(θ) (by value, descending), from one Lanczos run.

    The top eigenvalue is the sharpness of a minimum (curriculum section 2). A few dozen
    iterations converge it for a network Hessian; ``residuals`` says how well.
    """
    return _ritz_pairs(loss, theta, k, iterations, key, vectors, between)[0]


def most_negative_eigenvalue(
    loss: FlatLoss,
    theta: ArrayLike,
    iterations: int = DEFAULT_ITERATIONS,
    key: Array | None = None,
    *,
    vectors: bool = False,
    between: Between = None,
) -> RitzPairs:
    """The smallest Ritz value of H(θ) (one pair): negative at a saddle, its vector the escape.

    It comes from the same kind of run as ``top_eigenvalues`` (Lanczos converges at both
    ends), but the bottom of a network's spectrum is a crowd near zero, so it converges
    more slowly: give it more iterations and read ``residuals``.
    """
    return _ritz_pairs(loss, theta, 1, iterations, key, vectors, between)[1]


def hutchinson_trace(
    loss: FlatLoss,
    theta: ArrayLike,
    samples: int = DEFAULT_TRACE_SAMPLES,
    key: Array | None = None,
    *,
    batch: int = TRACE_BATCH,
    between: Between = None,
) -> TraceEstimate:
    """tr H ≈ (1/m) Σ zᵢᵀHzᵢ over m Rademacher probes (Hutchinson 1989).

    The variance of one probe is 2 Σ_{i≠j} Hᵢⱼ² (smaller than with Gaussian probes); the
    standard error is the sample standard deviation over √m. Probes run ``batch`` HVPs at
    a time (vmapped), batches one call after another, ``between`` called between them.
    """
    if samples < 2:
        raise ValueError(f"need at least 2 samples for a standard error, got {samples}")
    batch = min(batch, samples)
    keys = jax.random.split(_key(key), -(-samples // batch))
    pieces = []
    for index in range(keys.shape[0]):
        if index and between is not None:
            between()
        pieces.append(
            np.asarray(_hutchinson_kernel(_as_partial(loss), theta, keys[index : index + 1], batch))
        )
    forms = np.concatenate(pieces)[:samples]
    return TraceEstimate(
        trace=float(forms.mean()),
        standard_error=float(forms.std(ddof=1) / np.sqrt(samples)),
        samples=samples,
    )


def spectral_density(
    loss: FlatLoss,
    theta: ArrayLike,
    iterations: int = DEFAULT_ITERATIONS,
    probes: int = DEFAULT_PROBES,
    key: Array | None = None,
    grid: ArrayLike | int = DENSITY_POINTS,
    sigma: float | None = None,
    *,
    batch: int | None = None,
    between: Between = None,
) -> SpectralDensity:
    """The eigenvalue density of H(θ) by stochastic Lanczos quadrature (Ubaru et al. 2017).

    φ(t) ≈ (1/P) Σₚ Σⱼ τⱼᵖ g_σ(t − θⱼᵖ), with g_σ a Gaussian of standard deviation σ,
    over P Gaussian probes (the same estimator as PyHessian, Yao et al. 2020). ``grid`` is
    the eigenvalues t to evaluate at, or a number of points spanning the nodes ± 5σ;
    ``sigma`` defaults to ``DENSITY_SIGMA_RELATIVE`` of the nodes' span. The density is
    normalized to integrate to 1 on the grid (it does already, up to the Gaussians' tails
    cut off by the grid's ends). Its mean Σ τθ / P estimates tr H / n. At most ``batch``
    probes run at once (their bases must fit ``QUADRATURE_BASIS_BYTES`` too).
    """
    if probes < 1:
        raise ValueError(f"probes must be at least 1, got {probes}")
    n = _size(theta)
    steps = _steps(iterations, n)
    dtype = jnp.result_type(theta)
    most = quadrature_batch(probes, steps, n, dtype.itemsize)
    most = most if batch is None else max(1, min(most, batch))
    batch = -(-probes // -(-probes // most))  # as many batches, evened out: less padding
    # Each probe's basis lives only while its batch runs; batches run one after another.
    start_key, run_key = jax.random.split(_key(key))
    starts = jax.random.normal(start_key, (probes, n), dtype)
    run_keys = jax.random.split(run_key, probes)
    alphas, betas = np.zeros((probes, steps)), np.zeros((probes, steps))
    for first in range(0, probes, batch):
        stop = min(first + batch, probes)
        if first and between is not None:
            between()
        # The last batch is padded to the others' size: one compiled shape.
        rows = np.minimum(np.arange(first, first + batch), probes - 1)
        state = _run_lanczos(_as_partial(loss), theta, starts[rows], run_keys[rows], steps, between)
        alphas[first:stop] = np.asarray(state.alphas)[: stop - first]
        betas[first:stop] = np.asarray(state.betas)[: stop - first]
        del state  # its bases, before the next batch's are made
    nodes, vectors = np.linalg.eigh(_tridiagonal(alphas, betas[:, :-1]))
    weights = vectors[:, 0, :] ** 2
    low, high = float(nodes.min()), float(nodes.max())
    span = high - low if high > low else max(abs(high), 1.0)
    width = DENSITY_SIGMA_RELATIVE * span if sigma is None else float(sigma)
    if width <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    if isinstance(grid, int):
        points = np.linspace(low - 5 * width, high + 5 * width, grid)
    else:
        points = np.asarray(grid, np.float64)
    if points.ndim != 1 or points.size < 2 or np.any(np.diff(points) <= 0):
        raise ValueError("grid must be an increasing 1-D array of at least 2 points")
    offsets = (points[:, None] - nodes.reshape(-1)[None, :]) / width
    gaussians = np.exp(-0.5 * offsets**2) / (width * np.sqrt(2 * np.pi))
    density = gaussians @ weights.reshape(-1) / probes
    area = float(np.trapezoid(density, points))
    if area > 0:
        density = density / area
    return SpectralDensity(points, density, nodes, weights, width)


def dense_hessian(loss: FlatLoss, theta: ArrayLike) -> np.ndarray:
    """H(θ) as a dense, exactly symmetric (n, n) float64 matrix (n ≤ ``FULL_SPECTRUM_LIMIT``).

    θ is cast to float64 and the loss evaluated there, so the caller's loss must accept a
    float64 θ (closed-over float32 data promote to float64 with it; a loss that casts to
    float32 inside loses the accuracy). Rows are HVPs with the basis vectors, built
    ``DENSE_BATCH`` at a time from one linearization.
    """
    n = _size(theta)
    if n > FULL_SPECTRUM_LIMIT:
        raise ValueError(
            f"the full spectrum needs n ≤ {FULL_SPECTRUM_LIMIT} parameters, got {n}; "
            "use top_eigenvalues, hutchinson_trace or spectral_density"
        )
    hessian = _dense_hessian_kernel(_as_partial(loss), theta, batch=min(DENSE_BATCH, n))
    return np.asarray(hessian)


def full_spectrum(loss: FlatLoss, theta: ArrayLike, *, vectors: bool = False) -> Spectrum:
    """Every eigenvalue of H(θ) (n ≤ ``FULL_SPECTRUM_LIMIT``), ascending, in float64.

    Raises ValueError above the limit: the dense matrix costs n HVPs and n² memory, and the
    eigendecomposition n³. See ``dense_hessian`` for the float64 cast.
    """
    hessian = dense_hessian(loss, theta)
    if vectors:
        values, columns = np.linalg.eigh(hessian)
        return Spectrum(values, _canonical_sign(np.ascontiguousarray(columns.T)))
    return Spectrum(np.linalg.eigvalsh(hessian), None)


def minimum_ratio(eigenvalues: ArrayLike, tolerance: float | None = None) -> MinimumRatio:
    """Share of eigenvalues > ``tolerance``: the curriculum's minimum ratio (section 1).

    1 at a strict local minimum, about ½ at a typical saddle. ``tolerance`` defaults to
    ``MINIMUM_RATIO_RTOL``·max|λ| (see the constant for why); eigenvalues within it of zero
    are reported as ``near_zero`` and count in the denominator only.
    """
    values = np.asarray(eigenvalues, np.float64).reshape(-1)
    if values.size == 0:
        raise ValueError("no eigenvalues")
    if not np.all(np.isfinite(values)):
        raise ValueError("eigenvalues must be finite")
    scale = float(np.max(np.abs(values)))
    tol = MINIMUM_RATIO_RTOL * scale if tolerance is None else float(tolerance)
    if tol < 0:
        raise ValueError(f"tolerance must be non-negative, got {tolerance}")
    positive = int(np.sum(values > tol))
    negative = int(np.sum(values < -tol))
    return MinimumRatio(
        ratio=positive / values.size,
        positive=positive,
        negative=negative,
        near_zero=int(values.size - positive - negative),
        total=int(values.size),
        tolerance=tol,
    )


# ----------------------------------------------------------------------------- blocks


def _block_loss(loss: Partial, theta: Array, start: Array, u: Array) -> Array:
    """``loss`` with θ[start : start + len(u)] moved by u and the rest held at θ."""
    block = jax.lax.dynamic_slice(theta, (start,), (u.shape[0],))
    return loss(jax.lax.dynamic_update_slice(theta, block + u, (start,)))


def block_loss(loss: FlatLoss, theta: ArrayLike, start: int, size: int) -> tuple[Partial, Array]:
    """One block of parameters as a loss of its own, and the point to read it at (u = 0).

    Its Hessian at u = 0 is H's diagonal block ``H[s:s+size, s:s+size]``, so every
    function here (Lanczos, Hutchinson, the dense spectrum) reads a layer's own curvature
    with the others held fixed. θ and the block's start are traced: the blocks of one size
    share one compiled program whatever network they sit in.
    """
    n = _size(theta)
    if not (start >= 0 and size >= 1 and start + size <= n):
        raise ValueError(f"block [{start}, {start + size}) is outside θ's {n} entries")
    theta = jnp.asarray(theta)
    bound = Partial(_block_loss, _as_partial(loss), theta, jnp.asarray(start, jnp.int32))
    return bound, jnp.zeros(size, theta.dtype)


@dataclass(frozen=True)
class BlockCurvature:
    """One block's (a layer's) own Hessian: its top eigenvalue and its trace."""

    name: str
    start: int
    size: int
    top_eigenvalue: float
    top_residual: float  # ‖Hy − λy‖ of the top Ritz pair (0: the block was exhausted)
    trace: TraceEstimate


def block_rows(blocks: list[BlockCurvature]) -> list[dict[str, Any]]:
    """The blocks as results report them (``per_layer``): name, size, top λ, trace."""
    return [
        {
            "layer": block.name,
            "parameters": block.size,
            "top_eigenvalue": block.top_eigenvalue,
            "trace": {"estimate": block.trace.trace, "standard_error": block.trace.standard_error},
        }
        for block in blocks
    ]


def per_block(
    loss: FlatLoss,
    theta: ArrayLike,
    blocks: list[tuple[str, int, int]],
    iterations: int = DEFAULT_ITERATIONS,
    probes: int = DEFAULT_PROBES,
    key: Array | None = None,
    *,
    batch: int = TRACE_BATCH,
    between: Between = None,
) -> list[BlockCurvature]:
    """Each named block's top eigenvalue (Lanczos, exact once the steps cover the block)
    and Hutchinson trace. The blocks' traces sum to tr H when they tile θ; each block's top
    eigenvalue lies between its largest diagonal entry and λmax(H) (Cauchy interlacing).
    The traces' probes run ``batch`` at a time."""
    key = _key(key)
    out = []
    for index, (name, start, size) in enumerate(blocks):
        bound, at = block_loss(loss, theta, start, size)
        block_key = jax.random.fold_in(key, index)
        top = top_eigenvalues(bound, at, 1, iterations, block_key, between=between)
        trace = hutchinson_trace(bound, at, probes, block_key, batch=batch, between=between)
        out.append(
            BlockCurvature(name, start, size, float(top.values[0]), float(top.residuals[0]), trace)
        )
    return out
