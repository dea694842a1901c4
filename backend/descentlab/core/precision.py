"""The engine's numeric precision, switched on by whoever runs the engine, not by an import.

2-D lessons must be exact to the last digit (Rosenbrock's valley floor, Hessians at
saddles), so the engine computes in float64; network code opts into float32 explicitly.
On a GPU, XLA's default float32 matrix product rounds its inputs to TF32 (10-bit mantissa,
about 1e-3 relative error): a network's loss would no longer match PyTorch's (which keeps
full float32) or the model's own evaluation, so matrix products run at full precision.
Full float32 costs speed only on a GPU, where network work is still hundreds of times
faster than the reference's way (docs/BENCHMARKS.md); on a CPU it changes nothing.

Both are settings of the whole JAX process, which is why importing ``descentlab`` leaves
them alone: the server, the CLI, the notebook figures and the tests call
``use_engine_precision()``; the engine's entry points call ``require_engine_precision()``
and refuse to compute silently in float32. JAX's persistent compilation cache is another
such setting (``enable_compilation_cache``: web processes and workers alike).
"""

from pathlib import Path

import jax


def use_engine_precision() -> None:
    """Switch this process's JAX to float64 and full-precision matrix products (global,
    idempotent): call it before any engine work, as ``descentlab serve`` does."""
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_default_matmul_precision", "highest")


def require_engine_precision() -> None:
    """Raise RuntimeError unless ``use_engine_precision()`` is in force."""
    if not jax.config.read("jax_enable_x64"):
        raise RuntimeError(
            "the engine computes in float64: call descentlab.core.use_engine_precision() "
            "first (it switches this process's JAX to float64 and full-precision matmuls)"
        )


def enable_compilation_cache(directory: str, max_bytes: int) -> None:
    """Every program is kept (small ones too), within ``max_bytes`` on disk (LRU)."""
    if not directory:
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", directory)
    jax.config.update("jax_compilation_cache_max_size", max_bytes)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
