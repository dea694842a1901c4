"""A compile counter for tests: JAX's monitoring events, counted inside a ``with``.

It counts *backend* compiles (``/jax/core/compile/backend_compile_duration``), which fire
for every XLA executable built in-process (a persistent-cache hit fires it too),
including the small ones that eager ``jnp`` calls compile behind the scenes, and traces
(``/jax/core/compile/jaxpr_trace_duration``), since a retrace costs time even when the
executable is then found in the cache.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from jax import monitoring

BACKEND_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
TRACE_EVENT = "/jax/core/compile/jaxpr_trace_duration"


@dataclass
class CompileLog:
    compiles: list[str] = field(default_factory=list)
    traces: list[str] = field(default_factory=list)


@contextmanager
def count_compiles() -> Iterator[CompileLog]:
    log = CompileLog()

    def listener(event: str, duration_secs: float, **kwargs: Any) -> None:
        del duration_secs
        name = str(kwargs.get("fun_name", "?"))
        if event == BACKEND_COMPILE_EVENT:
            log.compiles.append(name)
        elif event == TRACE_EVENT:
            log.traces.append(name)

    monitoring.register_event_duration_secs_listener(listener)
    try:
        yield log
    finally:
        monitoring.unregister_event_duration_listener(listener)
