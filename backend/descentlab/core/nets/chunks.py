"""Long device work in pieces short enough for a job to notice a cancel between them.

A kernel that loops over steps (Lanczos), probes or grid chunks takes its range as traced
arguments, so any piece size runs the same compiled program; this host loop sizes the
pieces from the time the last one took, so each lasts about ``CHECK_INTERVAL_S`` whatever
the network, and calls ``between()`` (a job's progress report, which raises on a cancel or
past the time limit) after each. Nobody checking (``between`` is None): one piece.
"""

import time
from collections.abc import Callable

# Each piece of a Lanczos run linearizes the gradient again (about two steps' work at
# 4×256 on 3,000 samples), so shorter pieces cost more: that Hessian experiment took 49 s
# in one call, 75 s in pieces of 0.25 s and 67 s in pieces of 0.5 s (bench.job_costs); a
# cancel still acts within a second (bench.cancel_latency).
CHECK_INTERVAL_S = 0.5


def in_timed_pieces(
    total: int,
    run: Callable[[int, int], None],
    between: Callable[[], None] | None,
    interval_s: float | None = None,
) -> int:
    """Call ``run(start, stop)`` over ``[0, total)`` and return how many pieces it took.

    ``run`` must block until its piece is computed (its timing sizes the next one). The
    first piece is one unit: it may include a compile, so its time is not a guide to the
    next one's size.
    """
    interval_s = CHECK_INTERVAL_S if interval_s is None else interval_s
    if between is None:
        if total > 0:
            run(0, total)
        return 1 if total > 0 else 0
    done, size, pieces = 0, 1, 0
    while done < total:
        stop = min(done + size, total)
        started = time.perf_counter()
        run(done, stop)
        per_unit = (time.perf_counter() - started) / (stop - done)
        done, pieces = stop, pieces + 1
        if done < total:
            between()
        size = max(1, int(interval_s / per_unit)) if per_unit > 0 else total
    return pieces
