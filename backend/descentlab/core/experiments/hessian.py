"""The Hessian of a trained network's training loss (the ``hessian`` experiment).

Trains the setup, then reads the Hessian at the trained weights (evaluation mode, so a
batch-norm network's loss is a fixed function of its weights): the top eigenvalues and
the most negative one (Lanczos), the trace (Hutchinson), the eigenvalue density
(stochastic Lanczos quadrature), and, up to 3,000 parameters, the full spectrum with its
minimum ratio (the share of positive eigenvalues). Per layer (PyHessian's most asked-for
view): each layer's own block of the Hessian, its top eigenvalue and trace. And the loss
along the top eigenvector beside a random direction of the same length (PyHessian's
tutorial): how much sharper the sharpest direction is than a typical one.

The Hessian is the training loss's over the first ``samples`` training rows (the set is
shuffled: a random subset, all of it for the default 2-D data), as PyHessian reads one
batch: a convolutional network's over all 1,348 digits cost 2.6 times more for the same
picture. Probes run as many at once as their activations fit ``hessian.HVP_BATCH_BYTES``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any

import jax
import numpy as np
from annotated_types import Ge, Gt, Le
from jax import Array
from jax.flatten_util import ravel_pytree

from descentlab.core.base import Doc, Result
from descentlab.core.experiments.train import (
    NetworkSetup,
    check,
    flat_objective,
    load_dataset,
    model_for,
    objective_data,
    train_setup,
)
from descentlab.core.nets import hessian, landscape
from descentlab.core.nets.models import (
    ModelSpec,
    activations,
    count_params,
    layer_blocks,
)
from descentlab.core.nets.network_losses import network_loss

SLICE_POINTS = 41


@dataclass(frozen=True)
class HessianParams:
    """A training setup, then how hard to look at the Hessian at the trained weights."""

    setup: NetworkSetup = field(default_factory=NetworkSetup)
    top_k: Annotated[int, Ge(1), Le(20)] = 5
    iterations: Annotated[int, Ge(8), Le(200), Doc("Lanczos steps")] = 64
    # Two at least: the trace's standard error is a spread over probes.
    probes: Annotated[int, Ge(2), Le(64), Doc("random probes (trace, density)")] = 16
    per_layer: Annotated[bool, Doc("each layer's block: its top eigenvalue and trace")] = True
    samples: Annotated[
        int,
        Ge(16),
        Le(4000),
        Doc("the training rows the Hessian is read on, at most (PyHessian reads one batch)"),
    ] = 512
    slice_span: Annotated[
        float, Gt(0), Le(10), Doc("the 1-D slices: α ∈ [−span, span] along unit directions")
    ] = 0.5


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


def _eigenvector_slices(
    params: HessianParams,
    spec: ModelSpec,
    trained: Any,
    dataset: Any,
    top_vector: np.ndarray,
    key: Array,
    progress: Callable[[float], None],
) -> dict[str, Any]:
    """The training loss along the top eigenvector and along a random unit direction."""
    loss = network_loss(spec, params.setup.loss)
    data = objective_data(params.setup, trained.batch_stats, *hessian_rows(params, dataset))
    alphas = np.linspace(-params.slice_span, params.slice_span, SLICE_POINTS)
    noise = np.asarray(jax.random.normal(jax.random.fold_in(key, 7), top_vector.shape))
    curves = {}
    for name, vector in (("top_eigenvector", top_vector), ("random", noise)):
        direction = landscape.unflatten(trained.params, vector / np.linalg.norm(vector))
        curve = landscape.slice_1d(
            loss, trained.params, direction, alphas, data, between=partial(progress, 0.65)
        )
        curves[name] = curve["y"]
    return {"x": alphas, **curves}


def hessian_rows(params: HessianParams, dataset: Any) -> tuple[np.ndarray, np.ndarray]:
    """The training rows the Hessian is read on: the first ``samples``."""
    return dataset.x_train[: params.samples], dataset.y_train[: params.samples]


def run(params: HessianParams, progress: Callable[[float], None]) -> Result:
    dataset, spec, trained = train_setup(params.setup, lambda f: progress(0.6 * f))
    theta, _ = ravel_pytree(trained.params)
    x, y = hessian_rows(params, dataset)
    bound = flat_objective(spec, params.setup, trained.batch_stats, x, y)
    # The probes vmapped at once: as many as fit in memory (fewer for a CNN).
    fit = hessian.hvp_batch(params.probes, len(x), activations(spec))
    batch = min(hessian.TRACE_BATCH, fit)
    key = jax.random.key(params.setup.seed)
    # Each long computation reports between its pieces: where a cancel is noticed.
    top = hessian.top_eigenvalues(
        bound,
        theta,
        params.top_k,
        params.iterations,
        key,
        vectors=True,
        between=partial(progress, 0.6),
    )
    progress(0.65)
    assert top.vectors is not None  # asked for
    slices = _eigenvector_slices(params, spec, trained, dataset, top.vectors[0], key, progress)
    progress(0.7)
    lowest = hessian.most_negative_eigenvalue(
        bound, theta, params.iterations, key, between=partial(progress, 0.7)
    )
    trace = hessian.hutchinson_trace(
        bound, theta, params.probes, key, batch=batch, between=partial(progress, 0.75)
    )
    progress(0.8)
    density = hessian.spectral_density(
        bound,
        theta,
        params.iterations,
        params.probes,
        key,
        batch=fit,
        between=partial(progress, 0.8),
    )
    progress(0.9)
    if params.per_layer:
        blocks = hessian.per_block(
            bound,
            theta,
            layer_blocks(spec),
            params.iterations,
            params.probes,
            key,
            batch=batch,
            between=partial(progress, 0.9),
        )
    result: dict[str, Any] = {
        "parameters": int(theta.size),
        "train_loss": float(trained.history["train_loss"][-1]),
        "gradient_norm": float(np.linalg.norm(hessian.gradient(bound, theta))),
        "top_eigenvalues": top.values,
        "most_negative_eigenvalue": float(lowest.values[0]),
        "trace": {"estimate": trace.trace, "standard_error": trace.standard_error},
        "density": {"x": density.grid, "y": density.density},
        "history": trained.history,
        "eigenvector_slices": slices,
    }
    if params.per_layer:
        result["per_layer"] = hessian.block_rows(blocks)
    if theta.size <= hessian.FULL_SPECTRUM_LIMIT:
        spectrum = hessian.full_spectrum(bound, theta)
        ratio = hessian.minimum_ratio(spectrum.eigenvalues)
        result["spectrum"] = spectrum.eigenvalues
        result["minimum_ratio"] = ratio.__dict__
    progress(1.0)
    return result
