"""The ResNet-style convolutional networks against PyTorch: outputs, loss and gradients of
the same weights on the same digits, with and without skip connections."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from jax.flatten_util import ravel_pytree

from descentlab.core.nets.datasets import digits
from descentlab.core.nets.models import (
    LOSSES,
    ConvSpec,
    activations,
    apply,
    count_params,
    init_params,
    layer_names,
    multiply_adds,
)

TORCH_ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh}


def _torch_forward(
    spec: ConvSpec, layers: list[dict[str, torch.Tensor]], x: torch.Tensor
) -> torch.Tensor:
    """The same network written with torch's own convolution (NCHW, OIHW kernels)."""
    act = TORCH_ACTIVATIONS[spec.activation]
    height, width, channels = spec.image_shape
    images = x.reshape(-1, height, width, channels).permute(0, 3, 1, 2)

    def conv(h: torch.Tensor, layer: dict[str, torch.Tensor]) -> torch.Tensor:
        kernel = layer["w"].permute(3, 2, 0, 1)  # HWIO → OIHW
        return torch.nn.functional.conv2d(h, kernel, layer["b"], padding=1)

    h = act(conv(images, layers[0]))
    for block in range(spec.blocks):
        residual = conv(act(conv(h, layers[1 + 2 * block])), layers[2 + 2 * block])
        h = act(residual + h) if spec.skip_connections else act(residual)
    pooled = h.mean(dim=(2, 3))
    return pooled @ layers[-1]["w"] + layers[-1]["b"]


@pytest.mark.parametrize(
    ("skip", "activation", "depth"), [(True, "relu", 6), (False, "relu", 6), (True, "tanh", 4)]
)
def test_outputs_loss_and_gradients_match_pytorch(skip: bool, activation: str, depth: int) -> None:
    data = digits()
    x, y = data.x_train[:40], data.y_train[:40]
    spec = ConvSpec((8, 8, 1), 3, depth, 10, skip, activation)  # type: ignore[arg-type]
    params = jax.tree.map(lambda a: a.astype(jnp.float64), init_params(spec, jax.random.key(1)))
    # Non-zero biases, so that their place in the computation is checked too.
    params = jax.tree.map(lambda a: a + 0.05 if a.ndim == 1 else a, params)

    def loss(p: object) -> jax.Array:
        outputs, _ = apply(spec, p, {}, jnp.asarray(x, jnp.float64), False)  # type: ignore[arg-type]
        return jnp.mean(LOSSES["cross_entropy"].per_example(outputs, jnp.asarray(y)))

    value, grads = jax.value_and_grad(loss)(params)
    layers = [
        {k: torch.tensor(np.asarray(v), requires_grad=True) for k, v in layer.items()}
        for layer in params["layers"]
    ]
    logits = _torch_forward(spec, layers, torch.tensor(x, dtype=torch.float64))
    reference = torch.nn.functional.cross_entropy(logits, torch.tensor(y, dtype=torch.long))
    reference.backward()
    outputs, _ = apply(spec, params, {}, jnp.asarray(x, jnp.float64), False)
    np.testing.assert_allclose(outputs, logits.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert float(value) == pytest.approx(reference.item(), rel=1e-12)
    for ours, theirs in zip(grads["layers"], layers, strict=True):
        for name in ("w", "b"):
            np.testing.assert_allclose(ours[name], theirs[name].grad.numpy(), rtol=1e-9, atol=1e-12)


def test_skips_change_the_function_not_the_parameters() -> None:
    with_skips, without = ConvSpec((8, 8, 1), 4, 8, 10, True), ConvSpec((8, 8, 1), 4, 8, 10, False)
    a, b = init_params(with_skips, jax.random.key(0)), init_params(without, jax.random.key(0))
    assert jax.tree.all(jax.tree.map(lambda u, v: bool(jnp.array_equal(u, v)), a, b))
    x = jnp.asarray(digits().x_train[:8])
    assert not np.allclose(
        apply(with_skips, a, {}, x, False)[0], apply(without, a, {}, x, False)[0]
    )


def test_sizes_and_names() -> None:
    spec = ConvSpec((8, 8, 1), 8, 20, 10)  # ResNet-20's depth: stem, 9 blocks of 2, dense
    params = init_params(spec, jax.random.key(0))
    assert len(params["layers"]) == 20 == len(layer_names(spec))
    assert (
        count_params(spec)
        == ravel_pytree(params)[0].size
        == (9 * 8 + 8) + 18 * (9 * 64 + 8) + (8 * 10 + 10)
    )
    assert layer_names(spec)[:3] == ("stem conv", "block 1 conv 1", "block 1 conv 2")
    # Each convolution weight works at all 64 pixels: that, not the count, sets the cost.
    assert multiply_adds(spec) == 64 * (9 * 8 + 18 * 9 * 64) + 8 * 10
    assert activations(spec) > 64 * 8 * 19
    with pytest.raises(ValueError, match="even"):
        ConvSpec((8, 8, 1), 8, 7, 10)
