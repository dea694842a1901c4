"""The network kernels' compiled code, kept in generations of ``CAPACITY`` executables.

Network kernels compile per shape (model, batch size, dataset size, loss, optimizer,
iteration counts), and JAX keeps every executable as long as its jitted function lives:
for a module-level function, forever (measured: about 16 MB per shape a small training
run compiles, never freed). Loss builders such as ``hessian.flat_loss`` make one closure
per spec, and each closure keys compiles of its own, so they grow with the kernels.

JAX drops only a whole function's executables (``clear_cache``), never one entry, so an
LRU of executables cannot be had. This works in generations instead: before a network
kernel is called, if the kernels already hold ``CAPACITY`` executables or more, every
kernel's cache and every builder's are cleared, and the call compiles into a fresh
generation. Results never depend on it (a cleared
shape compiles again to the same program); the price is a recompile (about 1 s for a
small network) of whatever a job uses again after its generation ended. A kernel
cleared while another thread runs it finishes that call; its next call compiles again.

A generation also clears JAX's trace cache, the one cache of JAX's own that has no size
limit: it keeps a jaxpr for every shape any jitted function inside the kernels (``jnp``
ufuncs, ``jax.random``) was traced at (measured: 12 of the 19 MB that still grew over 100
shapes with the kernels cleared). Tracing is all it costs, and only on the next compile.
Never ``jax.clear_caches()``: it also drops the eager kernels the 2-D lab warmed up at
start-up (measured: a new schedule then compiles 8 programs), which must not compile
again once the server is up; clearing the network kernels leaves them alone
(tests/unit/nets/test_kernel_cache.py).
"""

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

import jax
from jax._src.interpreters import partial_eval  # JAX's trace cache has no public handle

F = TypeVar("F", bound=Callable[..., Any])

# Executables held at most (plus one per concurrent call) across every network kernel.
# A small training run compiles four, about 16 MB in all (bench/network_shapes.py), so a
# full generation holds some 250 MB; the largest single job (a batch-size comparison of
# the schema's eight sizes) holds about 25 at once, so a job never outgrows a generation
# and recompiles its own kernels in a loop.
CAPACITY = 64


class KernelGenerations:
    """Jitted network kernels and kernel builders, all cleared together when full."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.generations = 0  # how many times the kernels were cleared
        self._kernels: list[Any] = []  # Any: JAX's stubs declare no clear_cache
        self._builders: list[Any] = []  # functools caches: cache_clear, cache_info
        self._lock = threading.RLock()

    def executables(self) -> int:
        """Compiled programs the kernels hold now, all shapes and static arguments."""
        return sum(kernel._cache_size() for kernel in self._kernels)

    def built(self) -> int:
        """Objects the builders hold now (each one keys compiles of its own)."""
        return sum(builder.cache_info().currsize for builder in self._builders)

    def jit(self, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """``jax.jit(fn, **options)``, counted and cleared with the other kernels (typed as
        loosely as ``jax.jit``'s own result: it takes NumPy arrays and scalars too)."""

        def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
            jitted = jax.jit(fn, **options)
            self._kernels.append(jitted)

            @functools.wraps(fn)
            def call(*args: Any, **kwargs: Any) -> Any:
                self.make_room()
                return jitted(*args, **kwargs)

            return call

        return wrap

    def builder(self, fn: F) -> F:
        """``functools.lru_cache`` for a function whose results are kernels' static
        arguments: one object per argument tuple, cleared with the kernels."""
        cached = functools.lru_cache(maxsize=self.capacity)(fn)
        self._builders.append(cached)
        return cast(F, cached)

    def make_room(self) -> None:
        """Start a new generation if this one is full."""
        with self._lock:
            if self.executables() >= self.capacity:
                self.release()

    def release(self) -> None:
        """Forget every kernel's executables and every builder's objects."""
        with self._lock:
            for kernel in self._kernels:
                kernel.clear_cache()
            for builder in self._builders:
                builder.cache_clear()
            partial_eval.trace_to_jaxpr.cache_clear()
            self.generations += 1


KERNELS = KernelGenerations(CAPACITY)
jit = KERNELS.jit
builder = KERNELS.builder
