"""The fixed set of compiled programs: each kernel at each of its few shapes, compiled once.

A ``Kernel`` is a module-level jitted function with a closed list of shapes (buckets of
runs, steps, grid points). Its executables are compiled ahead of time (``jax.jit(...)
.lower(...).compile()``) and kept; calls go straight to them. What a user varies is data,
so every admissible request maps to one of these shapes, and start-up can compile all of
them before anyone asks (``warmup``). An executable also refuses arguments of another
shape or dtype instead of silently compiling a new one.

Concurrent first calls of one shape compile it once: the others wait on its lock.
"""

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import jax
from jax.sharding import SingleDeviceSharding

from descentlab.core.device import cpu_device

Shape = tuple[int, ...]
# (shape) -> example arguments (NumPy arrays of the right shapes and dtypes), as a pytree
Signature = Callable[[Shape], tuple[Any, ...]]


@cache
def _dispatcher() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="kernels")


def run_all(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run independent kernel calls (each returning host arrays) side by side.

    XLA runs the executions one thread's calls make one after another; calls from
    several threads use the cores together (measured: the eight-optimizer race).
    """
    if len(calls) == 1:
        return [calls[0]()]
    return list(_dispatcher().map(lambda call: call(), calls))


def smallest_fit(n: int, sizes: Sequence[int]) -> int:
    """The smallest of ``sizes`` that holds ``n``; ValueError when none does."""
    for size in sizes:
        if n <= size:
            return size
    raise ValueError(f"{n} is more than the largest compiled size, {sizes[-1]}")


class Kernel:
    """One jitted function and the shapes it is compiled for, on one device (the CPU's)."""

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        signature: Signature,
        shapes: Sequence[Shape],
        device: Callable[[], jax.Device] = cpu_device,
    ) -> None:
        self.name = name
        self.shapes = tuple(shapes)
        self._fn = fn
        self._jitted = jax.jit(fn)
        self._signature = signature
        self._device = device
        self._executables: dict[Shape, Any] = {}
        self._locks = {shape: threading.Lock() for shape in self.shapes}

    def on(self, device: jax.Device) -> "Kernel":
        """The same kernel compiled for another device (for measurements: 2-D work belongs
        on the CPU)."""
        return Kernel(self.name, self._fn, self._signature, self.shapes, lambda: device)

    def __repr__(self) -> str:
        return f"Kernel({self.name!r}, {len(self.shapes)} shapes)"

    def is_compiled(self, shape: Shape) -> bool:
        return shape in self._executables

    def executable(self, shape: Shape) -> Any:
        """The compiled program for ``shape``, compiling it now if nobody has yet."""
        compiled = self._executables.get(shape)
        if compiled is not None:
            return compiled
        if shape not in self._locks:
            raise ValueError(f"{self.name} is not compiled for shape {shape}; it has {self.shapes}")
        with self._locks[shape]:
            compiled = self._executables.get(shape)
            if compiled is None:
                sharding = SingleDeviceSharding(self._device())
                abstract = jax.tree.map(
                    lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype, sharding=sharding),
                    self._signature(shape),
                )
                compiled = self._jitted.lower(*abstract).compile()
                self._executables[shape] = compiled
        return compiled

    def __call__(self, shape: Shape, *args: Any) -> Any:
        return self.executable(shape)(*args)
