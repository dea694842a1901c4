"""Surface values (and optionally gradients) on a regular grid, for contour and 3-D plots."""

from dataclasses import dataclass
from functools import partial

import jax
import numpy as np
from jax import Array

from descentlab.core.buckets import power_of_two_bucket
from descentlab.core.device import on_cpu
from descentlab.core.objective import Objective
from descentlab.core.surfaces import Interval, SurfaceFn

MIN_GRID_BUCKET = 16


@partial(jax.jit, static_argnames=("loss_fn", "with_gradient"))
def _grid_values(
    loss_fn: SurfaceFn, xs: Array, ys: Array, params: Array, with_gradient: bool
) -> tuple[Array, Array | None]:
    """``z[j, i] = f(xs[i], ys[j])`` (Plotly's layout), and ∇f there when asked."""
    points = jax.numpy.stack(jax.numpy.meshgrid(xs, ys), axis=-1)  # (ny, nx, 2)
    over_grid = partial(jax.vmap, in_axes=(0, None))
    values = over_grid(over_grid(loss_fn))(points, params)
    if not with_gradient:
        return values, None
    return values, over_grid(over_grid(jax.grad(loss_fn)))(points, params)


@dataclass(frozen=True)
class Grid:
    """Axes and values; ``gradient[j, i]`` is ∇f at ``(x[i], y[j])`` when requested."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    gradient: np.ndarray | None


def _axis(interval: Interval, resolution: int, bucket: int) -> np.ndarray:
    axis = np.linspace(interval[0], interval[1], resolution)
    return np.pad(axis, (0, bucket - resolution), mode="edge")


def evaluate_grid(objective: Objective, resolution: int, with_gradient: bool = False) -> Grid:
    """A ``resolution × resolution`` grid over the objective's domain.

    The axes are padded to a power-of-two bucket (a traced array), so every resolution
    and domain shares a handful of compiled shapes; the padding is cut off here.
    """
    bucket = power_of_two_bucket(resolution, MIN_GRID_BUCKET)
    (x_range, y_range) = objective.domain
    xs, ys = _axis(x_range, resolution, bucket), _axis(y_range, resolution, bucket)
    with on_cpu():
        outputs = _grid_values(objective.fn, xs, ys, objective.params_array(), with_gradient)
    values, gradient = jax.device_get(outputs)
    keep = (slice(0, resolution), slice(0, resolution))
    return Grid(
        x=xs[:resolution],
        y=ys[:resolution],
        z=values[keep],
        gradient=None if gradient is None else gradient[keep],
    )
