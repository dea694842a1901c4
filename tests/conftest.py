"""Session-wide JAX settings for the test suite.

Rank promotion is made an error so that an accidental broadcast of a ``(2,)`` point
against a ``(runs, 2)`` batch (or similar) fails loudly instead of silently computing the
wrong thing. The engine and optax run cleanly under it.

``jax_numpy_dtype_promotion="strict"`` is deliberately NOT set: optax itself breaks under
it (``optax.tree_utils.tree_bias_correction`` raises a ``TypePromotionError`` mixing its
int32 step ``count`` with the float64 decay, so every Adam-family optimizer and every
sweep fails inside optax, not in our code).

Network kernels are never cleared by their generations here (see ``kept_network_kernels``).
The suite runs in one process, and every XLA program it compiles stays mapped: see
``pytest_runtest_setup`` for how the process stays under the kernel's limit of maps.
"""

import gc
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import jax
import pytest

from descentlab.core import use_engine_precision
from descentlab.core.nets import kernel_cache

use_engine_precision()  # float64, before any test builds an array
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture(autouse=True, scope="session")
def kept_network_kernels() -> Iterator[None]:
    """Lift the network kernels' capacity for the whole suite: a generation ending between
    two calls of a test that checks the second compiles nothing would fail it, depending
    only on how many shapes earlier tests compiled. tests/unit/nets/test_kernel_cache.py
    sets a small capacity itself."""
    capacity = kernel_cache.KERNELS.capacity
    kernel_cache.KERNELS.capacity = sys.maxsize
    yield
    kernel_cache.KERNELS.capacity = capacity


# Linux lets a process hold vm.max_map_count memory maps (65,530 by default), and each XLA
# program compiled for the CPU holds about 8 of them until it is freed: the whole suite in
# one process compiles more than that allows, and at the limit XLA aborts the process
# mid-compile (seen at 40 % of the suite). Past this many maps, the network kernels (the
# programs that grow with the shapes tests train: the 2-D set is fixed) are freed between
# two test modules, where no fixture still counts on one. Not ``jax.clear_caches()``: it
# would drop eager kernels that cached warm-ups (``schedule_shape``) never build again.
MAPS_LIMIT = 30_000
_seen: dict[str, Any] = {"module": None, "clears": 0, "peak": 0}


def _maps() -> int:
    try:
        with open("/proc/self/maps") as maps:
            return sum(1 for _ in maps)
    except OSError:  # not Linux: no such limit to keep under
        return 0


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a module's first test (and its module fixtures), free the network kernels
    if the process holds more than ``MAPS_LIMIT`` maps."""
    module: ModuleType | None = getattr(item, "module", None)
    if module is _seen["module"]:
        return
    _seen["module"] = module
    held = _maps()
    _seen["peak"] = max(_seen["peak"], held)
    if held > MAPS_LIMIT:
        kernel_cache.KERNELS.release()
        gc.collect()
        _seen["clears"] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _seen["peak"]:
        terminalreporter.write_line(
            f"network kernels freed {_seen['clears']} times between modules "
            f"(memory maps peaked at {_seen['peak']}, limit {MAPS_LIMIT} here)"
        )
