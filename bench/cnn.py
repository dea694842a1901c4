"""A convolutional network's landscape and per-layer Hessian, against the naive ways.

* The landscape: a ResNet-style network (``models.ConvSpec``, ResNet-20's depth, 8
  channels) on the 8 × 8 digits, a 21 × 21 filter-normalized slice over 512 training
  samples, by the engine's one jitted call against the reference's way (Li et al.'s
  ``plot_surface.py``: a Python loop over grid points that writes the weights into a torch
  model and evaluates the data), timed on two grid rows and scaled to the grid.
* Why the engine's convolution is a product of 3 × 3 neighbourhoods (``models._convolve``):
  XLA's own convolution against it, in a training epoch's loop (21 steps of batch 64) and
  in a loop of Hessian-vector products, where XLA's convolution gradient ran slowly on a CPU.
* Per-layer Hessians (``hessian.per_block``): every layer's top eigenvalue and trace for
  a depth-8 network, and for a small MLP against the dense Hessian cut into blocks.
"""

import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from jax.tree_util import Partial

from bench.landscape import best_of
from descentlab.core.nets import hessian, landscape, models
from descentlab.core.nets.datasets import digits
from descentlab.core.nets.models import ConvSpec, MLPSpec, init_params, layer_blocks
from descentlab.core.nets.network_losses import flat_loss, network_loss

SPEC = ConvSpec((8, 8, 1), 8, 20, 10, True, "relu")
LAYERS_SPEC = ConvSpec((8, 8, 1), 8, 8, 10, True, "relu")  # the per-layer Hessian's
SAMPLES = 512  # training samples the slice's loss averages (the first of the digits)
RESOLUTION = 21
REFERENCE_ROWS = 2
REFERENCE_BATCH = 128


