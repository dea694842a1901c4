"""Multi-layer perceptrons and small convolutional networks as plain pytrees, and the
losses the lessons compare.

A model is a ``ModelSpec`` (an ``MLPSpec`` or a ``ConvSpec``; static: hashable, a jit
argument) plus ``Weights`` (a pytree of float32 arrays, one dict per weight layer).
Nothing is a class with hidden state, so ``jax.grad``, ``ravel_pytree``,
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


@dataclass(frozen=True)
class ConvSpec:
    """A ResNet-style convolutional network for small images, with or without its skips.

    A 3 × 3 stem convolution to ``channels`` channels, then ``(depth − 2) / 2`` blocks of
    two 3 × 3 convolutions at the image's resolution and that width; a block maps h to
    act(conv₂(act(conv₁(h))) + h) with skip connections and to act(conv₂(act(conv₁(h))))
    without (Li et al. 2018's "noshort" networks); then global average pooling and one dense
    layer. ``depth`` counts the weight layers, as ResNet-20 does. Both variants have the same
    parameters, so the same weights and directions fit either.
    """

    image_shape: tuple[int, int, int]  # (height, width, channels) of the input rows
    channels: int
    depth: int
    output_dim: int
    skip_connections: bool = True
    activation: Activation = "relu"

    def __post_init__(self) -> None:
        if self.depth < 4 or self.depth % 2:
            raise ValueError(
                f"depth must be even and at least 4 (the stem, two per block, the dense "
                f"layer), got {self.depth}"
            )

    batch_norm = False  # not offered: kept so that code reading ``spec.batch_norm`` works

    @property
    def blocks(self) -> int:
        return (self.depth - 2) // 2

    @property
    def input_dim(self) -> int:
        height, width, channels = self.image_shape
        return height * width * channels

    @property
    def kernel_shapes(self) -> tuple[tuple[int, ...], ...]:
        """Every weight layer's kernel: 3 × 3 × in × out convolutions, then the dense one."""
        c = self.channels
        stem = (3, 3, self.image_shape[2], c)
        return (stem, *[(3, 3, c, c)] * (2 * self.blocks), (c, self.output_dim))

    @property
    def multiply_adds(self) -> int:
        """Multiply-adds of one sample's forward pass: each convolution weight is used at
        every pixel (what sets the cost, where an MLP's parameters do)."""
        height, width, _ = self.image_shape
        convolutions = sum(int(np.prod(shape)) for shape in self.kernel_shapes[:-1])
        return height * width * convolutions + self.channels * self.output_dim

    @property
    def activations(self) -> int:
        """Values one sample's forward pass holds per layer: each convolution's input and
        output at every pixel (XLA builds the 3 × 3 neighbourhoods of ``_convolve`` as it
        multiplies; measured peaks stay within the estimates built on this count)."""
        height, width, _ = self.image_shape
        per_pixel = sum(shape[2] + shape[3] for shape in self.kernel_shapes[:-1])
        return height * width * per_pixel + self.output_dim


ModelSpec: TypeAlias = MLPSpec | ConvSpec


def multiply_adds(spec: ModelSpec) -> int:
    """One sample's forward pass in multiply-adds: an MLP's weights are each used once."""
    if isinstance(spec, ConvSpec):
        return spec.multiply_adds
    return sum(a * b for a, b in itertools.pairwise(spec.sizes))


def activations(spec: ModelSpec) -> int:
    """Activations per sample: hidden units and outputs (an image's every pixel per layer)."""
    if isinstance(spec, ConvSpec):
        return spec.activations
    return sum(spec.widths) + spec.output_dim


def layer_names(spec: ModelSpec) -> tuple[str, ...]:
    """A name per weight layer (per entry of ``params["layers"]``), as the lab shows them."""
    if isinstance(spec, ConvSpec):
        blocks = [f"block {b + 1} conv {i + 1}" for b in range(spec.blocks) for i in range(2)]
        return ("stem conv", *blocks, "dense")
    sizes = spec.sizes
    return tuple(f"layer {i + 1} ({a} → {b})" for i, (a, b) in enumerate(itertools.pairwise(sizes)))


def _init_std(activation: str, fan_in: int, fan_out: int, hidden: bool) -> float:
    if hidden and activation in _HE_INIT:
        return float((2.0 / fan_in) ** 0.5)
    return float((2.0 / (fan_in + fan_out)) ** 0.5)


def _init_conv(spec: ConvSpec, key: Array) -> Weights:
    """He-scaled Gaussian kernels (fan-in: 3 × 3 × in), Glorot for the dense layer, zero
    biases; one draw cut into layers, as for an MLP."""
    shapes = spec.kernel_shapes
    sizes = [int(np.prod(shape)) for shape in shapes]
    normal = jax.random.normal(key, (sum(sizes),), dtype=jnp.float32)
    offsets = np.cumsum([0, *sizes])
    layers = []
    for i, shape in enumerate(shapes):
        fan_in, fan_out = int(np.prod(shape[:-1])), shape[-1]
        std = _init_std(spec.activation, fan_in, fan_out, hidden=i < len(shapes) - 1)
        weights = normal[offsets[i] : offsets[i + 1]].reshape(shape)
        layers.append({"w": std * weights, "b": jnp.zeros(fan_out, dtype=jnp.float32)})
    return {"layers": layers}


@kernel_cache.jit(static_argnames="spec")
def init_params(spec: ModelSpec, key: Array) -> Weights:
    """Gaussian weights scaled for the activation (He or Glorot), zero biases, BN γ=1, β=0."""
    if isinstance(spec, ConvSpec):
        return _init_conv(spec, key)
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


def init_batch_stats(spec: ModelSpec) -> BatchStats:
    """Running mean 0 and variance 1 per BN layer (empty lists without batch norm)."""
    widths = spec.widths if isinstance(spec, MLPSpec) and spec.batch_norm else ()
    return {
        "mean": [jnp.zeros(w, dtype=jnp.float32) for w in widths],
        "var": [jnp.ones(w, dtype=jnp.float32) for w in widths],
    }


def count_params(spec: ModelSpec) -> int:
    """Number of trainable scalars (weights, biases, BN scale and shift)."""
    if isinstance(spec, ConvSpec):
        return sum(int(np.prod(shape)) + shape[-1] for shape in spec.kernel_shapes)
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


def _convolve(h: Array, layer: dict[str, Array]) -> Array:
    """A 3 × 3 convolution, stride 1, zero padding that keeps the size ("same"), plus bias.

    Computed as one matrix product of each pixel's 3 × 3 neighbourhood ("im2col") with the
    kernel, not by XLA's convolution: on a CPU, a convolution's gradient inside a loop (a
    training epoch's scan, Lanczos, the landscape's chunks) ran 6-8 times slower than this
    (``bench/cnn_kernels.py``), and products differentiate to products again.
    """
    _, height, width, channels = h.shape
    padded = jnp.pad(h, ((0, 0), (1, 1), (1, 1), (0, 0)))
    patches = jnp.concatenate(
        [padded[:, i : i + height, j : j + width, :] for i in range(3) for j in range(3)],
        axis=-1,
    )
    return patches @ layer["w"].reshape(9 * channels, -1) + layer["b"][None, None, None, :]


def _apply_conv(spec: ConvSpec, params: Weights, x: Array) -> Array:
    activation = ACTIVATIONS[spec.activation]
    layers = params["layers"]
    h = activation(_convolve(x.reshape(x.shape[0], *spec.image_shape), layers[0]))

    def block(h: Array, pair: tuple[dict[str, Array], dict[str, Array]]) -> tuple[Array, None]:
        first, second = pair
        residual = _convolve(activation(_convolve(h, first)), second)
        return activation(residual + h if spec.skip_connections else residual), None

    # The blocks have one shape: a loop over them compiles one block, not ``blocks`` copies
    # (a depth-20 network's training epoch compiled in 8 s unrolled).
    if spec.blocks:
        pairs = [(layers[1 + 2 * b], layers[2 + 2 * b]) for b in range(spec.blocks)]
        stacked = jax.tree.map(lambda *leaves: jnp.stack(leaves), *pairs)
        h, _ = jax.lax.scan(block, h, stacked)
    pooled = jnp.mean(h, axis=(1, 2))
    return pooled @ layers[-1]["w"] + layers[-1]["b"][None, :]


def apply(
    spec: ModelSpec,
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
    come back unchanged. A ``ConvSpec`` reads each row of ``x`` as an image.
    """
    if isinstance(spec, ConvSpec):
        return _apply_conv(spec, params, x), batch_stats
    outputs, stats = _apply_mlp(spec, params, batch_stats, x, train, momentum, mask)
    return outputs[-1], stats


def layer_outputs(spec: MLPSpec, params: Weights, batch_stats: BatchStats, x: Array) -> list[Array]:
    """Each layer's output in evaluation mode, ``(n, width)``: the hidden layers' activations,
    then the network's outputs (what the network diagram draws, unit by unit)."""
    return _apply_mlp(spec, params, batch_stats, x, False, BN_MOMENTUM, None)[0]


def _apply_mlp(
    spec: MLPSpec,
    params: Weights,
    batch_stats: BatchStats,
    x: Array,
    train: bool,
    momentum: float | Array,
    mask: Array | None,
) -> tuple[list[Array], BatchStats]:
    activation = ACTIVATIONS[spec.activation]
    layers = params["layers"]
    means, variances = [], []
    outputs = []
    h = x
    for i, layer in enumerate(layers):
        h = h @ layer["w"] + layer["b"][None, :]
        if i == len(layers) - 1:
            outputs.append(h)
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
        outputs.append(h)
    if spec.batch_norm and train:
        return outputs, {"mean": means, "var": variances}
    return outputs, batch_stats


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


# Weight penalties (TensorFlow Playground's L1 / L2): on every weight matrix or kernel
# ("w"), never on biases or batch-norm shifts and scales, as Keras' kernel regularizers.
Regularization = Literal["none", "l1", "l2"]


def penalty_rates(regularization: Regularization, rate: float) -> np.ndarray:
    """``[λ₁, λ₂]`` for ``weight_penalty``: the chosen kind's rate, zero for the other.

    Traced as data, so switching between none, L1 and L2 or changing the rate compiles
    nothing."""
    return np.array(
        [rate if regularization == "l1" else 0.0, rate if regularization == "l2" else 0.0],
        dtype=np.float32,
    )


def weight_penalty(params: Weights, rates: Array) -> Array:
    """λ₁·Σ|w| + λ₂/2·Σw² over the weights: the L2 term's gradient is λ₂·w, so λ₂ is
    PyTorch's ``weight_decay`` for plain SGD; the L1 term's is λ₁·sign(w)."""
    absolute = sum(jnp.sum(jnp.abs(layer["w"])) for layer in params["layers"])
    squared = sum(jnp.sum(jnp.square(layer["w"])) for layer in params["layers"])
    return rates[0] * absolute + 0.5 * rates[1] * squared


def layer_blocks(spec: ModelSpec) -> list[tuple[str, int, int]]:
    """Each weight layer's (name, start, size) in ``ravel_pytree(params)``: a layer's
    leaves (weights, bias, batch-norm scale and shift) are one contiguous run there."""
    template = jax.eval_shape(partial(init_params, spec), jax.random.key(0))
    blocks, start = [], 0
    for name, layer in zip(layer_names(spec), template["layers"], strict=True):
        size = sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(layer))
        blocks.append((name, start, size))
        start += size
    return blocks
