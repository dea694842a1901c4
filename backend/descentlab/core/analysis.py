"""Reading a surface at one point: gradient, Hessian, eigenpairs, and what kind of point it is.

The second-order test of the curriculum (section 1): at a critical point, all Hessian
eigenvalues positive → minimum, all negative → maximum, mixed → saddle, one within
tolerance of zero → inconclusive (the test cannot decide; the monkey saddle is the
example). Tolerances scale with the surface, so "small" means small *for this surface*.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jax
import numpy as np
from jax import Array

from descentlab.core import surface_kernels
from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.precision import require_engine_precision
from descentlab.core.programs import Kernel, Shape
from descentlab.core.surface_kernels import SurfaceArgs

PointKind = Literal["minimum", "maximum", "saddle", "inconclusive", "not_critical"]

# Relative tolerances, against the surface's own gradient and curvature scales.
GRADIENT_RTOL = 1e-6
EIGENVALUE_RTOL = 1e-6
SCALE_RESOLUTION = 33


def derivatives(point: Array, surface: SurfaceArgs) -> tuple[Array, Array, Array]:
    """Value, gradient and Hessian at ``point`` (forward over reverse for a built-in)."""
    return surface_kernels.derivatives(point, surface)


def _derivatives_signature(shape: Shape) -> tuple[object, ...]:
    del shape
    return np.zeros(2), surface_kernels.example_args()


DERIVATIVES = Kernel("derivatives", derivatives, _derivatives_signature, [()])


@dataclass(frozen=True)
class SurfaceScale:
    """Typical sizes on a surface: what "small" means for its gradient and curvature."""

    gradient: float
    curvature: float


@lru_cache(maxsize=256)
def surface_scale(objective: Objective) -> SurfaceScale:
    """Value range over the domain divided by its extent (and by extent², for curvature)."""
    grid = evaluate_grid(objective, SCALE_RESOLUTION)
    finite = grid.z[np.isfinite(grid.z)]
    value_range = float(finite.max() - finite.min()) if finite.size else 1.0
    (x_lo, x_hi), (y_lo, y_hi) = objective.domain
    extent = max(x_hi - x_lo, y_hi - y_lo)
    value_range = value_range if value_range > 0 else 1.0
    return SurfaceScale(gradient=value_range / extent, curvature=value_range / extent**2)


@dataclass(frozen=True)
class Taylor:
    """The quadratic model q(p) = f + gᵀd + ½ dᵀH d with d = p − center.

    ``polynomial`` expands it in absolute coordinates: the coefficients of
    1, x, y, x², xy, y², so a client can evaluate it on its own grid.
    """

    center: np.ndarray
    value: float
    gradient: np.ndarray
    hessian: np.ndarray
    polynomial: np.ndarray


@dataclass(frozen=True)
class PointAnalysis:
    """Everything the point inspector shows."""

    point: np.ndarray
    value: float
    gradient: np.ndarray
    gradient_norm: float
    hessian: np.ndarray
    eigenvalues: np.ndarray  # ascending
    eigenvectors: np.ndarray  # rows are unit eigenvectors, matching ``eigenvalues``
    critical: bool
    kind: PointKind
    escape_direction: np.ndarray | None
    gradient_tolerance: float
    eigenvalue_tolerance: float
    taylor: Taylor


def _canonical_sign(vectors: np.ndarray) -> np.ndarray:
    """Flip each unit vector so its largest component is positive: a stable orientation."""
    flips = np.sign(vectors[np.arange(len(vectors)), np.argmax(np.abs(vectors), axis=1)])
    return vectors * np.where(flips == 0, 1.0, flips)[:, None]


def classify(critical: bool, eigenvalues: np.ndarray, eigenvalue_tolerance: float) -> PointKind:
    """The second-order test, honest about a zero eigenvalue."""
    if not critical:
        return "not_critical"
    if np.any(np.abs(eigenvalues) <= eigenvalue_tolerance):
        return "inconclusive"
    if np.all(eigenvalues > 0):
        return "minimum"
    if np.all(eigenvalues < 0):
        return "maximum"
    return "saddle"


def _taylor(point: np.ndarray, value: float, gradient: np.ndarray, hessian: np.ndarray) -> Taylor:
    (x0, y0), (gx, gy) = point, gradient
    (hxx, hxy), (_, hyy) = hessian
    # Where the surface overflows (a typed 1e400*x), inf − inf is NaN: reported as null,
    # not warned about (a warning is an error under the test suite's filters).
    with np.errstate(all="ignore"):
        constant = value - gx * x0 - gy * y0 + 0.5 * (hxx * x0**2 + 2 * hxy * x0 * y0 + hyy * y0**2)
        linear_x = gx - hxx * x0 - hxy * y0
        linear_y = gy - hxy * x0 - hyy * y0
    polynomial = np.array([constant, linear_x, linear_y, 0.5 * hxx, hxy, 0.5 * hyy])
    return Taylor(point, value, gradient, hessian, polynomial)


def analyze_point(
    objective: Objective,
    point: tuple[float, float],
    gradient_tolerance: float | None = None,
    eigenvalue_tolerance: float | None = None,
) -> PointAnalysis:
    """Value, derivatives, eigen-decomposition and classification at ``point``."""
    require_engine_precision()
    scale = surface_scale(objective)
    grad_tol = GRADIENT_RTOL * scale.gradient if gradient_tolerance is None else gradient_tolerance
    eig_tol = (
        EIGENVALUE_RTOL * scale.curvature if eigenvalue_tolerance is None else eigenvalue_tolerance
    )
    at = np.asarray(point, dtype=np.float64)
    value, gradient, hessian = jax.device_get(DERIVATIVES((), at, objective.args()))
    hessian = 0.5 * (hessian + hessian.T)  # exact symmetry for eigh
    finite = bool(np.isfinite(value) and np.all(np.isfinite(hessian)))
    if finite:
        eigenvalues, columns = np.linalg.eigh(hessian)
        eigenvectors = _canonical_sign(columns.T)
    else:  # overflow: nothing to decompose, and the response says so with nulls
        eigenvalues, eigenvectors = np.full(2, np.nan), np.full((2, 2), np.nan)
    gradient_norm = float(np.linalg.norm(gradient))
    critical = finite and gradient_norm <= grad_tol
    kind = classify(critical, eigenvalues, eig_tol)
    escape = eigenvectors[0] if finite and eigenvalues[0] < -eig_tol else None
    return PointAnalysis(
        point=at,
        value=float(value),
        gradient=gradient,
        gradient_norm=gradient_norm,
        hessian=hessian,
        eigenvalues=eigenvalues,
        eigenvectors=eigenvectors,
        critical=critical,
        kind=kind,
        escape_direction=escape,
        gradient_tolerance=grad_tol,
        eigenvalue_tolerance=eig_tol,
        taylor=_taylor(at, float(value), gradient, hessian),
    )