def torch_reference(
    params: dict[str, Any],
    d1: dict[str, Any],
    d2: dict[str, Any],
    coordinates: np.ndarray,
    data: tuple[np.ndarray, np.ndarray],
) -> tuple[float, np.ndarray]:
    """Seconds for the reference's loop over ``coordinates`` and the losses it found."""
    import torch

    def kernels(tree: dict[str, Any]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        out = []
        for layer in tree["layers"]:
            w = torch.tensor(np.asarray(layer["w"]))
            out.append(
                (w.permute(3, 2, 0, 1) if w.ndim == 4 else w, torch.tensor(np.asarray(layer["b"])))
            )
        return out

    def forward(layers: list[tuple[torch.Tensor, torch.Tensor]], x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(torch.nn.functional.conv2d(x, *layers[0], padding=1))
        for block in range(SPEC.blocks):
            first, second = layers[1 + 2 * block], layers[2 + 2 * block]
            inner = torch.relu(torch.nn.functional.conv2d(h, *first, padding=1))
            h = torch.relu(torch.nn.functional.conv2d(inner, *second, padding=1) + h)
        return h.mean(dim=(2, 3)) @ layers[-1][0] + layers[-1][1]

    weights, dx, dy = kernels(params), kernels(d1), kernels(d2)
    inputs = torch.tensor(data[0]).reshape(-1, 8, 8, 1).permute(0, 3, 1, 2).contiguous()
    targets = torch.tensor(data[1]).long()
    losses = []
    started = time.perf_counter()
    for alpha, beta in coordinates:
        moved = [
            tuple(
                w + float(alpha) * a + float(beta) * b for w, a, b in zip(lw, la, lb, strict=True)
            )
            for lw, la, lb in zip(weights, dx, dy, strict=True)
        ]
        total = 0.0
        with torch.no_grad():
            for start in range(0, len(inputs), REFERENCE_BATCH):
                x, y = (
                    inputs[start : start + REFERENCE_BATCH],
                    targets[start : start + REFERENCE_BATCH],
                )
                loss = torch.nn.functional.cross_entropy(forward(moved, x), y)  # type: ignore[arg-type]
                total += loss.item() * len(x)
        losses.append(total / len(inputs))
    return time.perf_counter() - started, np.asarray(losses)


def _xla_convolve(h: jax.Array, layer: dict[str, jax.Array]) -> jax.Array:
    out = jax.lax.conv_general_dilated(
        h, layer["w"], (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )
    return out + layer["b"][None, None, None, :]


def _loop_timings(params: Any, x: jax.Array, y: jax.Array) -> tuple[float, float]:
    """Seconds per training step (in a scan) and per HVP (in a map) with the current
    ``models._convolve``."""

    def loss(p: Any, xb: jax.Array, yb: jax.Array) -> jax.Array:
        out, _ = models.apply(SPEC, p, {}, xb, False)
        return jnp.mean(models.LOSSES["cross_entropy"].per_example(out, yb))

    batches = jnp.arange(21 * 64).reshape(21, 64) % x.shape[0]

    @jax.jit
    def epoch(p: Any) -> Any:
        def step(p: Any, index: jax.Array) -> tuple[Any, None]:
            grads = jax.grad(loss)(p, x[index], y[index])
            return jax.tree.map(lambda a, g: a - 0.01 * g, p, grads), None

        return jax.lax.scan(step, p, batches)[0]

    theta, unravel = ravel_pytree(params)

    @jax.jit
    def hvps(theta: jax.Array, vectors: jax.Array) -> jax.Array:
        gradient = jax.grad(lambda t: loss(unravel(t), x[:256], y[:256]))
        _, tangent = jax.linearize(gradient, theta)
        return jax.lax.map(tangent, vectors)

    vectors = jnp.ones((2, theta.size), theta.dtype)
    jax.block_until_ready(epoch(params))
    jax.block_until_ready(hvps(theta, vectors))
    step_s = best_of(lambda: jax.block_until_ready(epoch(params)), 2) / 21
    hvp_s = best_of(lambda: jax.block_until_ready(hvps(theta, vectors)), 2) / 2
    return step_s, hvp_s


def convolution_in_loops(x: jax.Array, y: jax.Array) -> dict[str, float]:
    """Both convolutions' training step and HVP, in the loops the engine runs them in."""
    params = init_params(SPEC, jax.random.key(0))
    figures: dict[str, float] = {}
    engine_convolve = models._convolve
    try:
        for name, convolve in (("engine", engine_convolve), ("xla", _xla_convolve)):
            models._convolve = convolve
            figures[f"{name}_step_s"], figures[f"{name}_hvp_s"] = _loop_timings(params, x, y)
    finally:
        models._convolve = engine_convolve
    return figures


def per_layer_figures(x: jax.Array, y: jax.Array) -> dict[str, Any]:
    """The CNN's per-layer Hessian, and a small MLP's against its dense Hessian's blocks."""
    params = init_params(LAYERS_SPEC, jax.random.key(0))
    theta, _ = ravel_pytree(params)
    bound = Partial(flat_loss(LAYERS_SPEC, "cross_entropy"), {}, x[:SAMPLES], y[:SAMPLES])
    blocks = layer_blocks(LAYERS_SPEC)
    run = lambda: hessian.per_block(bound, theta, blocks, 24, 8)  # noqa: E731
    run()
    cnn_s = best_of(run, 1)
    mlp = MLPSpec(64, (24, 24), 10, "tanh")
    mlp_theta, _ = ravel_pytree(init_params(mlp, jax.random.key(0)))
    mlp_bound = Partial(flat_loss(mlp, "cross_entropy"), {}, x[:512], y[:512])
    mlp_blocks = layer_blocks(mlp)
    exact = lambda: hessian.per_block(mlp_bound, mlp_theta, mlp_blocks, 64, 8)  # noqa: E731

    def dense() -> list[float]:
        matrix = hessian.dense_hessian(mlp_bound, mlp_theta)
        return [
            float(np.linalg.eigvalsh(matrix[s : s + n, s : s + n])[-1]) for _, s, n in mlp_blocks
        ]

    exact()
    dense()
    ours = [b.top_eigenvalue for b in exact()]
    return {
        "cnn_layers": len(blocks),
        "cnn_parameters": int(theta.size),
        "cnn_per_layer_s": cnn_s,
        "mlp_parameters": int(mlp_theta.size),
        "mlp_per_layer_s": best_of(exact, 3),
        "mlp_dense_blocks_s": best_of(dense, 2),
        "mlp_top_agreement": float(np.max(np.abs(np.asarray(ours) - np.asarray(dense())))),
    }


def run() -> dict[str, Any]:
    """Figures for docs/BENCHMARKS.md (about a minute on a two-core CPU)."""
    data = digits()
    x_train, y_train = data.x_train[:SAMPLES], data.y_train[:SAMPLES]
    x, labels = jnp.asarray(x_train), jnp.asarray(y_train)
    params = init_params(SPEC, jax.random.key(1))
    d1 = landscape.random_direction(params, jax.random.key(2))
    d2 = landscape.random_direction(params, jax.random.key(3))
    axis = np.linspace(-1.0, 1.0, RESOLUTION)
    loss = network_loss(SPEC, "cross_entropy")

    def engine() -> landscape.Slice2D:
        return landscape.slice_2d(loss, params, d1, d2, axis, axis, ({}, x, labels))

    cold = best_of(engine, 1)
    warm = best_of(engine, 2)
    result = engine()
    rows = np.stack(np.meshgrid(axis, axis[:REFERENCE_ROWS]), axis=-1).reshape(-1, 2)
    torch_reference(params, d1, d2, rows[:2], (x_train, y_train))  # warm up
    seconds, losses = torch_reference(params, d1, d2, rows, (x_train, y_train))
    reference = seconds / len(rows) * RESOLUTION**2
    ours = np.asarray(result["z"][:REFERENCE_ROWS]).reshape(-1)
    agreement = float(np.max(np.abs(losses - ours) / np.maximum(np.abs(ours), 1e-12)))
    return {
        "network": f"ResNet-style, depth {SPEC.depth}, {SPEC.channels} channels",
        "layers_network": f"depth {LAYERS_SPEC.depth}, {LAYERS_SPEC.channels} channels",
        "parameters": models.count_params(SPEC),
        "samples": int(x.shape[0]),
        "grid": f"{RESOLUTION}×{RESOLUTION}",
        "engine_cold_s": cold,
        "engine_warm_s": warm,
        "reference_s": reference,
        "speedup_vs_reference": reference / warm,
        "max_relative_difference_vs_torch": agreement,
        **convolution_in_loops(x, labels),
        **per_layer_figures(x, labels),
    }


if __name__ == "__main__":
    from descentlab.core import use_engine_precision

    use_engine_precision()
    for name, value in run().items():
        print(f"{name}: {value}")
