"""Session-wide JAX settings for the test suite.

Rank promotion is made an error so that an accidental broadcast of a ``(2,)`` point
against a ``(runs, 2)`` batch (or similar) fails loudly instead of silently computing the
wrong thing. The engine and optax run cleanly under it.

``jax_numpy_dtype_promotion="strict"`` is deliberately NOT set: optax itself breaks under
it (``optax.tree_utils.tree_bias_correction`` raises a ``TypePromotionError`` mixing its
int32 step ``count`` with the float64 decay, so every Adam-family optimizer and every
sweep fails inside optax, not in our code).
"""

import jax

import descentlab.core  # noqa: F401  (turns on float64 before any test builds an array)

jax.config.update("jax_numpy_rank_promotion", "raise")
