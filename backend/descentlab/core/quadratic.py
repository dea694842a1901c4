"""A quadratic surface in its eigenbasis: the loss split into one part per eigendirection.

On f(θ) = f* + ½(θ − θ*)ᵀH(θ − θ*) with H = Σᵢ λᵢuᵢuᵢᵀ the loss above the stationary point
is a sum of independent parts, cᵢ(θ) = ½λᵢ(uᵢ·(θ − θ*))², and gradient descent (with or
without momentum) acts on each on its own: Distill's "milestones", where a learner sees
which direction converges and which oscillates. The lab finds out whether a surface is
quadratic (the valley, Booth, Matyas, x² − y², any typed quadratic) by checking, not by
name: a quadratic fitted to the surface on a grid must reproduce every value there.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.precision import require_engine_precision

CHECK_RESOLUTION = 17  # points per side where the model must match the surface
MODEL_RTOL = 1e-9  # of the surface's largest |value| on that grid (float64 rounding)
SINGULAR_RTOL = 1e-9  # |λ| below this share of the largest: no unique stationary point


@dataclass(frozen=True)
class Quadratic:
    """f(θ) = value + ½(θ − minimum)ᵀH(θ − minimum), H's eigenpairs ascending (rows)."""

    minimum: np.ndarray  # θ*, where ∇f = 0 (a minimum only when every λ > 0)
    value: float  # f(θ*)
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray

    def components(self, points: np.ndarray) -> np.ndarray:
        """``(n, 2)``: ½λᵢ(uᵢ·(θ − θ*))² per point and eigendirection; each row sums to
        f(θ) − f(θ*) (a part is negative along a negative eigenvalue: a saddle)."""
        along = (np.asarray(points, dtype=np.float64) - self.minimum) @ self.eigenvectors.T
        return 0.5 * self.eigenvalues * along**2


@lru_cache(maxsize=256)
def quadratic_of(objective: Objective) -> Quadratic | None:
    """The surface as a quadratic, or None when it is not one (or its H is singular, so it
    has no single stationary point).

    The six coefficients of c + bᵀθ + ½θᵀHθ are fitted to the surface on a grid, and the
    fit must reproduce every value: only the grid program is needed (compiled before the
    server listens), so the first race of a new surface waits for nothing else.
    """
    require_engine_precision()
    grid = evaluate_grid(objective, CHECK_RESOLUTION)
    surface = grid.z.ravel()
    if not np.all(np.isfinite(surface)):
        return None
    (x_lo, x_hi), (y_lo, y_hi) = objective.domain
    centre = np.array([(x_lo + x_hi) / 2, (y_lo + y_hi) / 2])
    half = np.array([(x_hi - x_lo) / 2, (y_hi - y_lo) / 2])
    xx, yy = np.meshgrid(grid.x, grid.y)
    # In coordinates scaled to [−1, 1] around the centre: a well-conditioned fit.
    u, v = ((xx.ravel() - centre[0]) / half[0], (yy.ravel() - centre[1]) / half[1])
    basis = np.stack([np.ones_like(u), u, v, u * u, u * v, v * v], axis=1)
    coefficients, *_ = np.linalg.lstsq(basis, surface, rcond=None)
    scale = float(np.max(np.abs(surface)))  # relative to the surface's own size, no floor
    if scale == 0.0 or float(np.max(np.abs(basis @ coefficients - surface))) > MODEL_RTOL * scale:
        return None
    c, bu, bv, cuu, cuv, cvv = coefficients
    gradient = np.array([bu, bv]) / half  # at the centre, in the surface's coordinates
    hessian = np.array([[2 * cuu, cuv], [cuv, 2 * cvv]]) / np.outer(half, half)
    eigenvalues, columns = np.linalg.eigh(hessian)
    largest = float(np.max(np.abs(eigenvalues)))
    if largest == 0.0 or float(np.min(np.abs(eigenvalues))) <= SINGULAR_RTOL * largest:
        return None
    offset = -np.linalg.solve(hessian, gradient)  # θ* − centre
    return Quadratic(centre + offset, float(c + 0.5 * gradient @ offset), eigenvalues, columns.T)
