"""Compile the whole fixed set of programs before anyone asks for them.

Every kernel (``KERNELS``) is compiled at each of its shapes at start-up: first what the
default page uses (``FIRST_VISIT``, while the server is not yet listening), then in the
background the point inspector and what the lessons add (``NEXT``), then the rest.
After that no request compiles: surfaces, optimizers, schedules, step and run counts,
sweeps, grids and typed expressions are all data for these executables. The default
network's live training (the Networks page's Play) is compiled with them. With JAX's
persistent compilation cache, a restart loads them from disk instead of compiling.
"""

import ctypes
import ctypes.util
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from descentlab.core.analysis import DERIVATIVES
from descentlab.core.experiments.live import warm_live
from descentlab.core.grid import GRID
from descentlab.core.optimizers import OPTIMIZERS, state_keys
from descentlab.core.precision import require_engine_precision
from descentlab.core.programs import Kernel, Shape
from descentlab.core.schedules import learning_rate_series, warm_schedule_kernels
from descentlab.core.trajectory import MAP, SIMULATE, SWEEP

KERNELS: tuple[Kernel, ...] = (SIMULATE, SWEEP, MAP, GRID, DERIVATIVES)
Program = tuple[Kernel, Shape]

# The default page: its grid and its race (four runs, 500 steps; the same program runs
# every built-in race of up to 2,048 steps, so every lesson's). Compiled before the
# server listens.
FIRST_VISIT: tuple[Program, ...] = ((GRID, ()), (SIMULATE, (4, 2048)))
# Compiled first in the background: the point inspector and a typed f(x, y)'s race.
NEXT: tuple[Program, ...] = ((DERIVATIVES, ()), (SIMULATE, (1, 2048)))


def every_program() -> list[Program]:
    """Each kernel at each of its shapes: the first visit's, the next, then the rest."""
    first = (*FIRST_VISIT, *NEXT)
    return [*first, *((k, s) for k in KERNELS for s in k.shapes if (k, s) not in first)]


def _compile_all(programs: Iterable[Program], workers: int) -> None:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(kernel.executable, shape) for kernel, shape in programs]:
            future.result()


def release_freed_memory() -> None:
    """Hand freed heap back to the operating system (glibc only; elsewhere nothing).

    Compiling the programs frees about 200 MB that glibc would otherwise keep mapped
    (measured: 850 → 660 MB resident after the full warm-up).
    """
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    if trim is not None:
        trim(0)


def _warm_host_side() -> None:
    """What the host computes once per kind: schedule kernels and optimizer view names."""
    warm_schedule_kernels()
    for spec in OPTIMIZERS.values():
        state_keys(spec)


def warm_first_visit(workers: int = 2) -> None:
    """``FIRST_VISIT``, the constant schedule's few eager kernels and the page's
    optimizers' view names (the other kinds' follow in ``warm_everything``)."""
    require_engine_precision()
    learning_rate_series(1.0, None, 1)
    for spec in OPTIMIZERS.values():
        state_keys(spec)
    _compile_all(FIRST_VISIT, workers)
    release_freed_memory()


def warm_everything(workers: int = 2) -> None:
    """Every program not compiled yet (meant for a background thread after the first visit)."""
    require_engine_precision()
    _warm_host_side()
    _compile_all(every_program(), workers)
    warm_live()
    release_freed_memory()


def compiled_programs(programs: Sequence[Program] | None = None) -> int:
    """How many of ``programs`` (default: all) are compiled in this process."""
    return sum(kernel.is_compiled(shape) for kernel, shape in programs or every_program())
