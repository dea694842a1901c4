"""A quadratic surface in its eigenbasis: the loss split into one part per eigendirection.

On f(θ) = f* + ½(θ − θ*)ᵀH(θ − θ*) with H = Σᵢ λᵢuᵢuᵢᵀ the loss above the stationary point
is a sum of independent parts, cᵢ(θ) = ½λᵢ(uᵢ·(θ − θ*))², and gradient descent (with or
without momentum) acts on each on its own: Distill's "milestones", where a learner sees
which direction converges and which oscillates. The lab finds out whether a surface is
quadratic (the valley, Booth, Matyas, x² − y², any typed quadratic) by checking, not by
name: the second-order model at the domain's centre must reproduce the surface on a grid.
"""

from dataclasses import dataclass
from functools import lru_cache

import jax
import numpy as np

from descentlab.core.analysis import DERIVATIVES
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
    has no single stationary point)."""
    require_engine_precision()
    (x_lo, x_hi), (y_lo, y_hi) = objective.domain
    centre = np.array([(x_lo + x_hi) / 2, (y_lo + y_hi) / 2])
    value, gradient, hessian = jax.device_get(DERIVATIVES((), centre, objective.args()))
    hessian = 0.5 * (hessian + hessian.T)
    if not (np.isfinite(value) and np.all(np.isfinite(hessian)) and np.all(np.isfinite(gradient))):
        return None
    eigenvalues, columns = np.linalg.eigh(hessian)
    largest = float(np.max(np.abs(eigenvalues)))
    if largest == 0.0 or float(np.min(np.abs(eigenvalues))) <= SINGULAR_RTOL * largest:
        return None
    offset = -np.linalg.solve(hessian, gradient)  # θ* − centre
    value_at_minimum = float(value + 0.5 * gradient @ offset)
    quadratic = Quadratic(centre + offset, value_at_minimum, eigenvalues, columns.T)
    grid = evaluate_grid(objective, CHECK_RESOLUTION)
    xx, yy = np.meshgrid(grid.x, grid.y)
    points = np.stack([xx.ravel(), yy.ravel()], axis=-1)
    model = value_at_minimum + quadratic.components(points).sum(axis=1)
    surface = grid.z.ravel()
    if not np.all(np.isfinite(surface)):
        return None
    # Relative to the surface's own size (no floor: a surface of tiny values is judged on
    # its own scale, not accepted because every value is near 0).
    scale = float(np.max(np.abs(surface)))
    if float(np.max(np.abs(model - surface))) > MODEL_RTOL * scale:
        return None
    return quadratic
