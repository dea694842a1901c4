"""Which device the engine's small sequential work runs on."""

from contextlib import AbstractContextManager
from functools import cache
from typing import Any

import jax


@cache
def cpu_device() -> jax.Device:
    """The CPU device: tiny sequential 2-D work is faster here than on any GPU."""
    return jax.devices("cpu")[0]


def on_cpu() -> AbstractContextManager[Any]:
    """Run jitted calls made inside on the CPU, even when a GPU is the default device.

    NumPy arguments are then placed on the CPU by the jit call itself, which costs far
    less than an explicit ``device_put`` per request (about 25 µs instead of 200 µs).
    """
    return jax.default_device(cpu_device())
