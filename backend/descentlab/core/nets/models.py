"""Multi-layer perceptrons as plain pytrees, and the losses the lessons compare.

A model is an ``MLPSpec`` (static: hashable, a jit argument) plus ``Weights`` (a pytree of
float32 arrays). Nothing is a class with hidden state, so ``jax.grad``, ``ravel_pytree``,
Hessian-vector products and landscape slices all work on the same dictionaries.

Batch normalization (Ioffe & Szegedy 2015) follows each hidden layer's affine map and
precedes its activation. In training mode it normalizes with the batch's own mean and
(biased) variance and moves the running averages toward them,
``running ← m·running + (1 − m)·batch`` with momentum m = 0.9 by default; in evaluation
mode it uses the running averages. The layer's bias ``b`` is kept under batch norm so
that every layer has the same keys: in training mode the normalization cancels it (its
gradient is zero), in evaluation mode it shifts the output as usual.
"""

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Literal, TypeAlias

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from descentlab.core.nets import kernel_cache

Activation = Literal["relu", "tanh", "gelu", "sigmoid", "elu"]
LossName = Literal["cross_entropy", "softmax_mse", "mse"]  # the keys of LOSSES
Task = Literal["classification", "regression"]
Weights: TypeAlias = dict[str, list[dict[str, Array]]]  # {"layers": [{"w", "b", ...}, ...]}
BatchStats: TypeAlias = dict[str, list[Array]]  # {"mean": [...], "var": [...]}, per BN layer

BN_EPS = 1e-5
BN_MOMENTUM = 0.9

ACTIVATIONS: Mapping[str, Callable[[Array], Array]] = {
    "relu": jax.nn.relu,
    "tanh": jnp.tanh,
    "gelu": partial(jax.nn.gelu, approximate=False),
    "sigmoid": jax.nn.sigmoid,
    "elu": jax.nn.elu,
}
# He et al. 2015 for the rectifier family, Glorot & Bengio 2010 for the saturating ones.
_HE_INIT = frozenset({"relu", "gelu", "elu"})


@dataclass(frozen=True)
class MLPSpec:
    """The shape of a network. ``widths=()`` is a linear model (inputs straight to outputs)."""

    input_dim: int
    widths: tuple[int, ...]
    output_dim: int
    activation: Activation = "relu"
    batch_norm: bool = False

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.input_dim, *self.widths, self.output_dim)


def _init_std(activation: str, fan_in: int, fan_out: int, hidden: bool) -> float:
    if hidden and activation in _HE_INIT:
        return float((2.0 / fan_in) ** 0.5)
    return float((2.0 / (fan_in + fan_out)) ** 0.5)


@kernel_cache.jit(static_argnames="spec")
def init_params(spec: MLPSpec, key: Array) -> Weights:
    """Gaussian weights scaled for the activation (He or Glorot), zero biases, BN γ=1, β=0."""
    sizes = spec.sizes
    shapes = list(itertools.pairwise(sizes))
    # One draw for every weight, cut into layers: a single random kernel compiles much
    # faster than one per layer, and init compiles once per model shape.
    normal = jax.random.normal(key, (sum(a * b for a, b in shapes),), dtype=jnp.float32)
    offsets = np.cumsum([0, *(a * b for a, b in shapes)])
    layers = []
    for i, (fan_in, fan_out) in enumerate(shapes):
        hidden = i < len(spec.widths)
        std = _init_std(spec.activation, fan_in, fan_out, hidden)
        weights = normal[offsets[i] : offsets[i + 1]].reshape(fan_in, fan_out)
        layer = {"w": std * weights, "b": jnp.zeros(fan_out, dtype=jnp.float32)}
        if hidden and spec.batch_norm:
            layer["scale"] = jnp.ones(fan_out, dtype=jnp.float32)
            layer["bias"] = jnp.zeros(fan_out, dtype=jnp.float32)
        layers.append(layer)
    return {"layers": layers}


def init_batch_stats(spec: MLPSpec) -> BatchStats:
    """Running mean 0 and variance 1 per BN layer (empty lists without batch norm)."""
    widths = spec.widths if spec.batch_norm else ()
    return {
        "mean": [jnp.zeros(w, dtype=jnp.float32) for w in widths],
        "var": [jnp.ones(w, dtype=jnp.float32) for w in widths],
    }


def count_params(spec: MLPSpec) -> int:
    """Number of trainable scalars (weights, biases, BN scale and shift)."""
    sizes = spec.sizes
    total = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    return total + (2 * sum(spec.widths) if spec.batch_norm else 0)


