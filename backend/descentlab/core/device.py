"""Which device the engine's small sequential work runs on."""

from functools import cache
from typing import TypeVar

import jax

T = TypeVar("T")


@cache
def cpu_device() -> jax.Device:
    """The CPU device: tiny sequential 2-D work is faster here than on any GPU."""
    return jax.devices("cpu")[0]


def on_cpu(tree: T) -> T:
    """Commit a pytree of arrays to the CPU so jitted work on it runs there."""
    return jax.device_put(tree, cpu_device())
