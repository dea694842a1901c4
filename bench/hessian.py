"""Hessian speed targets (issue 4), warm, best of a few, against the naive way.

Full spectrum of a ~700-parameter MLP (target ≤ 0.3 s): the engine's batched HVPs of one
``jax.linearize`` vs ``jax.hessian`` (the naive dense Hessian), both followed by ``eigh``.
Top eigenvalue of a 25,000-parameter MLP (target ≤ 1 s): Lanczos (a dense Hessian would
hold 25,000² numbers, so there is no naive row for it).
"""

import functools
import itertools
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.tree_util import Partial

from descentlab.core.nets import hessian


def _theta(sizes: tuple[int, ...], dtype: type, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        parts += [
            rng.normal(size=fan_in * fan_out) / np.sqrt(fan_in),
            0.1 * rng.normal(size=fan_out),
        ]
    return np.concatenate(parts).astype(dtype)


def mlp_loss(sizes: tuple[int, ...], x: Array, y: Array, theta: Array) -> Array:
    """Mean cross-entropy of a tanh MLP whose parameters are one flat vector."""
    hidden, at = x, 0
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        w = theta[at : at + fan_in * fan_out].reshape(fan_in, fan_out)
        at += fan_in * fan_out
        b = theta[at : at + fan_out]
        at += fan_out
        hidden = hidden @ w + b[None, :]
        if i < len(sizes) - 2:
            hidden = jnp.tanh(hidden)
    picked = jnp.take_along_axis(jax.nn.log_softmax(hidden), y[:, None], axis=1)
    return -jnp.mean(picked)


def _problem(sizes: tuple[int, ...], samples: int, dtype: type) -> tuple[Partial, np.ndarray]:
    rng = np.random.default_rng(1)
    x = jnp.asarray(rng.normal(size=(samples, sizes[0])), dtype)
    y = jnp.asarray(rng.integers(0, sizes[-1], size=samples))
    return Partial(functools.partial(mlp_loss, sizes), x, y), _theta(sizes, dtype)


def _best(call: Callable[[], Any], repeats: int = 5) -> float:
    call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times)


def run() -> dict[str, Any]:
    small = (2, 24, 24, 3)
    loss, theta = _problem(small, 200, np.float64)
    naive_hessian = jax.jit(jax.hessian(loss))
    full = _best(lambda: hessian.full_spectrum(loss, theta))
    naive = _best(lambda: np.linalg.eigvalsh(np.asarray(naive_hessian(jnp.asarray(theta)))), 3)
    big = (2, 64, 128, 128, 3)
    big_loss, big_theta = _problem(big, 1000, np.float32)
    key = jax.random.key(1)
    top = _best(lambda: hessian.top_eigenvalues(big_loss, big_theta, 1, 32, key))
    return {
        "small_parameters": int(theta.size),
        "full_spectrum_s": full,
        "naive_full_spectrum_s": naive,
        "big_parameters": int(big_theta.size),
        "top_eigenvalue_s": top,
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
