"""Session-wide JAX settings for the test suite.

Rank promotion is made an error so that an accidental broadcast of a ``(2,)`` point
against a ``(runs, 2)`` batch (or similar) fails loudly instead of silently computing the
wrong thing. The engine and optax run cleanly under it.

``jax_numpy_dtype_promotion="strict"`` is deliberately NOT set: optax itself breaks under
it (``optax.tree_utils.tree_bias_correction`` raises a ``TypePromotionError`` mixing its
int32 step ``count`` with the float64 decay, so every Adam-family optimizer and every
sweep fails inside optax, not in our code).

Network kernels are never cleared by their generations here (see ``kept_network_kernels``).
"""

import sys
from collections.abc import Iterator

import jax
import pytest

from descentlab.core import use_engine_precision
from descentlab.core.nets import kernel_cache

use_engine_precision()  # float64, before any test builds an array
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture(autouse=True, scope="session")
def kept_network_kernels() -> Iterator[None]:
    """Lift the network kernels' capacity for the whole suite: a generation ending between
    two calls of a test that checks the second compiles nothing would fail it, depending
    only on how many shapes earlier tests compiled. tests/unit/nets/test_kernel_cache.py
    sets a small capacity itself."""
    capacity = kernel_cache.KERNELS.capacity
    kernel_cache.KERNELS.capacity = sys.maxsize
    yield
    kernel_cache.KERNELS.capacity = capacity