def _masked_moments(h: Array, mask: Array | None) -> tuple[Array, Array]:
    """Per-feature mean and biased variance over the batch, ignoring padded rows."""
    if mask is None:
        return jnp.mean(h, axis=0), jnp.var(h, axis=0)
    weights = mask.astype(h.dtype)[:, None]
    count = jnp.maximum(jnp.sum(weights), 1.0)
    mean = jnp.sum(weights * h, axis=0) / count
    var = jnp.sum(weights * jnp.square(h - mean[None, :]), axis=0) / count
    return mean, var


def apply(
    spec: MLPSpec,
    params: Weights,
    batch_stats: BatchStats,
    x: Array,
    train: bool,
    momentum: float | Array = BN_MOMENTUM,
    mask: Array | None = None,
) -> tuple[Array, BatchStats]:
    """Outputs ``(n, output_dim)`` and the batch stats after this call.

    ``train`` is a Python bool (it changes the computation). In training mode with batch
    norm, ``mask`` (``(n,)`` bool) marks the real rows of a padded batch, so padding
    never moves the statistics. Without batch norm, and in evaluation mode, the stats
    come back unchanged.
    """
    activation = ACTIVATIONS[spec.activation]
    layers = params["layers"]
    means, variances = [], []
    h = x
    for i, layer in enumerate(layers):
        h = h @ layer["w"] + layer["b"][None, :]
        if i == len(layers) - 1:
            break
        if spec.batch_norm:
            if train:
                mean, var = _masked_moments(h, mask)
                means.append(momentum * batch_stats["mean"][i] + (1.0 - momentum) * mean)
                variances.append(momentum * batch_stats["var"][i] + (1.0 - momentum) * var)
            else:
                mean, var = batch_stats["mean"][i], batch_stats["var"][i]
            h = (h - mean[None, :]) * jax.lax.rsqrt(var + BN_EPS)[None, :]
            h = h * layer["scale"][None, :] + layer["bias"][None, :]
        h = activation(h)
    if spec.batch_norm and train:
        return h, {"mean": means, "var": variances}
    return h, batch_stats


# Losses. Each per-example loss maps (outputs (n, k), targets (n,)) to (n,); the public
# functions are their means. Labels are int class indices; one-hot vectors are built here.


def _cross_entropy(logits: Array, labels: Array) -> Array:
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.take_along_axis(log_probs, labels[:, None].astype(jnp.int32), axis=-1)[:, 0]


def _softmax_mse(logits: Array, labels: Array) -> Array:
    one_hot = jax.nn.one_hot(labels, logits.shape[-1], dtype=logits.dtype)
    return jnp.sum(jnp.square(one_hot - jax.nn.softmax(logits, axis=-1)), axis=-1)


def _mse(outputs: Array, targets: Array) -> Array:
    return jnp.mean(jnp.square(outputs - targets.reshape(outputs.shape)), axis=-1)


def cross_entropy(logits: Array, labels: Array) -> Array:
    """Mean of −ln softmax(y)[label], via log-softmax so large logits never overflow."""
    return jnp.mean(_cross_entropy(logits, labels))


def softmax_mse(logits: Array, labels: Array, n_classes: int) -> Array:
    """Mean over samples of Σᵢ(ŷᵢ − yᵢ′)², ŷ one-hot, y′ = softmax(logits): the lecture's MSE.

    Its gradient vanishes where the softmax saturates, also when it saturates on the wrong
    class: the plateau that makes MSE training stall.
    """
    if logits.shape[-1] != n_classes:
        raise ValueError(f"logits have {logits.shape[-1]} classes, expected {n_classes}")
    return jnp.mean(_softmax_mse(logits, labels))


def mse(outputs: Array, targets: Array) -> Array:
    """Mean squared error for regression; targets ``(n,)`` match outputs ``(n, 1)``."""
    return jnp.mean(_mse(outputs, targets))


def accuracy(logits: Array, labels: Array) -> Array:
    """Share of samples whose largest logit is the label."""
    return jnp.mean((jnp.argmax(logits, axis=-1) == labels).astype(jnp.float32))


@dataclass(frozen=True)
class Loss:
    """A loss by name: per-example values ``(n,)`` and the task it fits."""

    name: LossName
    title: str
    task: Task
    per_example: Callable[[Array, Array], Array]


LOSSES: Mapping[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("cross_entropy", "Cross-entropy (softmax)", "classification", _cross_entropy),
        Loss("softmax_mse", "MSE on softmax outputs", "classification", _softmax_mse),
        Loss("mse", "Mean squared error", "regression", _mse),
    )
}
