"""Landscapes and Hessians of your own model, from Python: any JAX loss and parameter pytree.

    from descentlab import networks, figures
    result = networks.landscape(loss, params, (x, y), directions="hessian")
    figures.landscape(result=result).show()

``loss(params, data) -> scalar`` is any JAX function; ``params`` any pytree of float arrays
(a dict of arrays, an Equinox module's arrays, Flax's ``variables["params"]``); ``data``
whatever the loss takes besides the parameters (a pytree of arrays, traced: another batch
of the same shape reuses the compiled code). The results have the shapes of the lab's own
experiments, so ``descentlab.figures`` draws them. Examples: docs/NOTEBOOKS.md.

Keep one ``loss`` function object per model: the kernels compile per function (a new
lambda per call compiles again).
"""

from collections.abc import Callable
from typing import Any, Literal

import jax
import numpy as np
from jax import Array
from jax.flatten_util import ravel_pytree
from jax.tree_util import Partial

from descentlab.core import use_engine_precision
from descentlab.core.nets import hessian as _hessian
from descentlab.core.nets import kernel_cache
from descentlab.core.nets import landscape as _landscape

PytreeLoss = Callable[[Any, Any], Array]


@kernel_cache.builder
def _flat_function(
    loss: PytreeLoss, treedef: Any, shapes: tuple[tuple[int, ...], ...]
) -> Callable[[Any, Array], Array]:
    """``(data, θ) -> loss(params, data)`` with θ cut into the tree in its own dtype: one
    function per (loss, tree structure), so a second call compiles nothing."""

    def flat(data: Any, theta: Array) -> Array:
        parts, at = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            parts.append(theta[at : at + size].reshape(shape))
            at += size
        return loss(jax.tree.unflatten(treedef, parts), data)

    return flat


def _flat_loss(loss: PytreeLoss, params: Any, data: Any) -> tuple[Partial, Array]:
    """``loss`` as a function of one flat vector θ (what the Hessian code takes), and θ."""
    leaves, treedef = jax.tree.flatten(params)
    theta, _ = ravel_pytree(params)
    shapes = tuple(tuple(np.shape(leaf)) for leaf in leaves)
    return Partial(_flat_function(loss, treedef, shapes), data), theta


def _path_name(path: tuple[Any, ...]) -> str:
    return jax.tree_util.keystr(path, simple=True, separator=".") or "params"


def layer_blocks(params: Any) -> list[tuple[str, int, int]]:
    """The pytree's layers as (name, start, size) runs of ``ravel_pytree(params)``: the
    leaves that share a parent (a layer's weight and bias, an Equinox ``Linear``, a Flax
    ``Dense_0``) form one block, named by that parent's path."""
    leaves = jax.tree_util.tree_flatten_with_path(params)[0]
    blocks: list[tuple[str, int, int]] = []
    start = 0
    for path, leaf in leaves:
        size = int(np.size(leaf))
        name = _path_name(path[:-1]) if len(path) > 1 else _path_name(path)
        if blocks and blocks[-1][0] == name and blocks[-1][1] + blocks[-1][2] == start:
            blocks[-1] = (name, blocks[-1][1], blocks[-1][2] + size)
        else:
            blocks.append((name, start, size))
        start += size
    return blocks


def hessian(
    loss: PytreeLoss,
    params: Any,
    data: Any = None,
    *,
    top_k: int = 5,
    iterations: int = _hessian.DEFAULT_ITERATIONS,
    probes: int = 16,
    per_layer: bool = True,
    seed: int = 0,
) -> dict[str, Any]:
    """The Hessian of ``loss`` at ``params``, as the ``hessian`` experiment reports it:
    top eigenvalues and the most negative one (Lanczos), the trace (Hutchinson), the
    eigenvalue density, every eigenvalue up to 3,000 parameters, and per layer
    (``layer_blocks``) each block's top eigenvalue and trace."""
    use_engine_precision()
    bound, theta = _flat_loss(loss, params, data)
    key = jax.random.key(seed)
    top = _hessian.top_eigenvalues(bound, theta, top_k, iterations, key)
    lowest = _hessian.most_negative_eigenvalue(bound, theta, iterations, key)
    trace = _hessian.hutchinson_trace(bound, theta, probes, key)
    density = _hessian.spectral_density(bound, theta, iterations, probes, key)
    result: dict[str, Any] = {
        "parameters": int(theta.size),
        "loss": float(bound(theta)),
        "gradient_norm": float(np.linalg.norm(_hessian.gradient(bound, theta))),
        "top_eigenvalues": top.values,
        "most_negative_eigenvalue": float(lowest.values[0]),
        "trace": {"estimate": trace.trace, "standard_error": trace.standard_error},
        "density": {"x": density.grid, "y": density.density},
    }
    if per_layer:
        blocks = _hessian.per_block(bound, theta, layer_blocks(params), iterations, probes, key)
        result["per_layer"] = _hessian.block_rows(blocks)
    if theta.size <= _hessian.FULL_SPECTRUM_LIMIT:
        spectrum = _hessian.full_spectrum(bound, theta).eigenvalues
        result["spectrum"] = spectrum
        result["minimum_ratio"] = _hessian.minimum_ratio(spectrum).__dict__
    return result


def landscape(
    loss: PytreeLoss,
    params: Any,
    data: Any = None,
    *,
    directions: Literal["random", "hessian"] = "random",
    resolution: int = 31,
    span: float = 1.0,
    seed: int = 0,
    include_1d: bool = False,
) -> dict[str, Any]:
    """The loss on a plane through ``params``, as the ``landscape`` experiment reports it:
    along two filter-normalized random directions (Li et al. 2018; ``include_1d`` also
    moves biases), or along the Hessian's top two eigenvectors (unit vectors), with
    α, β ∈ [−span, span]."""
    use_engine_precision()
    key = jax.random.key(seed)
    result: dict[str, Any] = {"directions": directions}
    if directions == "hessian":
        bound, theta = _flat_loss(loss, params, data)
        top = _hessian.top_eigenvalues(bound, theta, 2, vectors=True, key=key)
        assert top.vectors is not None  # asked for
        d1, d2 = (_landscape.unflatten(params, vector) for vector in top.vectors)
        result["eigenvalues"] = top.values
    elif directions == "random":
        d1 = _landscape.random_direction(params, jax.random.fold_in(key, 1), include_1d)
        d2 = _landscape.random_direction(params, jax.random.fold_in(key, 2), include_1d)
    else:
        raise ValueError(f"directions must be 'random' or 'hessian', got {directions!r}")
    axis = np.linspace(-span, span, resolution)
    grid = _landscape.slice_2d(loss, params, d1, d2, axis, axis, data)
    return result | {"x": grid["x"], "y": grid["y"], "z": grid["z"], "centre": grid["centre"]}
