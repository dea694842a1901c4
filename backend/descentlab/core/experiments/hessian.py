"""The Hessian of a trained network's training loss (the ``hessian`` experiment).

Trains the setup, then reads the Hessian at the trained weights (evaluation mode, so a
batch-norm network's loss is a fixed function of its weights): the top eigenvalues and
the most negative one (Lanczos), the trace (Hutchinson), the eigenvalue density
(stochastic Lanczos quadrature), and, up to 3,000 parameters, the full spectrum with its
minimum ratio (the share of positive eigenvalues).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any

import jax
import jax.numpy as jnp
import numpy as np
from annotated_types import Ge, Le
from jax import Array
from jax.flatten_util import ravel_pytree
from jax.tree_util import Partial

from descentlab.core.base import Doc, Result
from descentlab.core.experiments.train import (
    NetworkSetup,
    check,
    load_dataset,
    model_for,
    train_setup,
)
from descentlab.core.nets import hessian, kernel_cache
from descentlab.core.nets.models import LOSSES, MLPSpec, apply, count_params, init_params

LossOfTheta = Callable[..., Array]


@dataclass(frozen=True)
class HessianParams:
    """A training setup, then how hard to look at the Hessian at the trained weights."""

    setup: NetworkSetup = field(default_factory=NetworkSetup)
    top_k: Annotated[int, Ge(1), Le(20)] = 5
    iterations: Annotated[int, Ge(8), Le(200), Doc("Lanczos steps")] = 64
    # Two at least: the trace's standard error is a spread over probes.
    probes: Annotated[int, Ge(2), Le(64), Doc("random probes (trace, density)")] = 16


def check_top_k(top_k: int, iterations: int, setup: NetworkSetup) -> None:
    """Lanczos finds at most as many eigenvalues as it takes steps, and it takes at most
    as many steps as the network has parameters."""
    if top_k > iterations:
        raise ValueError(f"top_k ({top_k}) must not exceed iterations ({iterations})")
    parameters = count_params(model_for(setup, load_dataset(setup)))
    if top_k > parameters:
        raise ValueError(f"top_k ({top_k}) must not exceed the network's {parameters} parameters")


def check_params(params: HessianParams) -> None:
    """Raise ValueError for what cannot run (told to the user as a 422)."""
    check(params.setup)
    check_top_k(params.top_k, params.iterations, params.setup)


def flat_loss(spec: MLPSpec, loss_name: str, batch_statistics: bool = False) -> LossOfTheta:
    """The one ``_flat_loss`` for these arguments, however they are passed (a cache
    alone would key ``f(s, l)`` and ``f(s, l, False)`` apart and compile twice)."""
    return _flat_loss(spec, loss_name, bool(batch_statistics))


@kernel_cache.builder
def _flat_loss(spec: MLPSpec, loss_name: str, batch_statistics: bool) -> LossOfTheta:
    """``loss(batch_stats, x, y, theta)`` for one architecture, made once per (spec, loss).

    Batch norm normalizes with the running averages in ``batch_stats`` (evaluation mode),
    or, with ``batch_statistics``, with the statistics of the data passed in (training
    mode over the whole set: the full-batch loss that training itself descends).

    Its identity is what the Hessian kernels compile for; the data travel as traced
    arguments of a ``Partial``, so another dataset of the same shape reuses the code.
    ``theta`` is cut into the parameter tree in its own dtype (``ravel_pytree``'s unravel
    would cast a float64 ``theta`` back to float32 and lose the full spectrum's accuracy).
    """
    # Only the template's shapes are needed: traced, not compiled.
    template = jax.eval_shape(partial(init_params, spec), jax.random.key(0))
    leaves, treedef = jax.tree.flatten(template)
    shapes = [leaf.shape for leaf in leaves]
    per_example = LOSSES[loss_name].per_example

    def loss(batch_stats: Any, x: Array, y: Array, theta: Array) -> Array:
        parts, at = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            parts.append(theta[at : at + size].reshape(shape))
            at += size
        params = jax.tree.unflatten(treedef, parts)
        outputs, _ = apply(spec, params, batch_stats, x.astype(theta.dtype), train=batch_statistics)
        return jnp.mean(per_example(outputs, y))

    return loss


def run(params: HessianParams, progress: Callable[[float], None]) -> Result:
    dataset, spec, trained = train_setup(params.setup, lambda f: progress(0.6 * f))
    theta, _ = ravel_pytree(trained.params)
    bound = Partial(
        flat_loss(spec, params.setup.loss), trained.batch_stats, dataset.x_train, dataset.y_train
    )
    key = jax.random.key(params.setup.seed)
    # Each long computation reports between its pieces: where a cancel is noticed.
    top = hessian.top_eigenvalues(
        bound, theta, params.top_k, params.iterations, key, between=partial(progress, 0.6)
    )
    progress(0.7)
    lowest = hessian.most_negative_eigenvalue(
        bound, theta, params.iterations, key, between=partial(progress, 0.7)
    )
    trace = hessian.hutchinson_trace(
        bound, theta, params.probes, key, between=partial(progress, 0.75)
    )
    progress(0.8)
    density = hessian.spectral_density(
        bound, theta, params.iterations, params.probes, key, between=partial(progress, 0.8)
    )
    progress(0.9)
    result: dict[str, Any] = {
        "parameters": int(theta.size),
        "train_loss": float(trained.history["train_loss"][-1]),
        "gradient_norm": float(np.linalg.norm(hessian.gradient(bound, theta))),
        "top_eigenvalues": top.values,
        "most_negative_eigenvalue": float(lowest.values[0]),
        "trace": {"estimate": trace.trace, "standard_error": trace.standard_error},
        "density": {"x": density.grid, "y": density.density},
        "history": trained.history,
    }
    if theta.size <= hessian.FULL_SPECTRUM_LIMIT:
        spectrum = hessian.full_spectrum(bound, theta)
        ratio = hessian.minimum_ratio(spectrum.eigenvalues)
        result["spectrum"] = spectrum.eigenvalues
        result["minimum_ratio"] = ratio.__dict__
    progress(1.0)
    return result
