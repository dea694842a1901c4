"""The pure JAX engine: surfaces, optimizers, schedules, trajectories, analysis.

Nothing in here imports FastAPI or pydantic. See README.md beside this file for where
the jit boundary is and why.
"""

import jax

# 2-D lessons must be exact to the last digit (Rosenbrock's valley floor, Hessians at
# saddles), so the engine computes in float64. Network code opts into float32 explicitly.
jax.config.update("jax_enable_x64", True)
