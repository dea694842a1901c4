"""The pure JAX engine: surfaces, optimizers, schedules, trajectories, analysis.

Nothing in here imports FastAPI or pydantic. See README.md beside this file for where
the jit boundary is and why.
"""

import jax

# 2-D lessons must be exact to the last digit (Rosenbrock's valley floor, Hessians at
# saddles), so the engine computes in float64. Network code opts into float32 explicitly.
jax.config.update("jax_enable_x64", True)

# On a GPU, XLA's default float32 matrix product rounds its inputs to TF32 (10-bit
# mantissa), about 1e-3 relative error: a network's loss would no longer match PyTorch's
# (which keeps full float32 by default) or the model's own evaluation. Full float32 costs
# speed only on a GPU, where network work is still hundreds of times faster than the
# reference's way (docs/BENCHMARKS.md); on a CPU it changes nothing.
jax.config.update("jax_default_matmul_precision", "highest")
