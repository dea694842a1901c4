"""Surface values and gradients on a grid, for contour and 3-D plots.

One kernel, ``GRID``, compiled once: the axes are padded to ``MAX_RESOLUTION`` and the
resolution is a traced argument, so every resolution, domain and surface (built-in or
typed) shares one executable. The loop walks the grid's points in chunks of ``CHUNK``
(a typed surface's interpreter keeps a small stack per point, so chunks bound memory),
and only as many chunks as the resolution needs.
"""

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from descentlab.core import surface_kernels
from descentlab.core.objective import Objective
from descentlab.core.precision import require_engine_precision
from descentlab.core.programs import Kernel, Shape
from descentlab.core.surface_kernels import SurfaceArgs
from descentlab.core.surfaces import Interval

MAX_RESOLUTION = 512
# The lab's map: points per side when a request names none (the lab, the notebook
# figures and the exported pages all draw this one).
LAB_RESOLUTION = 128
CHUNK = 4096  # points evaluated together
MAX_POINTS = MAX_RESOLUTION * MAX_RESOLUTION  # a multiple of CHUNK


def grid_values(
    xs: Array, ys: Array, resolution: Array, surface: SurfaceArgs
) -> tuple[Array, Array]:
    """f and ∇f at the first ``resolution`` entries of the axes, row after row.

    Returns ``(MAX_POINTS,)`` values and ``(MAX_POINTS, 2)`` gradients, of which the first
    ``resolution²`` are point ``k = j·resolution + i``, at ``(xs[i], ys[j])``.
    """
    chunks = (resolution * resolution + CHUNK - 1) // CHUNK

    def chunk(c: Array, out: tuple[Array, Array]) -> tuple[Array, Array]:
        values, gradients = out
        k = c * CHUNK + jnp.arange(CHUNK)
        i, j = k % resolution, jnp.minimum(k // resolution, resolution - 1)
        points = jnp.stack([xs[i], ys[j]], axis=-1)
        value, gradient = surface_kernels.values_and_gradients(points, surface)
        start = c * CHUNK
        values = jax.lax.dynamic_update_slice(values, value, (start,))
        gradients = jax.lax.dynamic_update_slice(
            gradients, gradient, (start, jnp.zeros_like(start))
        )
        return values, gradients

    empty = (jnp.zeros(MAX_POINTS), jnp.zeros((MAX_POINTS, 2)))
    return jax.lax.fori_loop(0, chunks, chunk, empty)


def _grid_signature(shape: Shape) -> tuple[object, ...]:
    del shape
    axis = np.zeros(MAX_RESOLUTION)
    return axis, axis, np.int32(0), surface_kernels.example_args()


GRID = Kernel("grid", grid_values, _grid_signature, [()])


@dataclass(frozen=True)
class Grid:
    """Axes and values; ``gradient[j, i]`` is ∇f at ``(x[i], y[j])`` when requested."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    gradient: np.ndarray | None


def _axis(interval: Interval, resolution: int) -> np.ndarray:
    axis = np.linspace(interval[0], interval[1], resolution)
    return np.pad(axis, (0, MAX_RESOLUTION - resolution), mode="edge")


def evaluate_grid(objective: Objective, resolution: int, with_gradient: bool = False) -> Grid:
    """A ``resolution × resolution`` grid over the objective's domain, ``z[j, i] = f(x[i], y[j])``.

    Gradients are always computed (they cost little beside the values) and returned when
    asked for.
    """
    require_engine_precision()
    if not 1 <= resolution <= MAX_RESOLUTION:
        raise ValueError(f"resolution must be within 1 … {MAX_RESOLUTION}")
    (x_range, y_range) = objective.domain
    xs, ys = _axis(x_range, resolution), _axis(y_range, resolution)
    outputs = GRID((), xs, ys, np.int32(resolution), objective.args())
    values, gradients = (np.asarray(a) for a in outputs)
    n = resolution * resolution
    return Grid(
        x=xs[:resolution],
        y=ys[:resolution],
        z=values[:n].reshape(resolution, resolution),
        gradient=gradients[:n].reshape(resolution, resolution, 2) if with_gradient else None,
    )
