"""The pure JAX engine: surfaces, optimizers, schedules, trajectories, analysis.

Nothing in here imports FastAPI or pydantic, and importing it changes no JAX setting:
``use_engine_precision()`` (``precision.py``) switches JAX to the engine's float64. See
README.md beside this file for where the jit boundary is and why.
"""

from descentlab.core.precision import require_engine_precision, use_engine_precision

__all__ = ["require_engine_precision", "use_engine_precision"]
