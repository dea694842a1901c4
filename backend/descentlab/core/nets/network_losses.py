"""A network's loss as the Hessian and landscape code take it: built once per architecture.

``flat_loss`` is a loss of one flat parameter vector θ (the Hessian's), ``network_loss`` of
the parameter pytree (the landscape's). Each is made once per (model, loss, mode) and
cached, so its identity is what the kernels compile for; the data travel as traced
arguments, so another dataset of the same shape reuses the compiled code.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from descentlab.core.nets import kernel_cache
from descentlab.core.nets.models import (
    LOSSES,
    ModelSpec,
    Weights,
    apply,
    init_params,
    weight_penalty,
)

LossOfTheta = Callable[..., Array]


def flat_loss(spec: ModelSpec, loss_name: str, batch_statistics: bool = False) -> LossOfTheta:
    """The one ``_flat_loss`` for these arguments, however they are passed (a cache
    alone would key ``f(s, l)`` and ``f(s, l, False)`` apart and compile twice)."""
    return _flat_loss(spec, loss_name, bool(batch_statistics))


@kernel_cache.builder
def _flat_loss(spec: ModelSpec, loss_name: str, batch_statistics: bool) -> LossOfTheta:
    """``loss(batch_stats, x, y, theta, penalty=None)`` for one architecture, made once per
    (spec, loss). ``penalty``, ``[λ₁, λ₂]`` when given, adds ``models.weight_penalty``: the
    objective a regularized network was trained on (bind it as a ``Partial`` keyword).

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

    def loss(
        batch_stats: Any, x: Array, y: Array, theta: Array, penalty: Array | None = None
    ) -> Array:
        parts, at = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            parts.append(theta[at : at + size].reshape(shape))
            at += size
        params = jax.tree.unflatten(treedef, parts)
        outputs, _ = apply(spec, params, batch_stats, x.astype(theta.dtype), train=batch_statistics)
        data_loss = jnp.mean(per_example(outputs, y))
        return data_loss if penalty is None else data_loss + weight_penalty(params, penalty)

    return loss


def network_loss(
    spec: ModelSpec, loss_name: str, batch_statistics: bool = False
) -> Callable[[Weights, Any], Array]:
    """The one ``_network_loss`` for these arguments (see ``hessian.flat_loss``)."""
    return _network_loss(spec, loss_name, bool(batch_statistics))


@kernel_cache.builder
def _network_loss(
    spec: ModelSpec, loss_name: str, batch_statistics: bool
) -> Callable[[Weights, Any], Array]:
    """``loss(params, (batch_stats, x, y))``, one function per spec: evaluation mode, or
    with ``batch_statistics`` batch norm over the data passed in (see ``flat_loss``).
    ``data`` may carry a fourth entry, the ``[λ₁, λ₂]`` of a weight penalty to add."""
    per_example = LOSSES[loss_name].per_example

    def loss(params: Weights, data: Any) -> Array:
        batch_stats, x, y, *penalty = data
        outputs, _ = apply(spec, params, batch_stats, x, train=batch_statistics)
        data_loss = jnp.mean(per_example(outputs, y))
        return data_loss + weight_penalty(params, penalty[0]) if penalty else data_loss

    return loss
