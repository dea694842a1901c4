"""Benchmarks with their naive baselines (``make bench``); results in docs/BENCHMARKS.md.

Every benchmark runs the engine, so the package switches JAX to its float64 first
(``descentlab.core.precision``): a benchmark is a program, not a library.
"""

from descentlab.core.precision import use_engine_precision

use_engine_precision()
